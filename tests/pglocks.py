"""Helpers for tests about PostgreSQL locks: run a service in a thread of its own (its own
connection), optionally stopped, transaction open, right after a given statement; and
watch a backend through ``pg_stat_activity`` / ``pg_locks`` to see whether it ever waited
on a lock. Tests using them need ``@pytest.mark.django_db(transaction=True)`` and start their
threads through the ``db_threads`` fixture (import it into the test module)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.db import connection

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")


def backend_state(pid: int) -> tuple[str | None, str | None, int]:
    """``(state, wait_event_type, ungranted locks)`` of backend ``pid`` (None if gone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.state, a.wait_event_type,"
            " (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted)"
            " FROM pg_stat_activity a WHERE a.pid = %s",
            [pid],
        )
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else (None, None, 0)


def is_waiting_on_lock(pid: int) -> bool:
    _, wait_type, ungranted = backend_state(pid)
    return wait_type == "Lock" or ungranted > 0


class DbThread:
    """``func()`` in a thread with its own database connection.

    ``pause_after``: the thread stops right after the first statement whose SQL starts
    with this text, its transaction still open (``paused`` is set), until ``release()``.
    ``pid`` is the thread's backend, known before ``func`` runs (``ready``)."""

    def __init__(self, func: Callable[[], Any], *, pause_after: str | None = None, name: str = "db"):
        self.func, self.pause_after = func, pause_after
        self.pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.ready, self.paused, self.done = threading.Event(), threading.Event(), threading.Event()
        self._go, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _wrapper(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if self.pause_after and not self.paused.is_set() and sql.lstrip().startswith(self.pause_after):
            self.paused.set()
            self._release.wait(60)
        return result

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.ready.set()
            self._go.wait(60)
            with connection.execute_wrapper(self._wrapper):
                self.result = self.func()
        except BaseException as exc:  # reported by join()
            self.error = exc
        finally:
            connection.close()
            self.ready.set()
            self.done.set()

    def start(self, *, wait_paused: bool = False, timeout: float = 30) -> DbThread:
        self._thread.start()
        assert self.ready.wait(timeout) and self.pid, f"{self._thread.name}: no connection"
        self._go.set()
        if wait_paused:
            deadline = time.monotonic() + timeout
            while not self.paused.wait(0.05):
                if self.done.is_set() or time.monotonic() > deadline:
                    self.join()
                    raise AssertionError(f"{self._thread.name} never ran {self.pause_after!r}")
        return self

    def in_open_transaction(self) -> bool:
        return backend_state(self.pid)[0] in ("idle in transaction", "active")

    def release(self) -> None:
        self._release.set()

    def join(self, timeout: float = 60) -> Any:
        self._release.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"{self._thread.name} did not finish"
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def db_threads(transactional_db):
    """``db_threads(func, pause_after=..., name=...)`` → a started ``DbThread``; at the end
    every one is released and joined before the database is flushed (a test that fails
    must not leave a paused transaction behind)."""
    started: list[DbThread] = []

    def start(func: Callable[[], Any], *, wait_paused: bool = False, **kwargs) -> DbThread:
        thread = DbThread(func, **kwargs)
        started.append(thread)
        return thread.start(wait_paused=wait_paused)

    yield start
    for thread in started:
        thread.release()
    for thread in started:
        thread._thread.join(60)


def lock_waits_until_done(threads: Iterable[DbThread], *, timeout: float = 15) -> dict[int, int]:
    """Poll every few milliseconds until all ``threads`` are done (or ``timeout``); return,
    per backend pid, how many polls saw it waiting on a lock."""
    threads = list(threads)
    seen = {t.pid: 0 for t in threads}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(t.done.is_set() for t in threads):
        for t in threads:
            if not t.done.is_set() and is_waiting_on_lock(t.pid):
                seen[t.pid] += 1
        time.sleep(0.005)
    return seen


def wait_until_waiting_or_done(threads: Iterable[DbThread], *, timeout: float = 20) -> None:
    """Until each thread is either done or waiting on a lock."""
    threads = list(threads)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(t.done.is_set() or is_waiting_on_lock(t.pid) for t in threads):
            return
        time.sleep(0.01)
    raise AssertionError("threads neither finished nor waited on a lock")


def deadlocks() -> int:
    """``pg_stat_database.deadlocks`` of the current database (fresh, not a cached snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def wait_backends_gone(pids: Iterable[int], timeout: float = 10) -> None:
    """Until the backends have exited (an exiting backend flushes its statistics)."""
    pids = [p for p in pids if p]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError("backends still running")
