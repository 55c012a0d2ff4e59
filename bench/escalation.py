"""Benchmark: the escalation sweep against a per-ticket ORM loop, in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_escalation \\
        .venv/bin/python bench/escalation.py [--tickets 1000000] [--naive 5000]

Builds a fresh database (migrate + seed_demo scale 1 for stations, units and staff), adds
``--tickets`` overdue tickets in one INSERT … SELECT (not timed), then:

1. the naive baseline: for each of ``--naive`` tickets, ``save()`` the ticket, create its
   event and one notification per recipient (what a first version would write);
2. the sweep (``suggestions.escalation.escalation_sweep``) over all the others, with its
   events, digests and the overdue recount;
3. the sweep again: it must escalate none.

Before 1, the floor: a bare ``UPDATE`` of the columns the sweep changes (level, deadline,
version, updated_at; the sync trigger stamps sync_txid) on up to 50,000 of the tickets,
rolled back and extrapolated: what any set-based sweep pays for the row versions and the
ticket table's indexes alone (see docs/scale.md).

Prints tickets/s for both and the ratio. The audit triggers (django-pghistory) stay on
for both, as in production. Goal (issue 6): a million tickets in under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._result import emit  # noqa: E402


def setup(url: str) -> None:
    import psycopg

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from liaison.demo.seed import seed_demo

    seed_demo(scale=1, progress=False)


INSERT = """
INSERT INTO suggestions_ticket (
    id, created_at, updated_at, version, citizen_name, citizen_phone, citizen_address,
    citizen_id_number, consent_to_share, content, on_the_spot_action, received_at, status,
    tier, due_on, category_id, handling_unit_id, station_id, escalation_level, reopen_count,
    satisfaction, no_evaluation, channel, is_spam)
SELECT gen_random_uuid(), now(), now(), 1, '群众' || i, '', '', '', true, '压测用逾期件 ' || i, '',
       %s, 'assigned', 'county_dept', %s::date - (i %% 20), c.id,
       u.ids[1 + (i %% array_length(u.ids, 1))], s.ids[1 + (i %% array_length(s.ids, 1))], 0, 0, '', '',
       'station', false
FROM generate_series(1, %s) AS i,
     (SELECT min(id) AS id FROM suggestions_category) c,
     (SELECT array_agg(id ORDER BY id) AS ids FROM suggestions_handlingunit) u,
     (SELECT array_agg(id ORDER BY id) AS ids FROM stations_station) s
"""


def naive_escalate(tickets: list, today: dt.date) -> None:
    """The obvious first version: a Python loop, one save and a few INSERTs per ticket."""
    from accounts.models import Role, RoleAssignment
    from notifications.models import Notification
    from suggestions.calendar import add_working_days
    from suggestions.escalation import ESCALATION_WORKING_DAYS, _comment
    from suggestions.models import TimelineEvent

    for ticket in tickets:
        level = ticket.escalation_level + 1
        missed = ticket.due_on
        ticket.escalation_level = level
        ticket.due_on = add_working_days(today, ESCALATION_WORKING_DAYS[level])
        ticket.save()
        TimelineEvent.objects.create(
            ticket=ticket,
            action="escalate",
            from_status=ticket.status,
            to_status=ticket.status,
            comment=_comment(level),
            data={"level": level, "due_on": ticket.due_on.isoformat()},
            missed_deadline=missed,
        )
        for ra in RoleAssignment.objects.filter(
            is_active=True, role=Role.HANDLING_UNIT, handling_unit_id=ticket.handling_unit_id
        ):
            Notification.objects.create(
                recipient_id=ra.user_id, kind="escalation", title="意见建议逾期未答复，已升级督办", url=""
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=5_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_escalation")
    print(f"setting up {url} …", flush=True)
    setup(url)

    import pgtrigger
    from django.db import connection, transaction
    from django.utils import timezone

    from liaison.demo.seed import audit_paused
    from suggestions.escalation import AUDIT_TRIGGER, escalation_sweep
    from suggestions.models import Ticket, TimelineEvent

    today = timezone.localdate()
    started = time.monotonic()
    with audit_paused(True), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [timezone.now() - dt.timedelta(days=90), today - dt.timedelta(days=1), args.tickets],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE suggestions_ticket")
    overdue = Ticket.objects.overdue(on=today).count()
    print(
        f"{overdue:,} overdue tickets ready ({time.monotonic() - started:.1f} s to build, not timed)",
        flush=True,
    )

    # the floor: a bare UPDATE of the columns the sweep changes, on a sample, rolled back
    # (the triggers fire as in the sweep, the audit one skipped as there; no events, no notices)
    floor_n = min(50_000, overdue)
    with pgtrigger.ignore(AUDIT_TRIGGER), transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute(
            "UPDATE suggestions_ticket SET escalation_level = escalation_level + 1, "
            "due_on = due_on + 30, version = version + 1, updated_at = now() "
            "WHERE id IN (SELECT id FROM suggestions_ticket WHERE due_on < %s LIMIT %s)",
            [today, floor_n],
        )
        floor_s = (time.monotonic() - started) / floor_n * overdue
        transaction.set_rollback(True)
    print(
        f"bare UPDATE floor: {floor_n:,} rows timed, {floor_s:.1f} s for {overdue:,} (extrapolated)",
        flush=True,
    )

    sample = list(Ticket.objects.overdue(on=today).order_by("pk")[: args.naive])
    started = time.monotonic()
    with transaction.atomic():
        naive_escalate(sample, today)
    naive_s = time.monotonic() - started
    naive_rate = len(sample) / naive_s
    print(
        f"naive ORM loop: {len(sample):,} tickets in {naive_s:.1f} s = {naive_rate:,.0f} tickets/s",
        flush=True,
    )

    started = time.monotonic()
    result = escalation_sweep(today=today)
    sweep_s = time.monotonic() - started
    rate = result.escalated / sweep_s
    print(
        f"sweep: {result.escalated:,} tickets in {result.batches} batches, {sweep_s:.1f} s = {rate:,.0f} tickets/s; "
        f"{result.notified:,} people notified",
        flush=True,
    )
    started = time.monotonic()
    again = escalation_sweep(today=today)
    print(f"second sweep: {again.escalated} escalated in {time.monotonic() - started:.2f} s", flush=True)
    events = TimelineEvent.objects.filter(action="escalate").count()
    print(f"escalation events: {events:,} (tickets escalated: {result.escalated + len(sample):,})")
    print()
    print("| | tickets | seconds | tickets/s |")
    print("|---|---:|---:|---:|")
    print(f"| naive ORM loop | {len(sample):,} | {naive_s:.1f} | {naive_rate:,.0f} |")
    print(f"| set-based sweep | {result.escalated:,} | {sweep_s:.1f} | {rate:,.0f} |")
    print(f"| ratio | | | {rate / naive_rate:,.0f}x |")
    print(f"| second sweep | {again.escalated} | | |")
    print(
        f"| bare UPDATE of the same columns (floor) | {overdue:,} | {floor_s:.1f} | {overdue / floor_s:,.0f} |"
    )
    assert again.escalated == 0 and events == result.escalated + len(sample)
    emit(
        "escalation",
        f"escalation sweep, {result.escalated:,} overdue tickets",
        scale=f"{overdue:,} overdue",
        value=sweep_s,
        unit="s",
        baseline=len(sample) / naive_rate * result.escalated / len(sample),
        baseline_label=f"per-ticket ORM loop ({len(sample):,} timed, extrapolated)",
        ratio=rate / naive_rate,
        goal="≥ 50×, < 60 s",
        met=rate / naive_rate >= 50 and sweep_s < 60,
    )
    emit(
        "escalation",
        "escalation sweep ÷ a bare UPDATE of the same columns (the floor)",
        scale=f"{overdue:,} overdue",
        value=sweep_s,
        unit="s",
        baseline=floor_s,
        baseline_label=f"UPDATE alone, {floor_n:,} rows timed and rolled back, extrapolated",
        ratio=floor_s / sweep_s,
    )


if __name__ == "__main__":
    main()
