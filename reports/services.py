"""Writes of the reports app: refreshing the rollups and fixing snapshots.

The rollups are computed by SQL aggregation: ``INSERT … SELECT … GROUP BY`` station and
month, straight from the source tables into the rollup tables (no row passes through
Python), with the counting rules of ``work_figures`` as QuerySet methods
(``Attendance.objects.station_entries()``, ``Ticket.objects.counted()``). A refresh
deletes and re-inserts the rows of a set of (station, month) groups in one transaction,
so a reader sees either the old or the new figures of a group, never half of each.

- ``rollups_refresh()`` consumes the change log ``RollupDirty`` (appended to by PostgreSQL
  triggers on tickets, sessions and attendances), up to ``CLAIM_BATCH`` entries per
  transaction taken with ``FOR UPDATE SKIP LOCKED``, and recomputes each group they name
  once;
- ``rollups_refresh(full=True)`` recomputes everything (the nightly job, ``seed_demo``,
  and SQLite, which has no triggers), ``FULL_BATCH_STATIONS`` stations per transaction;
- ``overdue_refresh()`` recounts the tickets overdue now (after each escalation sweep).

No user write waits for a refresh: writers only append to the change log (no unique
index to wait on), the rollups reference their sources without foreign-key constraints
(no ``FOR KEY SHARE`` on station rows), and every refresh transaction is short. Refresh
transactions wait for each other (``_refresh_lock``), never for a writer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, router, transaction
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from liaison.jobs import single_flight
from reports.models import (
    OverdueNow,
    ReportSnapshot,
    RollupDirty,
    StationActivity,
    StationTickets,
)
from reports.periods import Period, Scope, add_months
from stations.models import Station
from suggestions.calendar import add_working_days
from suggestions.models import Ticket
from visits.models import Attendance, ReceptionSession

TZ = ZoneInfo(settings.TIME_ZONE)
CLAIM_BATCH = 2000  # change-log entries taken per incremental transaction
FULL_BATCH_STATIONS = 100  # stations recomputed per transaction of a full refresh
INSERT_BATCH = 5000
DUE_SOON_WORKING_DAYS = 3

_COUNTED_ROLES = (Attendance.Role.DEPUTY, Attendance.Role.LEADING_CADRE)


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, output_field=DateField(), tzinfo=TZ)


# month -> station ids whose rows are recomputed; the month None: all their months
Groups = dict[dt.date | None, set]


@dataclass(frozen=True)
class RefreshResult:
    groups: int  # (station, month) groups recomputed; -1 for a full refresh
    rows: int  # rollup rows written


# --- the aggregation queries -----------------------------------------------------------


def _limit(qs: QuerySet, *, station: str, when: str | None, groups: Groups | None) -> QuerySet:
    """Only the rows of ``groups`` ({month: station ids}), months as indexable time ranges
    of the column ``when`` (``when=None``: the column holds the month itself)."""
    if groups is None:
        return qs
    q = Q(pk__in=[])
    for m, stations in groups.items():
        condition = {f"{station}__in": sorted(stations)}
        if m is not None and when is None:
            condition["month"] = m
        elif m is not None:
            condition[f"{when}__gte"] = dt.datetime.combine(m, dt.time.min, tzinfo=TZ)
            condition[f"{when}__lt"] = dt.datetime.combine(add_months(m, 1), dt.time.min, tzinfo=TZ)
        q |= Q(**condition)
    return qs.filter(q)


def _select(model, parts: list[tuple[QuerySet, dict[str, str | None]]], *, key: tuple[str, ...] = ()):
    """The rollup rows of ``model`` as one ``SELECT``: each part is an aggregate queryset
    and a map of column → its alias (``None``: 0). Several parts are stacked with UNION ALL
    and summed per ``key`` (the columns that are not measures), so each row is written
    once. Returns (column names, SQL, parameters)."""
    quote = connection.ops.quote_name
    columns = list(parts[0][1])
    selects, params = [], []
    for qs, mapping in parts:
        sql, part_params = qs.query.sql_with_params()
        values = ", ".join(
            ("0" if mapping[c] is None else f"agg.{quote(mapping[c])}") + f" AS {quote(c)}" for c in columns
        )
        selects.append(f"SELECT {values} FROM ({sql}) agg")  # noqa: S608 (our own SQL)
        params += part_params
    source = " UNION ALL ".join(selects)
    if key:
        summed = ", ".join(quote(c) if c in key else f"SUM({quote(c)}) AS {quote(c)}" for c in columns)
        source = f"SELECT {summed} FROM ({source}) parts GROUP BY {', '.join(quote(c) for c in key)}"  # noqa: S608
    return columns, source, params


def _insert(model, parts: list[tuple[QuerySet, dict[str, str | None]]], *, key: tuple[str, ...] = ()) -> int:
    """``INSERT INTO <model> SELECT … FROM (<aggregate query>)``: the grouped rows go from
    the aggregate queries straight into the rollup table, never through Python. Rows go in
    ordered by region path: a city's rows then sit together on disk and a city's report
    reads a few pages."""
    quote = connection.ops.quote_name
    columns, source, params = _select(model, parts, key=key)
    names = ", ".join(quote(c) for c in columns)
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {names} FROM ({source}) rollup ORDER BY {quote('area_path')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def rollup_floor() -> tuple[int, int]:
    """The SQL floor of a full refresh, for ``bench/reports.py``: the same aggregate
    ``SELECT … GROUP BY`` statements over every source row, their rows fetched and
    dropped (nothing written). Returns (statements, rows)."""
    found: list = []

    def collect(model, parts, *, key=()):
        found.append(_select(model, parts, key=key))
        return 0

    _activity_rows(write=collect)
    _ticket_rows(write=collect)
    rows = 0
    with connection.cursor() as cursor:
        for _columns, sql, params in found:
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return len(found), rows


AREA = {"station_id": "st", "area_path": "path", "month": "m"}


def _activity_rows(groups: Groups | None = None, write=_insert) -> int:
    """Sessions, entries and citizens per station and month, the deputies' and the cadres'
    as columns: one INSERT … SELECT … GROUP BY (two aggregates stacked, summed per row)."""
    attendances = _limit(
        Attendance.objects.station_entries().filter(role__in=_COUNTED_ROLES),
        station="session__station",
        when="session__starts_at",
        groups=groups,
    )
    sessions = _limit(ReceptionSession.objects.held(), station="station", when="starts_at", groups=groups)
    deputy, cadre = Attendance.Role.DEPUTY, Attendance.Role.LEADING_CADRE
    entries = (
        attendances.values(
            st=F("session__station"), path=F("session__station__region__path"), m=_month("session__starts_at")
        )
        .annotate(n=Count("pk"), d=Count("pk", filter=Q(role=deputy)), c=Count("pk", filter=Q(role=cadre)))
        .order_by()
    )
    zero = dict.fromkeys(("sessions", "citizens_received", "deputy_citizens", "cadre_citizens"))
    parts = [(entries, {**AREA, "entries": "n", "deputy_entries": "d", "cadre_entries": "c", **zero})]

    def present(role) -> Exists:
        return Exists(Attendance.objects.filter(session=OuterRef("pk"), role=role, present=True))

    held = (
        sessions.values(st=F("station"), path=F("station__region__path"), m=_month("starts_at"))
        .annotate(
            n=Count("pk"),
            c=Coalesce(Sum("citizens_received"), 0),
            dc=Coalesce(Sum("citizens_received", filter=present(deputy)), 0),
            cc=Coalesce(Sum("citizens_received", filter=present(cadre)), 0),
        )
        .order_by()
    )
    zero = dict.fromkeys(("entries", "deputy_entries", "cadre_entries"))
    columns = {
        **AREA,
        "sessions": "n",
        "citizens_received": "c",
        "deputy_citizens": "dc",
        "cadre_citizens": "cc",
    }
    parts.append((held, {**columns, **zero}))
    return write(StationActivity, parts, key=("station_id", "area_path", "month"))


def on_time_q() -> Q:
    """按期办结: closed by the deadline (a ticket without one is on time), on the local
    day it was closed (``closed_on`` of ``counted_tickets``). Combined with the rule for
    "closed" (``suggestions.selectors.closed_by``) by every reader."""
    return Q(due_on__isnull=True) | Q(closed_on__lte=F("due_on"))


def _ticket_measures() -> dict:
    closed = Q(closed_at__isnull=False)
    return {
        "collected": Count("pk"),
        "on_time": Count("pk", filter=closed & on_time_q()),
        "handled": Count("pk", filter=~Q(status__in=Ticket.UNHANDLED_STATUSES)),
        "replied": Count("pk", filter=Q(status__in=Ticket.REPLY_DELIVERED_STATUSES)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count(
            "pk", filter=Q(satisfaction__in=(Ticket.Satisfaction.SATISFIED, Ticket.Satisfaction.BASICALLY))
        ),
        "evaluation_refused": Count("pk", filter=Q(no_evaluation=Ticket.NoEvaluation.REFUSED)),
        "unreachable": Count("pk", filter=Q(no_evaluation=Ticket.NoEvaluation.UNREACHABLE)),
        "close_days_sum": Coalesce(Sum("working_days_to_close"), 0),
        "close_days_count": Count("working_days_to_close"),
        "deputy_collected": Count("pk", filter=Q(received_by_deputy__isnull=False)),
        "cadre_collected": Count("pk", filter=Q(received_by_cadre__isnull=False)),
    }


def counted_tickets() -> QuerySet:
    """The tickets the figures count, with the local day each was closed (``closed_on``):
    the source of the ticket rollups and of the figures read live (a deputy's, a unit's)."""
    return Ticket.objects.counted().annotate(closed_on=TruncDate("closed_at", tzinfo=TZ))


def _ticket_rows(groups: Groups | None = None, write=_insert) -> int:
    """Tickets (merged ones excluded, as in the figures) per station, month received and
    month closed: one INSERT … SELECT … GROUP BY."""
    tickets = _limit(counted_tickets(), station="station", when="received_at", groups=groups)
    measures = _ticket_measures()
    rows = (
        tickets.values(
            st=F("station"), path=F("station__region__path"), m=_month("received_at"), cm=_month("closed_at")
        )
        .annotate(**measures)
        .order_by()
    )
    columns = {**AREA, "closed_month": "cm", **{name: name for name in measures}}
    return write(StationTickets, [(rows, columns)])


ROLLUPS = (StationActivity, StationTickets)


def _recompute(groups: Groups | None = None) -> int:
    """Replace the rollup rows of the given groups (everything when ``groups`` is None)."""
    for model in ROLLUPS:
        qs = _limit(model.objects.all(), station="station_id", when=None, groups=groups)
        qs._raw_delete(router.db_for_write(model))  # no cascades, no signals: plain numbers
    return _activity_rows(groups) + _ticket_rows(groups)


def _vacuum() -> None:
    """After a full rewrite, clear the old row versions and refresh the statistics (as
    autovacuum would, later): until then every report read wades through dead rows."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    # (and of the change log, whose deleted entries otherwise leave the planner thinking it
    # empty: a claim then scanned its whole index once per entry, minutes at scale 5)
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in (*ROLLUPS, OverdueNow, RollupDirty)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def _refresh_lock() -> None:
    """Serialise the refresh transactions (incremental batches, full batches, the overdue
    recount) with a transaction-level advisory lock, taken first in each: two refreshes of
    one group at once would both insert (a DELETE does not see rows a concurrent
    transaction inserts). Writers never take it, so only refreshes wait on it, for one
    short transaction at most; released at commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reports.rollups.refresh'))")


_LOG = RollupDirty._meta.db_table


def _claim_changes(limit: int) -> list[tuple]:
    """Take the groups of the oldest ``limit`` change-log entries, with every entry that
    names those groups (duplicates collapse): delete them, return the distinct groups.
    ``SKIP LOCKED`` passes over entries another refresher holds; writers' uncommitted
    entries are invisible, so this never waits."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH head AS (
                SELECT station_id, month FROM {_LOG} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            ), taken AS (
                DELETE FROM {_LOG} WHERE id IN (
                    SELECT log.id FROM {_LOG} log
                    JOIN (SELECT DISTINCT station_id, month FROM head) g USING (station_id, month)
                    FOR UPDATE OF log SKIP LOCKED
                )
                RETURNING station_id, month
            )
            SELECT DISTINCT station_id, month FROM taken
            """,  # noqa: S608 (our own table name)
            [limit],
        )
        return cursor.fetchall()


def _consume_changes(stations: set) -> None:
    """Delete the change-log entries of ``stations`` committed so far: the full refresh's
    batch recomputes them in statements that start after this one, so sees their changes."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_LOG} WHERE id IN "  # noqa: S608 (our own table name)
            f"(SELECT id FROM {_LOG} WHERE station_id = ANY(%s) FOR UPDATE SKIP LOCKED)",
            [sorted(stations)],
        )


def _drop_orphans() -> None:
    """Rollup rows and change-log entries of stations that no longer exist (no cascade
    reaches derived rows; deleting a station's records logs changes for it)."""
    gone = ~Exists(Station.objects.filter(pk=OuterRef("station_id")))
    for model in (*ROLLUPS, OverdueNow):
        qs = model.objects.filter(gone)
        qs._raw_delete(router.db_for_write(model))
    if connection.vendor == "postgresql":
        entries = RollupDirty.objects.filter(gone).select_for_update(skip_locked=True).values("pk")
        qs = RollupDirty.objects.filter(pk__in=entries)
        qs._raw_delete(router.db_for_write(RollupDirty))


def _refresh_full() -> int:
    """Every station, ``FULL_BATCH_STATIONS`` at a time in region-path order (so the rows
    still go in path order), each batch one short transaction: a reader sees each station's
    figures old or new, never half of each."""
    stations = list(Station.objects.order_by("region__path", "pk").values_list("pk", flat=True))
    rows = 0
    for start in range(0, len(stations), FULL_BATCH_STATIONS):
        batch = set(stations[start : start + FULL_BATCH_STATIONS])
        with transaction.atomic():
            _refresh_lock()
            if connection.vendor == "postgresql":
                _consume_changes(batch)
            rows += _recompute({None: batch})
    with transaction.atomic():
        _refresh_lock()
        _drop_orphans()
    overdue_refresh()
    return rows


def _refresh_changed() -> RefreshResult:
    count = rows = 0
    while True:
        with transaction.atomic():
            _refresh_lock()
            claimed = _claim_changes(CLAIM_BATCH)
            if not claimed:
                break
            groups: Groups = defaultdict(set)
            for station_id, month in claimed:
                groups[month].add(station_id)
            rows += _recompute(groups)
            count += len(claimed)
    return RefreshResult(groups=count, rows=rows)


_STAGING = {model: f"reports_staging_{model._meta.model_name}" for model in ROLLUPS}
_STAGING_LOG = "reports_staging_log"


def _stage(model, parts, *, key=()) -> int:
    """``CREATE TEMP TABLE <staging> AS <the rollup rows>``: every station's rows in one
    aggregate pass (the SQL floor), indexed on the station for the swaps."""
    quote = connection.ops.quote_name
    columns, source, params = _select(model, parts, key=key)
    table = _STAGING[model]
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} AS SELECT {names} FROM ({source}) rollup", params)  # noqa: S608
        cursor.execute(f"CREATE INDEX ON {table} (station_id)")
        cursor.execute(f"ANALYZE {table}")  # autovacuum never sees temp tables
        return max(cursor.rowcount, 0)


def _swap(stations: list) -> int:
    """Replace the rollup rows of ``stations`` by their staged rows and consume the
    change-log entries the staging saw for them: one short transaction."""
    quote = connection.ops.quote_name
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        _refresh_lock()
        cursor.execute(
            f"DELETE FROM {_LOG} WHERE id IN (SELECT id FROM {_STAGING_LOG} WHERE station_id = ANY(%s))",  # noqa: S608
            [stations],
        )
        for model, staging in _STAGING.items():
            table = quote(model._meta.db_table)
            names = ", ".join(quote(f.column) for f in model._meta.concrete_fields if not f.primary_key)
            cursor.execute(f"DELETE FROM {table} WHERE station_id = ANY(%s)", [stations])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
                "WHERE station_id = ANY(%s) ORDER BY area_path",
                [stations],
            )
            written += max(cursor.rowcount, 0)
    return written


def _refresh_full_staged() -> int:
    """PostgreSQL's full refresh: the change-log entries committed so far are noted first;
    then every rollup row is computed in one aggregate pass per table into a temporary
    table (its statements see at least those entries' changes); then the rows are swapped
    in ``FULL_BATCH_STATIONS`` stations per short transaction (a reader sees each station's
    figures old or new), each consuming the noted entries of its stations. Entries
    committed later stay in the log for the incremental refresh. A session-level advisory
    lock (the key of ``_refresh_lock``) keeps incremental refreshes from recomputing a
    group between its staging and its swap; writers never take it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext('reports.rollups.refresh'))")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGING_LOG}")
            cursor.execute(f"CREATE TEMP TABLE {_STAGING_LOG} AS SELECT id, station_id FROM {_LOG}")  # noqa: S608
        _activity_rows(write=_stage)
        _ticket_rows(write=_stage)
        stations = list(Station.objects.order_by("region__path", "pk").values_list("pk", flat=True))
        rows = sum(
            _swap(stations[start : start + FULL_BATCH_STATIONS])
            for start in range(0, len(stations), FULL_BATCH_STATIONS)
        )
        with transaction.atomic():
            _refresh_lock()
            _drop_orphans()
        with connection.cursor() as cursor:
            for table in (*_STAGING.values(), _STAGING_LOG):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext('reports.rollups.refresh'))")
    overdue_refresh()
    return rows


def rollups_refresh(*, full: bool = False) -> RefreshResult:
    """Recompute the groups the change log names (or everything). Safe to run beside
    writers and beside other refreshes: a full refresh is single-flight, and refresh
    transactions take turns (``_refresh_lock``)."""
    if not full and connection.vendor == "postgresql":
        return _refresh_changed()
    with single_flight("reports.rollups_full") as got:
        if not got:
            return RefreshResult(groups=0, rows=0)
        rows = _refresh_full_staged() if connection.vendor == "postgresql" else _refresh_full()
    _vacuum()
    return RefreshResult(groups=-1, rows=rows)


def due_soon_until(today: dt.date) -> dt.date:
    """The last day a running ticket counts as "due soon" (即将到期)."""
    return add_working_days(today, DUE_SOON_WORKING_DAYS)


@transaction.atomic
def overdue_refresh(*, today: dt.date | None = None) -> int:
    """Recount the running tickets overdue or due within a few working days (one GROUP BY)."""
    _refresh_lock()
    today = today or timezone.localdate()
    soon = due_soon_until(today)
    rows = [
        OverdueNow(
            station_id=r["st"],
            area_path=r["path"],
            handling_unit_id=r["unit"],
            as_of=today,
            overdue=r["o"],
            due_soon=r["s"],
        )
        for r in Ticket.objects.running()
        .filter(due_on__lte=soon)
        .values(st=F("station"), path=F("station__region__path"), unit=F("handling_unit"))
        .annotate(o=Count("pk", filter=Q(due_on__lt=today)), s=Count("pk", filter=Q(due_on__gte=today)))
        .order_by()
    ]
    OverdueNow.objects.all()._raw_delete(router.db_for_write(OverdueNow))
    OverdueNow.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    return len(rows)


# --- snapshots -------------------------------------------------------------------------


@transaction.atomic
def report_snapshot_create(*, scope: Scope, period: Period, title: str, actor=None) -> ReportSnapshot:
    """Fix a report as it stands now (the official half-year figures, say): its figures
    and its breakdown one level down are stored and never recomputed."""
    from reports.selectors import figures, figures_by

    total = figures(scope=scope, period=period)
    breakdown = figures_by(scope=scope, period=period, by="child") if scope.region is not None else {}
    return ReportSnapshot.objects.create(
        title=title,
        scope_label=scope.label,
        region=scope.region,
        station=scope.station,
        handling_unit=scope.handling_unit,
        deputy=scope.deputy,
        period_start=period.start,
        period_end=period.end,
        as_of=timezone.now(),
        figures={"total": total.as_dict(), "by": {str(k): v.as_dict() for k, v in breakdown.items()}},
        created_by=actor,
    )


def rollups_refresh_full() -> RefreshResult:
    """The nightly job: recompute every group."""
    return rollups_refresh(full=True)


AUTO_SNAPSHOT_TITLE = "月度自动快照"  # stored as data (the Chinese title of the record)


def report_snapshots_monthly(*, today: dt.date | None = None) -> int:
    """The monthly job (``snapshots``, beat on the 1st): fix, for every city and county,
    the month just ended and the year to date as they stand now, after bringing the
    rollups up to date. Once per region and period: run again (a retry, a catch-up) it
    adds nothing. Returns the snapshots made."""
    from stations.models import Region

    today = today or timezone.localdate()
    last_month = add_months(today.replace(day=1), -1)
    periods = [Period.month(last_month.year, last_month.month)]
    if last_month.month > 1:
        periods.append(Period(dt.date(last_month.year, 1, 1), last_month, "custom"))
    rollups_refresh()
    made = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":  # two runs at once: the second waits, then finds them made
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reports.snapshots_monthly'))")
        for region in Region.objects.filter(depth__lte=2).order_by("path"):
            for period in periods:
                exists = ReportSnapshot.objects.filter(
                    title=AUTO_SNAPSHOT_TITLE, region=region, period_start=period.start, period_end=period.end
                ).exists()
                if not exists:
                    report_snapshot_create(
                        scope=Scope(region=region), period=period, title=AUTO_SNAPSHOT_TITLE
                    )
                    made += 1
    return made
