"""The city dashboard's "导出全部表格" is a background export on the ledgers' machinery:
the request returns at once (a job and its outbox message, nothing written), the job
reports progress and writes the same workbook the request used to, and only whoever
asked, while they may still see that dashboard, may fetch it."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import exports
from liaison import outbox
from liaison.models import OutboxMessage
from reports.periods import Period
from tests.dashboards.conftest import H1
from visits.models import ExportJob
from visits.tasks import ledger_export_run_task

pytestmark = pytest.mark.django_db


def _cells(content: bytes) -> dict[str, list]:
    """Every sheet's rows, but the subtitle's export time."""
    wb = load_workbook(io.BytesIO(content))
    sheets = {}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        rows[1] = [rows[1][0].split("导出时间")[0]]
        sheets[ws.title] = rows
    return sheets


def test_the_request_returns_at_once_and_the_job_writes_the_same_workbook(
    client, world, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    city = world.tree.city
    user = world.users["city"]
    client.force_login(user)
    written = []
    real_write = exports.write_workbook
    monkeypatch.setattr(exports, "write_workbook", lambda **kw: written.append(1) or real_write(**kw))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(reverse("dashboards:region_export", args=[city.pk]), H1)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?job={job.pk}")
    assert written == []  # nothing read or written in the request
    assert (job.kind, job.format, job.status, job.created_by) == ("dashboard", "xlsx", "pending", user)
    assert job.title == "吕梁市 2024年上半年 数据看板全部表格"
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == ("visits.ledger_export", [str(job.pk)]) and callbacks == [
        outbox.kick
    ]
    page = client.get(response["Location"]).content.decode()
    assert "吕梁市 2024年上半年 数据看板全部表格" in page and "排队中" in page and "data-poll" in page

    # the worker: progress on the job row as it goes
    seen = []
    monkeypatch.setattr(
        ledger_export_run_task, "delay", lambda job_id: ledger_export_run_task.apply(args=[job_id])
    )
    original_render = exports.area_job_render

    def render(job_, progress):
        return original_render(job_, lambda p: (seen.append(p), progress(p)))

    from visits import services

    monkeypatch.setitem(
        services.EXPORT_KINDS,
        "dashboard",
        services.ExportKind(render=render, may_fetch=services.EXPORT_KINDS["dashboard"].may_fetch),
    )
    assert outbox.drain() == 1
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100), job.error
    tables = exports.area_tables(city)  # a city's: the stations' tables and the motions block's
    assert seen == sorted(seen) and len(seen) == len(tables) and seen[-1] == 50
    assert job.row_count > 0 and "已生成" in client.get(response["Location"]).content.decode()
    download = client.get(reverse("visits:exports"), {"job": job.pk, "download": 1})
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)

    # the same workbook as written in the request for the same dashboard, period and day
    same = exports.area_workbook(
        user=user,
        tables=list(tables),
        period=Period.half(2024, 1),
        today=timezone.localdate(),
        region=city,
    )
    assert _cells(content) == _cells(same.content)
    motions = ["代表建议按承办单位", "代表建议按会议", "督办事项"]  # the motions block's three sheets
    assert list(_cells(content)) == [*exports.AREA_TABLES.values(), *motions]


def test_a_single_table_is_still_sent_at_once(client, world):
    client.force_login(world.users["city"])
    url = reverse("dashboards:region_export", args=[world.tree.city.pk])
    response = client.get(url, {**H1, "table": "ranking"})
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_only_the_asker_with_the_dashboard_in_scope_fetches_it(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    township = world.tree.townships[0]
    client.force_login(world.users["chair"])
    response = client.get(reverse("dashboards:region_export", args=[township.pk]), H1)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    # someone else (even the city, who may see that dashboard) does not find it
    other = Client()
    other.force_login(world.users["city"])
    assert other.get(reverse("visits:exports"), {"job": job.pk}).status_code == 404
    # the chair, moved off the township, no longer finds it either
    world.users["chair"].roles.all().delete()
    assert client.get(reverse("visits:exports"), {"job": job.pk}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_twenty_asks_at_once_make_twenty_jobs_each_with_one_message(client, world):
    """ "导出全部表格" clicked 20 times at once (threads, PostgreSQL): each request commits
    its own job with exactly one outbox message, none lost, none doubled."""
    import threading

    from django.db import connection

    client.force_login(world.users["city"])
    cookies = client.cookies
    url = reverse("dashboards:region_export", args=[world.tree.city.pk])
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def ask():
        own = Client()
        own.cookies = cookies
        barrier.wait()
        try:
            statuses.append(own.get(url, H1).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [302] * 20
    jobs = {str(pk) for pk in ExportJob.objects.filter(kind="dashboard").values_list("pk", flat=True)}
    messages = [m.args[0] for m in OutboxMessage.objects.filter(task_name="visits.ledger_export")]
    assert len(jobs) == 20 and sorted(messages) == sorted(jobs)
