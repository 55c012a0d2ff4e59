"""The escalation sweep run by real workers (subprocesses) on PostgreSQL and Redis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from liaison.tasks import run_job
from suggestions.models import Ticket, TimelineEvent
from tests.factories import StationFactory, TicketFactory
from tests.liaison.conftest import wait_until
from tests.liaison.outbox_handlers import escalation_sweep_without_lock

pytestmark = pytest.mark.slow


def overdue(n: int) -> list[str]:
    station = StationFactory()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return [
        str(TicketFactory(station=station, status=Ticket.Status.ASSIGNED, due_on=yesterday).pk)
        for _ in range(n)
    ]


def escalations() -> int:
    return TimelineEvent.objects.filter(action="escalate").count()


def assert_each_escalated_once(ids: list[str], *, all_of_them: bool) -> int:
    """Every escalated ticket has exactly one event and level 1, and no event lacks its ticket's update."""
    levels = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "escalation_level"))
    per_ticket = TimelineEvent.objects.filter(action="escalate").values_list("ticket_id", flat=True)
    assert len(per_ticket) == len(set(per_ticket)), "a ticket was escalated twice"
    assert {str(t) for t in per_ticket} == {str(pk) for pk, level in levels.items() if level == 1}
    assert set(levels.values()) <= {0, 1}
    if all_of_them:
        assert set(levels.values()) == {1}
    return len(per_ticket)


def test_two_workers_sweeping_at_the_same_moment_escalate_each_ticket_once(worker_factory):
    ids = overdue(300)
    workers = [worker_factory(), worker_factory()]
    # the job as beat sends it, twice: single-flight lets one run, the other skips
    jobs = [run_job.delay("escalation").id, run_job.delay("escalation").id]
    # and the sweep without its lock, twice, in small batches: the row locks alone keep them apart
    a, b = escalation_sweep_without_lock.delay(20), escalation_sweep_without_lock.delay(20)
    assert a.get(timeout=60) + b.get(timeout=60) <= 300

    def jobs_done() -> bool:
        logs = "".join(w.log.read_text() for w in workers)
        return all(f"[{job}] succeeded" in logs for job in jobs)

    wait_until(jobs_done, timeout=60, what="both run_job sweeps")
    assert_each_escalated_once(ids, all_of_them=True)
    assert escalations() == 300


SLOW_TRIGGER = """
CREATE OR REPLACE FUNCTION test_slow_escalation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$;
CREATE TRIGGER test_slow_escalation AFTER INSERT ON suggestions_timelineevent
    FOR EACH STATEMENT EXECUTE FUNCTION test_slow_escalation();
"""


def test_a_worker_killed_mid_sweep_leaves_no_double_and_no_missing_escalation(worker_factory):
    ids = overdue(200)
    with connection.cursor() as cursor:  # each batch of 20 takes at least 0.3 s
        cursor.execute(SLOW_TRIGGER)
    try:
        worker = worker_factory(ESCALATION_BATCH_SIZE="20")
        run_job.delay("escalation")
        wait_until(lambda: escalations() >= 40, timeout=60, what="two batches committed")
        worker.kill()
        done = assert_each_escalated_once(ids, all_of_them=False)
        assert 40 <= done < 200, "the kill came too late to test anything"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION test_slow_escalation() CASCADE")

    worker_factory(ESCALATION_BATCH_SIZE="20")
    # the lock of the killed worker's session is gone once PostgreSQL notices; beat would retry
    for _ in range(30):  # as beat does: send the job again until the work is done
        run_job.delay("escalation")
        try:
            wait_until(lambda: escalations() == 200, timeout=2, what="the next sweep")
            break
        except AssertionError:
            continue
    assert assert_each_escalated_once(ids, all_of_them=True) == 200
