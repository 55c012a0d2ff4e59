"""A real Celery worker (a subprocess) against the test database and the suite's Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
