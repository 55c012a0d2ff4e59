"""A finished export is sent only while its user may still see it: the role still active,
the station still in scope, and every citizen the file shows in full still theirs to see
in full. Each download is a view of the file, logged then (not when the worker wrote it)."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role
from tests.factories import TicketFactory
from visits import services
from visits.models import ExportJob

pytestmark = pytest.mark.django_db


def _finished_job(day, settings, tmp_path) -> ExportJob:
    settings.MEDIA_ROOT = tmp_path
    for n in range(3):
        TicketFactory(station=day.station, citizen_name=f"群众{n}", citizen_phone=f"1390000000{n}")
    job = services.ledger_export_start(
        user=day.officer,
        station=day.station,
        book="reception",
        fmt="xlsx",
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 12, 31),
    )
    services.ledger_export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and len(job.full_ticket_ids) == 3
    return job


def _download(client, job):
    return client.get(reverse("visits:exports"), {"job": job.pk, "download": 1})


def test_the_worker_logs_nothing_each_download_is_logged(day, settings, tmp_path):
    job = _finished_job(day, settings, tmp_path)
    assert not PersonalDataAccess.objects.exists()  # nobody has seen the file yet
    for expected in (3, 6):
        response = _download(day.client, job)
        assert response.status_code == 200
        b"".join(response.streaming_content)
        logs = PersonalDataAccess.objects.filter(user=day.officer, client="ledger_export")
        assert logs.count() == expected
    assert set(logs.values_list("fields", flat=True)) == {"citizen_name,citizen_phone,citizen_address"}


def test_after_the_role_is_switched_off_the_download_is_404_and_sends_nothing(day, settings, tmp_path):
    job = _finished_job(day, settings, tmp_path)
    day.officer.roles.update(is_active=False)
    client = Client()
    client.force_login(day.officer)
    response = _download(client, job)
    assert response.status_code == 404
    assert b"PK" not in response.content and "群众0" not in response.content.decode()
    assert client.get(reverse("visits:exports"), {"job": job.pk}).status_code == 404
    assert str(job.pk) not in client.get(reverse("visits:exports")).content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_station_out_of_scope_now_is_404(day, settings, tmp_path, region_tree):
    job = _finished_job(day, settings, tmp_path)
    day.officer.roles.all().delete()
    day.officer.roles.create(role=Role.COUNTY_STAFF, region=region_tree.counties[1])  # the other county
    client = Client()
    client.force_login(day.officer)
    assert _download(client, job).status_code == 404


def test_a_file_with_details_the_user_no_longer_sees_in_full_is_refused(day, settings, tmp_path, region_tree):
    """Now county staff over the station: they may export its ledgers, masked. The file
    they made as its officer shows the citizens in full: 403, re-export."""
    job = _finished_job(day, settings, tmp_path)
    day.officer.roles.all().delete()
    day.officer.roles.create(role=Role.COUNTY_STAFF, region=region_tree.counties[0])
    client = Client()
    client.force_login(day.officer)
    response = _download(client, job)
    assert response.status_code == 403 and "群众0" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_downloads_at_once_each_log_their_rows(day, settings, tmp_path):
    """The same download 20 times at once (threads, PostgreSQL): 20 files sent, 20 × 3 log
    rows, nothing lost or doubled."""
    job = _finished_job(day, settings, tmp_path)
    session_cookie = day.client.cookies
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def download():
        client = Client()
        client.cookies = session_cookie
        barrier.wait()
        try:
            response = _download(client, job)
            b"".join(response.streaming_content)
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=download) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * 20
    assert PersonalDataAccess.objects.filter(user=day.officer, client="ledger_export").count() == 60
    per_ticket = Counter(str(pk) for pk in PersonalDataAccess.objects.values_list("ticket_id", flat=True))
    assert per_ticket == dict.fromkeys(job.full_ticket_ids, 20)
