"""A real Celery worker (a subprocess) against the test database and the suite's Redis."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from liaison.models import OutboxMessage
from tests.visits.conftest import day  # noqa: F401  (the reception-day fixture, for the worker tests)

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database as a URL (pytest-django renamed it to test_<name>)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def subprocess_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(DATABASE_URL=database_url(), REDIS_URL=settings.REDIS_URL, PYTHONUNBUFFERED="1")
    env.update(overrides)
    return env


class Worker:
    def __init__(self, log: Path):
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30, **env: str) -> Worker:
        self.log.write_text("")
        handle = self.log.open("a")
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.liaison.worker"],
            cwd=ROOT,
            env=subprocess_env(**env),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while " ready." not in self.log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, the database connection just drops."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_factory(transactional_db, tmp_path):
    """``worker_factory()`` starts a real worker (pool solo) and returns it; every worker
    started is stopped at the end. Needs PostgreSQL and a reachable REDIS_URL."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis")
    from liaison.celery import app

    app.control.purge()  # kicks left in the queue by earlier tests
    # and tasks a killed worker left unacknowledged: Redis would hand them to our worker
    # once their visibility timeout (20 minutes) is up, in the middle of a later test
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("unacked", "unacked_index", "unacked_mutex")
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(tmp_path / f"worker-{len(workers)}.log").start(**env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_until(predicate, timeout: float = 20, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def all_done() -> bool:
    return not OutboxMessage.objects.pending().exists()


def drain_until_done(timeout: float = 20) -> None:
    """Kick the worker(s) until the outbox is empty, as beat would every few seconds (a
    kick can find a row still locked by a killed worker's dying connection)."""
    from liaison.tasks import drain_outbox

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drain_outbox.delay()
        try:
            wait_until(all_done, timeout=1)
            return
        except AssertionError:
            continue
    raise AssertionError("timed out waiting for the outbox to drain")


@dataclass
class BrokerConnection:
    opened_at: float
    first_bytes_at: float | None = None
    closed_at: float | None = None  # by the client (EOF), or by ``SilentBroker.hang_up``


class SilentBroker:
    """A hung Redis: a TCP server on a free port of 127.0.0.1 that accepts connections,
    reads whatever they send and never answers. Records when each connection opened, sent
    its first bytes and was closed (``time.monotonic()`` of this process)."""

    def __init__(self):
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.connections: list[BrokerConnection] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            record = BrokerConnection(opened_at=time.monotonic())
            with self._lock:
                self.connections.append(record)
                self._sockets.append(sock)
            threading.Thread(target=self._read, args=(sock, record), daemon=True).start()

    def _read(self, sock: socket.socket, record: BrokerConnection) -> None:
        try:
            while sock.recv(65536):
                record.first_bytes_at = record.first_bytes_at or time.monotonic()
        except OSError:
            pass
        record.closed_at = record.closed_at or time.monotonic()

    def open_connections(self) -> list[BrokerConnection]:
        return [c for c in self.connections if c.closed_at is None]

    def hang_up(self) -> None:
        """Close every connection from our side (the clients see the broker go away)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._server.close()
        self.hang_up()


@pytest.fixture
def silent_broker():
    broker = SilentBroker()
    yield broker
    broker.close()


class WebServer:
    """``gunicorn liaison.wsgi`` (one sync worker: one request at a time, as a busy
    production worker) on a free port, against the test database."""

    def __init__(self, log: Path):
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    def start(self, timeout: float = 60, **env: str) -> WebServer:
        handle = self.log.open("w")
        self.proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "liaison.wsgi:application",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "1",
                "--timeout",
                "120",
                "--error-logfile",
                "-",
            ],
            cwd=ROOT,
            env=subprocess_env(**env),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text()
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if found and "Booting worker" in text:
                self.port = int(found[1])
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{text[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def web_server(transactional_db, tmp_path):
    """``web_server(**env)`` starts gunicorn with these environment variables; stopped at the end."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    servers: list[WebServer] = []

    def start(**env: str) -> WebServer:
        server = WebServer(tmp_path / f"gunicorn-{len(servers)}.log").start(**env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
