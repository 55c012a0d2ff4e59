"""Periodic jobs: one table of them, one way to run them single-flight.

Beat runs them through the ``liaison.run_job`` task (see ``CELERY_BEAT_SCHEDULE``);
``manage.py run_jobs`` runs them in-process (the embedded demo has no worker). Add a job
by adding a line to ``JOBS``: name → dotted path of a callable taking no argument.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

JOBS: dict[str, str] = {
    "outbox": "liaison.outbox.drain",
    "outbox_prune": "liaison.outbox.prune",
    "escalation": "suggestions.escalation.escalation_sweep",
    "rollups": "reports.services.rollups_refresh",
    "rollups_full": "reports.services.rollups_refresh_full",
    "tombstones_prune": "liaison.services.tombstones_prune",
}


def frequent_jobs() -> list[str]:
    """The jobs beat runs every few seconds or minutes (``run_jobs all``), leaving out those
    it runs at a time of day (a crontab in ``CELERY_BEAT_SCHEDULE``: the nightly ones)."""
    timed = {
        entry["args"][0]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "liaison.run_job" and not isinstance(entry["schedule"], int | float)
    }
    return [name for name in JOBS if name not in timed]


@contextmanager
def single_flight(name: str) -> Iterator[bool]:
    """Yield True if this process holds the lock named ``name``, False if another does.

    PostgreSQL: a session-level ``pg_try_advisory_lock(hashtext(name))`` on a connection
    of its own, so the job's own transactions (and Django closing or reusing the default
    connection) cannot release it early; released in ``finally`` and, if the process dies,
    when its connection closes. SQLite (the single-process demo): always True."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        yield True
        return
    conn = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    finally:
        conn.close()


def run_job(name: str) -> tuple[bool, Any]:
    """Run job ``name`` unless it is already running somewhere: ``(ran, result)``."""
    func = import_string(JOBS[name])
    with single_flight(f"liaison.job:{name}") as acquired:
        if not acquired:
            logger.info("job %s is already running elsewhere; skipped", name)
            return False, None
        return True, func()
