"""/metrics (issue 21): Prometheus figures, not public, summed over gunicorn's workers."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from liaison.models import JobRun, OutboxMessage
from suggestions.models import Ticket
from tests.factories import TicketFactory
from tests.liaison.conftest import ROOT, subprocess_env

pytestmark = pytest.mark.django_db


def value(text: str, name: str, labels: str = "") -> float | None:
    """The sample ``name{labels}`` of an exposition; None when absent."""
    pattern = (
        "^"
        + re.escape(name)
        + (r"\{" + re.escape(labels) + r"\}" if labels else r"(\{\})?")
        + r" (?P<value>\S+)$"
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found["value"]) if found else None


def test_the_figures_from_the_database(client, django_assert_num_queries):
    today = timezone.localdate()
    for due in (today - dt.timedelta(days=3), today - dt.timedelta(days=1), today + dt.timedelta(days=5)):
        TicketFactory(status=Ticket.Status.ACCEPTED, due_on=due)
    TicketFactory(status=Ticket.Status.REGISTERED, due_on=today - dt.timedelta(days=9))  # not running
    OutboxMessage.objects.create(task_name="x", available_at=timezone.now() - dt.timedelta(minutes=2))
    OutboxMessage.objects.create(task_name="x", failed_at=timezone.now())
    done = timezone.now() - dt.timedelta(hours=1)
    JobRun.objects.create(name="rollups", last_completed_at=done, last_duration=0.25)  # every minute
    JobRun.objects.create(name="rollups_full", last_completed_at=timezone.now(), last_duration=12.5)

    client.get("/healthz")
    for _ in range(20):  # more rows change nothing: a fixed number of counts
        TicketFactory(status=Ticket.Status.ASSIGNED, due_on=today + dt.timedelta(days=1))
    with django_assert_num_queries(5):  # pending, failed, oldest due, the job runs, overdue tickets
        response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert value(text, "liaison_tickets_overdue") == 2
    assert value(text, "liaison_outbox_pending") == 1 and value(text, "liaison_outbox_failed") == 1
    assert 110 <= value(text, "liaison_outbox_oldest_due_seconds") < 600
    assert value(text, "liaison_job_last_success_timestamp_seconds", 'job="rollups"') == done.timestamp()
    assert value(text, "liaison_job_last_duration_seconds", 'job="rollups_full"') == 12.5
    assert value(text, "liaison_job_overdue", 'job="rollups"') == 1  # an hour late
    assert value(text, "liaison_job_overdue", 'job="rollups_full"') == 0
    # requests and latency (django-prometheus), by view
    assert value(
        text,
        "django_http_requests_total_by_view_transport_method_total",
        'method="GET",transport="http",view="healthz"',
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text


def test_not_public(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    # through nginx (a proxy on this host): refused even though the peer is loopback
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    settings.METRICS_TOKEN = "s3cret-token"
    assert (
        client.get("/metrics", REMOTE_ADDR="10.1.2.3", headers={"Authorization": "Bearer nope"}).status_code
        == 404
    )
    ok = client.get("/metrics", REMOTE_ADDR="10.1.2.3", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200
    assert client.post("/metrics").status_code in (404, 405)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as r:  # noqa: S310
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_every_scrape_sums_all_workers(tmp_path):
    """deploy/gunicorn.conf.py with three workers (multiprocess mode): 30 requests spread
    over them, and each of several scrapes, whichever worker answers, counts all 30."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = subprocess_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="3", GUNICORN_ACCESS_LOG=str(log))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "liaison.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "out.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while _get_or_none(port) is None:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "out.log").read_text()
            time.sleep(0.2)
        before = _healthz_count(_get(port, "/metrics")[1])
        for _ in range(30):
            assert _get(port, "/healthz")[0] == 200
        for _ in range(6):
            status, text = _get(port, "/metrics")
            assert status == 200
            assert _healthz_count(text) == before + 30, text[:2000]
        for line in log.read_text().splitlines():  # the access log: pid is not in it; the id is
            assert re.search(r" [0-9a-f]{32}$", line), line
        pids = {
            int(p) for p in re.findall(r"Booting worker with pid: (\d+)", (tmp_path / "out.log").read_text())
        }
        assert len(pids) == 3
    finally:
        proc.terminate()
        proc.wait(30)


def _get_or_none(port: int):
    try:
        return _get(port, "/healthz")
    except OSError:
        return None


def _healthz_count(text: str) -> float:
    return (
        value(
            text,
            "django_http_requests_total_by_view_transport_method_total",
            'method="GET",transport="http",view="healthz"',
        )
        or 0.0
    )
