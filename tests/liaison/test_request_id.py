"""The request id (issue 21): taken from X-Request-ID (nginx's $request_id) or made, on every
log line of the request (JSON), returned in the response, and carried through the outbox
into the Celery task the request started, whose log lines in a real worker carry it too."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from django.urls import reverse

from liaison import outbox, requestid
from liaison.models import OutboxMessage
from tests.factories import TicketFactory
from tests.liaison.conftest import wait_until
from visits import services as visits_services
from visits.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the configured console handler writes (settings.LOGGING), one dict a line."""
    handler = next(h for h in logging.getLogger("django").handlers if getattr(h, "name", "") == "console")
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    handler.setStream(old)


def test_an_id_from_nginx_is_kept_returned_and_on_the_requests_log_lines(client, log_lines):
    given = uuid.uuid4().hex
    response = client.get("/no-such-page/", headers={"X-Request-ID": given})
    assert response.status_code == 404 and response["X-Request-ID"] == given
    lines = [line for line in log_lines() if line["logger"] == "django.request"]
    assert lines and {line["request_id"] for line in lines} == {given}  # "Not Found: /no-such-page/"
    assert {"time", "level", "logger", "pid", "message"} <= set(lines[0])


def test_without_one_or_with_a_forged_one_a_new_id_is_made(client, log_lines):
    plain = client.get("/no-such-page/")
    forged = client.get("/no-such-page/", headers={"X-Request-ID": "x\nfake log line"})
    ids = [plain["X-Request-ID"], forged["X-Request-ID"]]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and ids[0] != ids[1]
    assert {line["request_id"] for line in log_lines() if line["logger"] == "django.request"} == set(ids)
    assert requestid.current() == ""  # nothing left behind after the request


def test_outbox_messages_keep_the_id_of_the_request_that_wrote_them(day, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(visits_services, "LEDGER_SYNC_MAX_ROWS", 1)
    monkeypatch.setattr(outbox, "kick", lambda: None)
    given = uuid.uuid4().hex
    response = _large_export(day, given)
    assert response.status_code == 302
    assert OutboxMessage.objects.get().request_id == given
    with requestid.bound("from-a-task"):
        outbox.enqueue_many([("visits.ledger_export", ["x"], {})])
    assert OutboxMessage.objects.order_by("-id").first().request_id == "from-a-task"


def test_a_task_run_in_process_keeps_the_callers_id_and_leaves_it_in_place(caplog):
    """The embedded default runs tasks in the request's process: the task logs the
    request's id, and after it the request still has its id (django-guid's own Celery
    integration would have cleared it)."""
    from liaison.tasks import drain_outbox

    caplog.set_level(logging.INFO, logger="liaison.tasks")
    with requestid.bound("the-request"):
        drain_outbox.apply()
        assert requestid.current() == "the-request"
    lines = [r for r in caplog.records if r.name == "liaison.tasks"]
    assert [r.getMessage().split(" [")[0] for r in lines] == ["task liaison.drain_outbox"] * 2
    assert {r.request_id for r in lines} == {"the-request"}
    assert requestid.current() == ""


def _large_export(day, request_id: str):
    for _ in range(2):
        TicketFactory(station=day.station)
    url = reverse("visits:ledger", args=[day.station.pk])
    params = {"book": "reception", "format": "xlsx", "date_from": "2024-05-01", "date_to": "2024-05-31"}
    return day.client.get(url, params, headers={"X-Request-ID": request_id})


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_started_by_a_request_logs_the_same_id_in_a_real_worker(
    day, worker_factory, monkeypatch, settings, tmp_path
):
    """request -> outbox row -> kick -> real worker drains it -> the handler sends
    visits.ledger_export_run_task -> the worker runs it: its lines carry the request's id."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(visits_services, "LEDGER_SYNC_MAX_ROWS", 1)  # every export in the background
    worker = worker_factory(MEDIA_ROOT=str(tmp_path), LOG_FORMAT="json")
    given = uuid.uuid4().hex
    assert _large_export(day, given)["X-Request-ID"] == given
    job = ExportJob.objects.get()
    wait_until(lambda: ExportJob.objects.filter(pk=job.pk, status="done").exists(), what="the export")

    def lines() -> list[dict]:
        out = []
        for text in worker.log.read_text().splitlines():
            if text.startswith("{"):
                out.append(json.loads(text))
        return out

    wait_until(
        lambda: any("visits.ledger_export_run" in x["message"] and "SUCCESS" in x["message"] for x in lines())
    )
    mine = [x for x in lines() if x["request_id"] == given]
    messages = " | ".join(x["message"] for x in mine)
    # the export task's start and end, under the request's id (not the drain's own)
    assert "visits.ledger_export_run" in messages and "started" in messages, messages
    assert any("visits.ledger_export_run" in x["message"] and "SUCCESS" in x["message"] for x in mine)
    drains = [x for x in lines() if "liaison.drain_outbox" in x["message"] and "started" in x["message"]]
    assert drains and all(x["request_id"] != given for x in drains)  # the kick came from no request
