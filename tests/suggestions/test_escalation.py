"""The escalation sweep: one level per missed deadline, exactly once, set-based."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from liaison.jobs import single_flight
from suggestions.calendar import add_working_days
from suggestions.escalation import ESCALATION_WORKING_DAYS, LOCK_NAME, escalation_sweep
from suggestions.models import Ticket, TimelineEvent
from tests.factories import StationFactory, TicketFactory

S = Ticket.Status
TODAY = dt.date(2024, 6, 12)


def overdue_tickets(n: int, *, station=None, level: int = 0, due_on=dt.date(2024, 6, 1)) -> list[Ticket]:
    station = station or StationFactory()
    return [
        TicketFactory(station=station, status=S.ASSIGNED, due_on=due_on, escalation_level=level)
        for _ in range(n)
    ]


def events(ticket) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(ticket=ticket, action="escalate").order_by("at", "pk"))


@pytest.mark.django_db
def test_an_overdue_ticket_goes_up_one_level_once():
    station = StationFactory()
    (late,) = overdue_tickets(1, station=station)
    not_yet = TicketFactory(station=station, status=S.ASSIGNED, due_on=TODAY)  # due today: not late
    replied = TicketFactory(station=station, status=S.REPLIED, due_on=dt.date(2024, 5, 1))
    closed = TicketFactory(
        station=station,
        status=S.CLOSED,
        closed_at=dt.datetime(2024, 5, 2, tzinfo=dt.UTC),
        due_on=dt.date(2024, 5, 1),
    )
    version = late.version

    result = escalation_sweep(today=TODAY, notify=False)

    assert (result.escalated, result.by_level[1]) == (1, 1)
    late.refresh_from_db()
    assert late.escalation_level == 1
    assert late.due_on == add_working_days(TODAY, ESCALATION_WORKING_DAYS[1])
    assert late.version == version + 1
    (event,) = events(late)
    assert (event.missed_deadline, event.data["level"], event.from_status) == (
        dt.date(2024, 6, 1),
        1,
        S.ASSIGNED,
    )
    assert "县级人大常委会督办" in event.comment
    for other in (not_yet, replied, closed):
        other.refresh_from_db()
        assert other.escalation_level == 0 and not events(other)

    # the same day again: nothing to do
    assert escalation_sweep(today=TODAY, notify=False).escalated == 0
    assert len(events(late)) == 1

    # the new deadline passes too: up to the city, then no further
    later = late.due_on + dt.timedelta(days=1)
    assert escalation_sweep(today=later, notify=False).by_level == {2: 1, 1: 1}  # not_yet is late by now
    late.refresh_from_db()
    assert late.escalation_level == 2 and len(events(late)) == 2
    escalation_sweep(today=late.due_on + dt.timedelta(days=30), notify=False)
    late.refresh_from_db()
    assert late.escalation_level == 2 and len(events(late)) == 2  # the city is the top


@pytest.mark.django_db
def test_the_event_table_refuses_a_second_escalation_for_the_same_deadline():
    (ticket,) = overdue_tickets(1)
    escalation_sweep(today=TODAY, notify=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimelineEvent.objects.create(
            ticket=ticket,
            action="escalate",
            from_status=S.ASSIGNED,
            to_status=S.ASSIGNED,
            missed_deadline=dt.date(2024, 6, 1),
        )


@pytest.mark.django_db
def test_a_sweep_is_a_fixed_number_of_statements(django_assert_num_queries):
    overdue_tickets(3)
    with django_assert_num_queries(
        16
    ) as small:  # calendar, 2 batches (+ audit-skip flag), overdue recount (+ its refresh lock), savepoints
        escalation_sweep(today=TODAY, notify=False, batch_size=1000)
    overdue_tickets(40, due_on=dt.date(2024, 6, 3))
    with django_assert_num_queries(len(small.captured_queries)):
        result = escalation_sweep(today=TODAY, notify=False, batch_size=1000)
    assert result.escalated == 40


@pytest.mark.django_db
def test_a_second_sweep_waits_for_none_while_one_holds_the_lock():
    overdue_tickets(2)
    with single_flight(LOCK_NAME) as got:
        assert got
        # another connection cannot take the lock: its sweep is skipped
        result = {}

        def other():
            try:
                result["r"] = escalation_sweep(today=TODAY, notify=False)
            finally:
                connection.close()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert result["r"].skipped and result["r"].escalated == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_escalate_each_ticket_once():
    """Without the single-flight lock, on purpose: the row locks alone keep them apart."""
    tickets = overdue_tickets(120)
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        try:
            barrier.wait()
            results.append(escalation_sweep(today=TODAY, notify=False, lock=False, batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.escalated for r in results) == 120
    assert TimelineEvent.objects.filter(action="escalate").count() == 120
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("escalation_level", flat=True)
    ) == {1}
