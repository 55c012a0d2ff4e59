"""Periodic jobs: one table of them, one way to run them single-flight, a record of each
run in the database, and a catch-up for runs that were missed.

Beat runs them through the ``liaison.run_job`` task (see ``CELERY_BEAT_SCHEDULE``);
``manage.py run_jobs`` runs them in-process (the embedded demo has no worker). Add a job
by adding a line to ``JOBS``: name → dotted path of a callable taking no argument.

Each run is recorded in ``liaison.JobRun`` (started, completed, failed). A tick beat could
not deliver (the broker was down) is simply dropped by beat, and a run cut short by a
killed worker never completes: ``catch_up()`` (the ``liaison.catch_up_jobs`` task, sent
when a worker starts and by beat every half minute) runs every scheduled job whose last
completion is further back than its schedule allows (``overdue_jobs``).
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from liaison.models import JobRun

logger = logging.getLogger(__name__)

JOBS: dict[str, str] = {
    "outbox": "liaison.outbox.drain",
    "outbox_prune": "liaison.outbox.prune",
    "escalation": "suggestions.escalation.escalation_sweep",
    "rollups": "reports.services.rollups_refresh",
    "rollups_full": "reports.services.rollups_refresh_full",
    "tombstones_prune": "liaison.services.tombstones_prune",
    "reminders": "notifications.reminders.reminders_send",
    "snapshots": "reports.services.report_snapshots_monthly",  # h18: monthly report snapshots
}

# How late beat's own tick may be before the catch-up runs the job instead.
OVERDUE_GRACE = timedelta(seconds=30)


def _run_job_entries() -> Iterator[tuple[str, Any]]:
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"] == "liaison.run_job":
            yield entry["args"][0], entry["schedule"]


def frequent_jobs() -> list[str]:
    """The jobs beat runs every few seconds or minutes (``run_jobs all``), leaving out those
    it runs at a time of day (a crontab in ``CELERY_BEAT_SCHEDULE``: the nightly ones)."""
    timed = {name for name, schedule in _run_job_entries() if not isinstance(schedule, int | float)}
    return [name for name in JOBS if name not in timed]


def schedules() -> dict[str, Any]:
    """Each scheduled job's Celery schedule (an interval or a crontab), by job name."""
    from celery.schedules import maybe_schedule

    from liaison.celery import app

    return {name: maybe_schedule(schedule, app=app) for name, schedule in _run_job_entries()}


def is_overdue(run: JobRun, schedule: Any) -> bool:
    """Has the schedule been due for longer than the grace since the job last completed
    (or, never completed, since it was first seen)?"""
    reference: datetime = run.last_completed_at or run.created_at
    return schedule.remaining_estimate(reference) <= -OVERDUE_GRACE


def job_runs(names: Iterable[str]) -> dict[str, JobRun]:
    """The run records of ``names``, created (as first seen now) where missing."""
    names = list(names)
    runs = {run.name: run for run in JobRun.objects.filter(name__in=names)}
    missing = [JobRun(name=name) for name in names if name not in runs]
    if missing:
        JobRun.objects.bulk_create(missing, ignore_conflicts=True)
        runs = {run.name: run for run in JobRun.objects.filter(name__in=names)}
    return runs


def overdue_jobs(names: Iterable[str] | None = None) -> list[str]:
    """The scheduled jobs (of ``names``, default all) that are overdue now."""
    plan = schedules()
    names = [name for name in (plan if names is None else names) if name in plan]
    runs = job_runs(names)
    return [name for name in names if is_overdue(runs[name], plan[name])]


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


def _record(name: str, **fields: Any) -> None:
    JobRun.objects.update_or_create(name=name, defaults=fields)


def run_job(name: str, *, only_if_overdue: bool = False) -> tuple[bool, Any]:
    """Run job ``name`` unless it is already running somewhere: ``(ran, result)``.
    ``only_if_overdue``: and unless, checked under the lock, it is not overdue (another
    catch-up just ran it)."""
    func = import_string(JOBS[name])
    with single_flight(f"liaison.job:{name}") as acquired:
        if not acquired:
            logger.info("job %s is already running elsewhere; skipped", name)
            return False, None
        if only_if_overdue and not overdue_jobs([name]):
            return False, None
        _record(name, last_started_at=timezone.now())
        started = time.monotonic()
        try:
            result = func()
        except Exception as exc:
            with contextlib.suppress(DatabaseError):  # the job's own error matters more
                _record(
                    name,
                    last_failed_at=timezone.now(),
                    last_error="".join(traceback.format_exception(exc))[-4000:],
                )
            raise
        _record(name, last_completed_at=timezone.now(), last_duration=time.monotonic() - started)
        return True, result


def catch_up() -> list[str]:
    """Run every scheduled job that is overdue, each single-flight and re-checked under its
    lock, so concurrent catch-ups (two workers starting at once) run it once. A failing
    job is logged and the others still run. Returns the jobs that ran."""
    ran = []
    for name in overdue_jobs():
        logger.warning("job %s is overdue (a missed tick or a run cut short): running it now", name)
        try:
            done, _ = run_job(name, only_if_overdue=True)
        except Exception:
            logger.exception("job %s failed in the catch-up", name)
            continue
        if done:
            ran.append(name)
    return ran
