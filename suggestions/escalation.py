"""Escalation of overdue tickets (逾期升级督办): the periodic sweep.

A ticket whose deadline has passed while it still waits for a reply (accepted or assigned)
goes up one supervision level: 0 → 1 county standing committee (县级人大常委会督办) →
2 city standing committee (市级人大常委会督办). Escalating records an ``escalate`` event on
the ticket's timeline, sets the new level and a new deadline, and notifies the handling
unit's staff and the new level's staff: one digest per person and batch (a daily sweep is
one batch), written in the batch's own transaction, not one message per ticket.

**Set-based.** On PostgreSQL one batch is ONE statement: a CTE locks a batch of due
tickets (``FOR UPDATE SKIP LOCKED``), inserts their events and updates the tickets,
returning what the notifications need. A sweep of a million tickets is twenty statements
of 50,000 rows (``ESCALATION_BATCH_SIZE``), not a million round trips.

**Idempotent and concurrency-safe**, by three locks that each suffice alone:
- the sweep is single-flight (``pg_try_advisory_lock``): a second sweep returns at once;
- rows are taken ``FOR UPDATE SKIP LOCKED`` and the UPDATE re-checks the deadline, so two
  sweeps that do overlap work on disjoint tickets, and a ticket escalated by one is no
  longer due for the other;
- the event table has a unique index on (ticket, missed deadline) for escalations: an
  escalation that somehow ran twice for the same deadline inserts nothing and changes
  nothing (``ON CONFLICT DO NOTHING`` feeds the UPDATE).
Each batch commits on its own: a worker killed mid-sweep loses only its open batch, which
rolls back whole and is redone by the next sweep.

SQLite (the embedded demo) runs the same rule through the ORM in a few statements per batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

import pgtrigger
from django.conf import settings
from django.db import connection, transaction
from django.db import connections as db_connections
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from liaison.jobs import single_flight
from liaison.texts import Text, label, text
from stations.models import Region, RegionLevel
from suggestions.calendar import add_working_days
from suggestions.models import ESCALATION_LEVELS, MAX_ESCALATION_LEVEL, Ticket, TimelineEvent

log = logging.getLogger(__name__)

# working days a ticket gets at each new level
ESCALATION_WORKING_DAYS = {1: 10, 2: 10}
LOCK_NAME = "suggestions.escalation_sweep"
AUDIT_TRIGGER = "suggestions.Ticket:update_update"  # django-pghistory's UpdateEvent trigger


@dataclass
class SweepResult:
    escalated: int = 0
    batches: int = 0
    notified: int = 0  # digests written (one per person and batch)
    skipped: bool = False  # another sweep held the lock
    by_level: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Escalated:
    """One escalated ticket, as the notifications need it."""

    ticket_id: str
    level: int
    handling_unit_id: str | None
    area_path: str


def _plan(today: dt.date) -> dict[int, dt.date]:
    """The new deadline for each level, counted from today on the official calendar."""
    return {level: add_working_days(today, days) for level, days in ESCALATION_WORKING_DAYS.items()}


def _comment(level: int) -> str:
    return gettext("逾期未答复，升级为{value}").format(value=ESCALATION_LEVELS[level])


_SWEEP_SQL = """
WITH due AS (
    SELECT id, status, due_on, escalation_level
    FROM suggestions_ticket
    WHERE status = ANY(%(running)s) AND due_on < %(today)s AND escalation_level < %(max_level)s
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), events AS (
    INSERT INTO suggestions_timelineevent
        (ticket_id, action, from_status, to_status, actor_id, at, comment, data, missed_deadline)
    SELECT id, 'escalate', status, status, NULL, %(now)s,
           CASE escalation_level WHEN 0 THEN %(comment1)s ELSE %(comment2)s END,
           jsonb_build_object(
               'level', escalation_level + 1,
               'due_on', CASE escalation_level WHEN 0 THEN %(due1)s ELSE %(due2)s END),
           due_on
    FROM due
    ON CONFLICT (ticket_id, missed_deadline) WHERE action = 'escalate' DO NOTHING
    RETURNING ticket_id
)
UPDATE suggestions_ticket t
SET escalation_level = t.escalation_level + 1,
    due_on = CASE t.escalation_level WHEN 0 THEN %(due1)s::date ELSE %(due2)s::date END,
    version = t.version + 1,
    updated_at = %(now)s
FROM stations_station s, stations_region r
WHERE t.id = ANY(ARRAY(SELECT ticket_id FROM events))
  AND s.id = t.station_id AND r.id = s.region_id AND t.due_on < %(today)s
RETURNING t.id, t.escalation_level, t.handling_unit_id, r.path
"""


def _batch_postgresql(today: dt.date, plan: dict[int, dt.date], limit: int) -> list[Escalated]:
    params = {
        "running": list(Ticket.RUNNING_STATUSES),
        "today": today,
        "max_level": MAX_ESCALATION_LEVEL,
        "limit": limit,
        "now": timezone.now(),
        "comment1": _comment(1),
        "comment2": _comment(2),
        "due1": plan[1].isoformat(),
        "due2": plan[2].isoformat(),
    }
    sql, args = _positional(_SWEEP_SQL, params)
    # The ticket's audit trigger is skipped for this statement: the change it would record
    # (level, old and new deadline, when, by the system) is the escalate event written in
    # the same statement to the append-only timeline; recording it twice costs more than
    # the escalation itself at a million tickets.
    with pgtrigger.ignore(AUDIT_TRIGGER), connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [
            Escalated(str(tid), level, unit and str(unit), path)
            for tid, level, unit, path in cursor.fetchall()
        ]


def _positional(sql: str, params: dict) -> tuple[str, list]:
    """Named placeholders to positional ones (pgtrigger.ignore prefixes positional SQL)."""
    args: list = []

    def take(match: re.Match) -> str:
        args.append(params[match[1]])
        return "%s"

    return re.sub(r"%\((\w+)\)s", take, sql), args


def _batch_portable(today: dt.date, plan: dict[int, dt.date], limit: int) -> list[Escalated]:
    """The same rule for the embedded SQLite demo (one writer at a time: no row locks needed)."""
    now = timezone.now()
    due = list(
        Ticket.objects.overdue(on=today)
        .filter(escalation_level__lt=MAX_ESCALATION_LEVEL)
        .values("id", "status", "due_on", "escalation_level", "handling_unit_id", "station__region__path")[
            :limit
        ]
    )
    done = set(
        TimelineEvent.objects.filter(
            action="escalate",
            ticket_id__in=[d["id"] for d in due],
            missed_deadline__in={d["due_on"] for d in due},
        ).values_list("ticket_id", "missed_deadline")
    )
    due = [d for d in due if (d["id"], d["due_on"]) not in done]
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            ticket_id=d["id"],
            action="escalate",
            from_status=d["status"],
            to_status=d["status"],
            at=now,
            comment=_comment(d["escalation_level"] + 1),
            data={"level": d["escalation_level"] + 1, "due_on": plan[d["escalation_level"] + 1].isoformat()},
            missed_deadline=d["due_on"],
        )
        for d in due
    )
    for level in plan:
        ids = [d["id"] for d in due if d["escalation_level"] + 1 == level]
        Ticket.objects.filter(pk__in=ids).update(
            escalation_level=level, due_on=plan[level], version=F("version") + 1, updated_at=now
        )
    return [
        Escalated(
            str(d["id"]),
            d["escalation_level"] + 1,
            d["handling_unit_id"] and str(d["handling_unit_id"]),
            d["station__region__path"],
        )
        for d in due
    ]


def escalate_batch(
    *, today: dt.date, plan: dict[int, dt.date], limit: int, notify: bool = True
) -> tuple[list[Escalated], int]:
    """Escalate up to ``limit`` due tickets and notify who must know, in ONE transaction
    (a crash loses neither an escalation's notice nor sends a notice of none). Returns the
    escalated tickets and the number of people notified."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            escalated = _batch_postgresql(today, plan, limit)
        else:
            escalated = _batch_portable(today, plan, limit)
        notified = notify_escalations(escalated) if notify and escalated else 0
    return escalated, notified


def escalation_sweep(
    *,
    today: dt.date | None = None,
    batch_size: int | None = None,
    notify: bool = True,
    lock: bool = True,
    connections_: int | None = None,
) -> SweepResult:
    """Escalate every ticket overdue without a reply, one level, in batches; then notify
    and recount the overdue figures.

    On PostgreSQL the batches are drained over ``ESCALATION_CONNECTIONS`` database
    connections at once (the calling thread plus helper threads): the row locks that keep
    two sweeps apart let one sweep use every core. ``lock=False`` skips the single-flight
    lock (tests use it to prove the row locks alone keep two sweeps apart)."""
    today = today or timezone.localdate()
    batch_size = batch_size or settings.ESCALATION_BATCH_SIZE
    parallel = connections_ or settings.ESCALATION_CONNECTIONS
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        parallel = 1  # SQLite has one writer; inside a transaction others would not see our rows
    result = SweepResult()
    with single_flight(LOCK_NAME) if lock else contextlib.nullcontext(True) as got:
        if not got:
            result.skipped = True
            return result
        plan = _plan(today)
        counted = threading.Lock()

        def drain() -> None:
            while True:
                batch, notified = escalate_batch(today=today, plan=plan, limit=batch_size, notify=notify)
                if not batch:
                    return
                with counted:
                    result.batches += 1
                    result.escalated += len(batch)
                    result.by_level.update(e.level for e in batch)
                    result.notified += notified

        _run_in_parallel(drain, parallel)
    from reports.services import overdue_refresh  # the dashboards' "overdue now" figure

    overdue_refresh(today=today)
    log.info("escalation sweep: %s tickets escalated in %s batches", result.escalated, result.batches)
    return result


def _run_in_parallel(work, n: int) -> None:
    """Run ``work`` in this thread and in ``n - 1`` helper threads (each with its own
    database connection, closed when it ends); re-raise the first error."""
    errors: list[BaseException] = []

    def helper() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            errors.append(exc)
        finally:
            db_connections.close_all()

    threads = [threading.Thread(target=helper, name=f"escalation-{i}") for i in range(1, n)]
    for t in threads:
        t.start()
    try:
        work()
    finally:
        for t in threads:
            t.join()
    if errors:
        raise errors[0]


# --- who hears of it ---------------------------------------------------------------------


def _prefix(path: str, level: RegionLevel) -> str:
    return path[: Region.steplen * level]


def escalation_digests(escalated: list[Escalated]) -> dict[int, tuple[Text, Text, str]]:
    """One message per person: {user_id: (title, body, url)}. The handling unit's staff hear
    of their unit's tickets; county staff of tickets raised to county supervision in their
    county; city staff of those raised to the city. Three queries."""
    from accounts.models import Role, RoleAssignment

    per_unit = Counter(e.handling_unit_id for e in escalated if e.handling_unit_id)
    per_area = Counter(
        (_prefix(e.area_path, RegionLevel.COUNTY if e.level == 1 else RegionLevel.CITY), e.level)
        for e in escalated
    )
    counts: Counter = Counter()
    for user_id, unit_id in RoleAssignment.objects.filter(
        is_active=True, role=Role.HANDLING_UNIT, handling_unit_id__in=list(per_unit)
    ).values_list("user_id", "handling_unit_id"):
        counts[(user_id, "unit")] += per_unit[str(unit_id)]
    for role, level in ((Role.COUNTY_STAFF, 1), (Role.CITY_STAFF, 2)):
        paths = [p for (p, lv) in per_area if lv == level]
        if not paths:
            continue
        for user_id, path in RoleAssignment.objects.filter(
            is_active=True, role=role, region__path__in=paths
        ).values_list("user_id", "region__path"):
            counts[(user_id, level)] += per_area[(path, level)]
    digests: dict[int, tuple[Text, Text, str]] = {}
    unit_url, supervision_url = reverse("suggestions:unit_queue"), reverse("suggestions:supervision_queue")
    for (user_id, what), n in counts.items():
        if what == "unit":
            title = text(gettext_noop("本单位有 {n} 件意见建议逾期未答复，已升级督办"), n=n)
            body = text(gettext_noop("请尽快办理并答复群众。升级后的办理期限见各件办理记录。"))
            url = unit_url
        else:
            title = text(
                gettext_noop("{n} 件意见建议逾期未答复，已升级为{value}"),
                n=n,
                value=label(ESCALATION_LEVELS[what]),
            )
            body = text(gettext_noop("请督促承办单位限期办理。"))
            url = supervision_url
        if user_id in digests:  # a person with several roles gets one message
            t, b, u = digests[user_id]
            title, body, url = text(gettext_noop("{first}；{second}"), first=t, second=title), b, u
        digests[user_id] = (title, body, url)
    return digests


def notify_escalations(escalated: list[Escalated]) -> int:
    from notifications.services import Message, notify_many

    digests = escalation_digests(escalated)
    notify_many(
        Message(user_id=user_id, kind="escalation", title=title, body=body, url=url)
        for user_id, (title, body, url) in digests.items()
    )
    return len(digests)
