"""Helpers for the write tests that run requests at once (threads, each on its own
database connection) and that reach the database behind Django's back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import psycopg
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

T = TypeVar("T")


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def at_once(count: int, call: Callable[[int], T], timeout: float = 60) -> list[T]:
    """``call(i)`` in ``count`` threads released together; each thread closes its database
    connection when done. Returns the results in order."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        try:
            barrier.wait(timeout)
            return call(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return [f.result(timeout) for f in [pool.submit(run, i) for i in range(count)]]


def raw_connection(**kwargs) -> psycopg.Connection:
    """A second connection to the test database, outside Django (its own transactions)."""
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        **kwargs,
    )


def lock_waiters(watcher: psycopg.Connection, holder: psycopg.Connection) -> int:
    """Backends waiting on a lock that ``holder``'s transaction holds (seen from ``watcher``)."""
    return watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND %s = ANY(pg_blocking_pids(pid))",
        [holder.info.backend_pid],
    ).fetchone()[0]
