"""Idempotency-Key across process faults, against a real gunicorn (a subprocess on a free
port, on the test database): the worker SIGKILLed after the work committed or while its
transaction waits on a lock, gunicorn's worker timeout, the database connection killed.
In every case the retry replays or applies once: one ticket, one event."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from liaison.models import IdempotencyKey
from suggestions import services
from suggestions.models import Ticket, TimelineEvent
from tests.api.concurrency import client_with, lock_waiters, raw_connection, token_for
from tests.api.test_writes import body
from tests.factories import HandlingUnitFactory, TicketFactory
from tests.liaison.conftest import ROOT, subprocess_env, wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


class Gunicorn:
    """``gunicorn tests.api.faultserver:application`` with one sync worker on a free port."""

    def __init__(self, directory: Path, *, timeout: int = 30):
        self.dir = directory
        self.log = directory / "gunicorn.log"
        handle = self.log.open("w")
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "tests.api.faultserver:application"]
            + ["--bind", "127.0.0.1:0", "--workers", "1", "--preload", "--timeout", str(timeout)]
            + ["--graceful-timeout", "1", "--log-level", "info", "--no-control-socket"],
            cwd=ROOT,
            env=subprocess_env(FAULT_DIR=str(directory), DEBUG="0", API_THROTTLE_RATE="100000/minute"),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        found = wait_until(
            lambda: (
                self._alive() and re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text())
            ),
            timeout=30,
            what="gunicorn to listen",
        )
        self.port = int(found.group(1))
        wait_until(lambda: self.worker_pid(), timeout=30, what="a gunicorn worker")
        self.request("GET", "/api/v1/", {}, {})  # the worker's lazy imports (URLs, DRF), untimed

    def _alive(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
        return True

    def worker_pid(self) -> int | None:
        """The worker serving now (the latest booted that is still alive)."""
        for pid in reversed(re.findall(r"Booting worker with pid: (\d+)", self.log.read_text())):
            if Path(f"/proc/{pid}").exists() and f"Worker exiting (pid: {pid})" not in self.log.read_text():
                return int(pid)
        return None

    def kill_worker(self) -> None:
        pid = self.worker_pid()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not Path(f"/proc/{pid}/status").exists() or _zombie(pid), what="the worker to die")

    def request(self, method: str, path: str, data: dict, headers: dict) -> tuple[int, dict, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, json.dumps(data), {"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            raw = response.read()
            is_json = response.getheader("Content-Type", "").startswith("application/json")
            return response.status, dict(response.getheaders()), json.loads(raw) if is_json else raw
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _zombie(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


@pytest.fixture
def gunicorn(tmp_path):
    servers: list[Gunicorn] = []

    def start(**kwargs) -> Gunicorn:
        directory = tmp_path / f"server-{len(servers)}"
        directory.mkdir()
        servers.append(Gunicorn(directory, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def in_background(call):
    """Run ``call`` in a thread; the returned list gets its result or its exception."""
    out: list = []

    def run():
        try:
            out.append(call())
        except Exception as exc:  # noqa: BLE001 - the dropped connection is the point
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def headers_for(user, key: str) -> dict:
    return {"Authorization": f"Token {token_for(user)}", "Idempotency-Key": key}


@pytest.mark.slow
def test_worker_killed_after_the_work_committed_then_the_retry_replays(api_world, gunicorn):
    server = gunicorn()
    headers = headers_for(api_world["officer"], "kill-after-commit")
    (server.dir / "hold").touch()
    thread, first = in_background(
        lambda: server.request("POST", "/api/v1/tickets/", body(api_world), headers)
    )
    wait_until(lambda: (server.dir / "held").exists(), what="the request to commit and hold")
    server.kill_worker()
    thread.join(30)
    assert isinstance(first[0], Exception)  # the client never got an answer
    code, response_headers, data = server.request("POST", "/api/v1/tickets/", body(api_world), headers)
    assert code == 201, data
    assert response_headers.get("Idempotent-Replayed") == "true"
    assert str(Ticket.objects.get().pk) == data["id"]
    assert TimelineEvent.objects.filter(action="register").count() == 1


@pytest.mark.slow
def test_worker_killed_while_its_commit_waits_then_the_retry_replays(api_world, gunicorn):
    """Django's foreign keys are checked at COMMIT (deferred): with the station row locked
    the request's COMMIT waits; the worker is killed there, the lock released, and
    PostgreSQL finishes the commit the dead worker sent. Work and key committed together,
    so the retry replays."""
    server = gunicorn()
    headers = headers_for(api_world["officer"], "kill-in-commit")
    with raw_connection() as holder, raw_connection(autocommit=True) as watcher:
        holder.execute("SELECT 1 FROM stations_station WHERE id = %s FOR UPDATE", [api_world["station"].pk])
        thread, first = in_background(
            lambda: server.request("POST", "/api/v1/tickets/", body(api_world), headers)
        )
        wait_until(lambda: lock_waiters(watcher, holder) == 1, what="the commit to wait")
        server.kill_worker()
        holder.rollback()
        thread.join(30)
    assert isinstance(first[0], Exception)
    code, response_headers, data = server.request("POST", "/api/v1/tickets/", body(api_world), headers)
    assert code == 201, data
    assert response_headers.get("Idempotent-Replayed") == "true"
    assert Ticket.objects.count() == 1
    assert TimelineEvent.objects.filter(action="register").count() == 1


def accepted_ticket_and_unit(w):
    ticket = TicketFactory(station=w["station"], category=w["category"])
    services.ticket_accept(ticket=ticket, actor=w["officer"], tier="township")
    return ticket, HandlingUnitFactory(region=w["station"].region)


@pytest.mark.slow
def test_worker_killed_while_its_transaction_waits_then_the_retry_assigns_once(api_world, gunicorn):
    """The ticket row locked: the assignment waits inside its transaction (key inserted,
    nothing committed); the worker is killed there, so it all rolls back and the retry
    runs anew."""
    ticket, unit = accepted_ticket_and_unit(api_world)
    server = gunicorn()
    headers = headers_for(api_world["officer"], "kill-mid-transaction")
    step = {"action": "assign", "handling_unit": str(unit.pk)}
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    with raw_connection() as holder, raw_connection(autocommit=True) as watcher:
        holder.execute("SELECT 1 FROM suggestions_ticket WHERE id = %s FOR UPDATE", [ticket.pk])
        thread, first = in_background(lambda: server.request("POST", url, step, headers))
        wait_until(lambda: lock_waiters(watcher, holder) == 1, what="the transition to wait")
        server.kill_worker()
        holder.rollback()
        thread.join(30)
    assert isinstance(first[0], Exception)
    code, response_headers, data = server.request("POST", url, step, headers)
    assert code == 200, data
    assert "Idempotent-Replayed" not in response_headers
    assert TimelineEvent.objects.filter(ticket=ticket, action="assign").count() == 1


def _retried(send, attempts: int = 5):
    """``send()`` again after a dropped connection, as a client would, up to ``attempts``."""
    for attempt in range(attempts):
        try:
            return send()
        except (http.client.HTTPException, ConnectionError):
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.mark.slow
def test_a_request_past_gunicorns_timeout_then_the_retry_replays(api_world, gunicorn):
    server = gunicorn(timeout=3)
    headers = headers_for(api_world["officer"], "timed-out")
    # a first request does the worker's lazy imports, so the next one reaches its commit
    # well within the timeout even on a loaded machine; the hold (30 s) is what times out
    warm = _retried(
        lambda: server.request("GET", "/api/v1/categories/", {}, {"Authorization": headers["Authorization"]})
    )
    assert warm[0] == 200
    (server.dir / "hold").touch()
    code = None
    with contextlib.suppress(http.client.HTTPException, ConnectionError):
        code, _, _ = server.request("POST", "/api/v1/tickets/", body(api_world), headers)
    assert code is None or code >= 500  # gunicorn aborted the worker: no answer, or a 5xx
    assert (server.dir / "held").exists()
    # the client retries until it gets an answer (on a loaded machine the fresh worker's own
    # first request can outlast the 3 s timeout too; a retry of that is just another retry)
    code, response_headers, data = _retried(
        lambda: server.request("POST", "/api/v1/tickets/", body(api_world), headers)
    )
    assert code == 201, data
    assert response_headers.get("Idempotent-Replayed") == "true"
    assert Ticket.objects.count() == 1
    assert TimelineEvent.objects.filter(action="register").count() == 1


@pytest.mark.slow
def test_worker_killed_after_an_assignment_committed_then_the_retry_assigns_nothing_more(api_world, gunicorn):
    ticket, unit = accepted_ticket_and_unit(api_world)
    server = gunicorn()
    headers = headers_for(api_world["officer"], "assign-once")
    step = {"action": "assign", "handling_unit": str(unit.pk)}
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    (server.dir / "hold").touch()
    thread, first = in_background(lambda: server.request("POST", url, step, headers))
    wait_until(lambda: (server.dir / "held").exists(), what="the assignment to commit and hold")
    server.kill_worker()
    thread.join(30)
    assert isinstance(first[0], Exception)
    code, response_headers, data = server.request("POST", url, step, headers)
    assert code == 200, data
    assert response_headers.get("Idempotent-Replayed") == "true"
    assert data["status"] == "assigned"
    assert TimelineEvent.objects.filter(ticket=ticket, action="assign").count() == 1


def test_connection_killed_after_the_commit_then_the_retry_replays(api_world, monkeypatch):
    """In-process: the request's database connection is terminated (pg_terminate_backend
    from a second connection) right after its transaction commits."""
    register = services.ticket_register

    def register_then_lose_the_connection(**kwargs):
        ticket = register(**kwargs)
        pid = connection.connection.info.backend_pid

        def kill():
            with raw_connection(autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])

        transaction.on_commit(kill)
        return ticket

    monkeypatch.setattr(services, "ticket_register", register_then_lose_the_connection)
    client = client_with(token_for(api_world["officer"]))
    client.raise_request_exception = False
    first = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="conn")
    connection.close()  # the dead connection; Django opens a new one
    monkeypatch.setattr(services, "ticket_register", register)
    retry = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="conn")
    connection.close()
    assert retry.status_code == 201, retry.content
    assert retry["Idempotent-Replayed"] == "true"
    if first.status_code == 201:
        assert retry.json() == first.json()
    # however long the client waits to retry (within the keeping time), never a second ticket
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    later = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="conn")
    assert later.status_code == 201 and later["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert TimelineEvent.objects.filter(action="register").count() == 1
