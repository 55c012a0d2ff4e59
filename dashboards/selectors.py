"""Reads of the dashboards (数据看板): one region, station or deputy over a period.

Every figure comes from the report rollups (``reports.selectors.figures`` /
``figures_by``); the lists (deputies with no station entry, tickets overdue or nearly
so, recent receptions, a deputy's tickets) are bounded and indexed. A dashboard is a
fixed number of queries whatever the scope and the data size (the tests pin it).

Access is decided by the views through ``liaison.scoping``: whoever may open a region's
or a station's dashboard sees every record under it (``can_view_region_dashboard``,
``can_view_station_dashboard``), so those lists are not narrowed again (a second copy of
the region filter also misleads the planner's row estimates). A deputy's dashboard may
be opened by staff who do not see all of that deputy's records, so its lists go through
``scoped()``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from deputies.models import Deputy
from liaison.scoping import scoped
from reports.periods import Period, Scope, add_months
from reports.selectors import Figures, figures, figures_by
from reports.services import due_soon_until
from stations.models import Region, RegionLevel, Station
from suggestions.models import Ticket
from suggestions.selectors import period_bounds, with_deadlines, within
from visits.models import Attendance, ReceptionSession

IDLE_PAGE = 20  # deputies with no station entry, per page
# Counted up to this many ("1,000+"): each is an index probe into the deputy's attendances,
# so an exact count for a whole city would cost as much as the rest of the page.
IDLE_COUNT_CAP = 1000
OVERDUE_LIMIT = 20
RECEPTIONS_LIMIT = 10
DEPUTY_TICKETS_LIMIT = 50
DEPUTY_RECEPTIONS_LIMIT = 20
TREND_MIN_MONTHS = 12  # a shorter period's trend shows the twelve months up to its end

# --- the parts ----------------------------------------------------------------------------


@dataclass
class RankRow:
    """One row of the ranking one level below the scope: a child region or a station."""

    label: str
    kind: str  # "region" | "station"
    pk: object
    figures: Figures
    note: str = ""  # e.g. "联络点" for a point
    closure_rank: int = 0
    activity_rank: int = 0
    lagging: bool = False  # closure rate below the scope's, or no activity at all
    url: str | None = None  # the drill-down link (set by the view)


@dataclass
class IdlePage:
    """Deputies with no station entry in the period: a count and one keyset page."""

    total: int
    rows: list[dict]
    next_cursor: str | None
    cursor: str | None = None
    capped: bool = False  # more than ``total`` (the count stopped at IDLE_COUNT_CAP)


@dataclass
class Dashboard:
    kind: str  # "region" | "station"
    title: str
    scope: Scope
    period: Period
    figures: Figures
    trend_period: Period
    trend: list[tuple[dt.date, Figures]]
    ranking_label: str
    ranking: list[RankRow]
    idle: IdlePage
    overdue: list[Ticket]
    receptions: list[ReceptionSession]
    breadcrumbs: list[Region] = field(default_factory=list)  # the regions above, widest first

    @property
    def ranking_by_activity(self) -> list[RankRow]:
        return sorted(self.ranking, key=lambda r: r.activity_rank)


def trend_period(period: Period) -> Period:
    if period.months >= TREND_MIN_MONTHS // 2:
        return period
    return Period(add_months(period.end, 1 - TREND_MIN_MONTHS), period.end, "custom")


def monthly_trend(*, scope: Scope, period: Period) -> list[tuple[dt.date, Figures]]:
    """Each month of ``period`` (zeros where nothing happened): two queries."""
    by_month = figures_by(scope=scope, period=period, by="month")
    return [(m, by_month.get(m, Figures())) for m in period.month_list()]


def _rank(rows: list[RankRow], overall: Figures) -> list[RankRow]:
    """Closure-rate order (rows with nothing collected last), ranks for both orders, and
    the rows that lag behind the scope's own rate (鞭策后进)."""

    def activity(r: RankRow) -> tuple:
        return (-r.figures.entries, -r.figures.citizens_received, -r.figures.sessions, r.label)

    for i, r in enumerate(sorted(rows, key=activity), start=1):
        r.activity_rank = i

    def closure(r: RankRow) -> tuple:
        rate = r.figures.closure_rate
        return (rate is None, -(rate or 0), -r.figures.collected, r.label)

    rows = sorted(rows, key=closure)
    for i, r in enumerate(rows, start=1):
        r.closure_rank = i
        rate, target = r.figures.closure_rate, overall.closure_rate
        r.lagging = r.figures.entries == 0 or (rate is not None and target is not None and rate < target)
    return rows


def region_ranking(*, region: Region, period: Period, overall: Figures) -> tuple[str, list[RankRow]]:
    """Counties of a city, townships of a county (three rollup queries and the child
    regions); a township or a village ranks its stations and points."""
    scope = Scope(region=region)
    if region.level >= RegionLevel.TOWNSHIP:
        return gettext("联络站（点）"), station_ranking(
            stations=Station.objects.in_region(region), scope=scope, period=period, overall=overall
        )
    children = list(Region.objects.subtree(region).filter(depth=region.depth + 1))
    by_child = figures_by(scope=scope, period=period, by="child")
    rows = [RankRow(c.name, "region", c.pk, by_child.pop(c.path, Figures())) for c in children]
    if by_child.get(region.path):  # stations placed on the region itself, not in a child
        rows.append(
            RankRow(gettext("{name}（直属）").format(name=region.name), "", None, by_child[region.path])
        )
    return RegionLevel(region.level + 1).label, _rank(rows, overall)


def station_ranking(*, stations: QuerySet, scope: Scope, period: Period, overall: Figures) -> list[RankRow]:
    by_station = figures_by(scope=scope, period=period, by="station")
    rows = [
        RankRow(
            s.name,
            "station",
            s.pk,
            by_station.get(s.pk, Figures()),
            note=s.get_kind_display(),
        )
        for s in stations.exclude(status=Station.Status.CLOSED).order_by("region__path", "name")
    ]
    return _rank(rows, overall)


# --- deputies with no station entry ---------------------------------------------------------


def _encode_cursor(row: dict) -> str:
    raw = json.dumps([row["path"], row["name"], str(row["pk"])], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> tuple[str, str, UUID] | None:
    """The keyset position after which the next page starts; ``None`` for the first page
    or a cursor that does not parse (then the first page is shown)."""
    if not text:
        return None
    try:
        path, name, pk = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return str(path), str(name), UUID(pk)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def _deputies_in(scope: Scope) -> QuerySet:
    return within(Deputy.objects.all(), via="home_station", region=scope.region, station=scope.station)


def idle_deputies_qs(*, scope: Scope, period: Period) -> QuerySet:
    """Deputies based in the scope with no station entry (at any station) in the period,
    ordered by region, name, id (the keyset)."""
    lower, upper = period_bounds(period.first_day, period.last_day)
    entered = Attendance.objects.station_entries().filter(
        deputy=OuterRef("pk"),
        role=Attendance.Role.DEPUTY,
        session__starts_at__gte=lower,
        session__starts_at__lt=upper,
    )
    qs = _deputies_in(scope).filter(~Exists(entered))
    return qs.order_by("home_station__region__path", "name", "pk")


IDLE_FIELDS = ("pk", "name", "occupation")
IDLE_RELATED = {
    "station_name": F("home_station__name"),
    "region_name": F("home_station__region__name"),
    "path": F("home_station__region__path"),
}


def idle_deputies(*, scope: Scope, period: Period, cursor: str | None = None) -> IdlePage:
    """A count (up to ``IDLE_COUNT_CAP``) and one page after ``cursor``: two queries."""
    qs = idle_deputies_qs(scope=scope, period=period)
    total = qs.order_by()[: IDLE_COUNT_CAP + 1].count()
    capped = total > IDLE_COUNT_CAP
    page = qs
    after = decode_cursor(cursor)
    if after is not None:
        path, name, pk = after
        page = qs.filter(
            Q(home_station__region__path__gt=path)
            | Q(home_station__region__path=path, name__gt=name)
            | Q(home_station__region__path=path, name=name, pk__gt=pk)
        )
    rows = list(page.values(*IDLE_FIELDS, **IDLE_RELATED)[: IDLE_PAGE + 1])
    more = len(rows) > IDLE_PAGE
    rows = rows[:IDLE_PAGE]
    return IdlePage(
        min(total, IDLE_COUNT_CAP),
        rows,
        _encode_cursor(rows[-1]) if more else None,
        cursor if after else None,
        capped,
    )


# --- tickets overdue or nearly, receptions -------------------------------------------------------


def _narrowed(user, scope: Scope, qs: QuerySet) -> QuerySet:
    """A deputy's records through ``scoped()``; a region's or station's as they are (the
    view checked the reader may see everything under it)."""
    return scoped(user, qs) if scope.deputy is not None else qs


def _tickets_in(scope: Scope) -> QuerySet:
    if scope.deputy is not None:
        return Ticket.objects.filter(received_by_deputy=scope.deputy)
    return within(Ticket.objects.all(), via="station", region=scope.region, station=scope.station)


def overdue_tickets_qs(*, user, scope: Scope, today: dt.date) -> QuerySet:
    """Running tickets past their deadline or due soon (``reports.services.due_soon_until``),
    most overdue first."""
    qs = _narrowed(user, scope, _tickets_in(scope)).running().filter(due_on__lte=due_soon_until(today))
    return qs.select_related("station", "handling_unit", "category").order_by("due_on", "pk")


def overdue_tickets(*, user, scope: Scope, today: dt.date) -> list[Ticket]:
    """The first ``OVERDUE_LIMIT`` with their deadline colours: two queries."""
    return with_deadlines(
        overdue_tickets_qs(user=user, scope=scope, today=today)[:OVERDUE_LIMIT], today=today
    )


def _receptions_in(scope: Scope) -> QuerySet:
    if scope.deputy is not None:
        return ReceptionSession.objects.filter(
            Exists(Attendance.objects.filter(session=OuterRef("pk"), deputy=scope.deputy, present=True))
        )
    return within(ReceptionSession.objects.all(), via="station", region=scope.region, station=scope.station)


def receptions_qs(*, user, scope: Scope, period: Period) -> QuerySet:
    """Sessions held in the period, latest first."""
    lower, upper = period_bounds(period.first_day, period.last_day)
    qs = _narrowed(user, scope, _receptions_in(scope)).held().between(lower, upper)
    return qs.select_related("station").order_by("-starts_at", "pk")


def recent_receptions(*, user, scope: Scope, period: Period, limit: int = RECEPTIONS_LIMIT) -> list:
    return list(receptions_qs(user=user, scope=scope, period=period)[:limit])


# --- whole dashboards -------------------------------------------------------------------------------


def area_ranking(*, scope: Scope, period: Period, overall: Figures) -> tuple[str, list[RankRow]]:
    """The ranking one level below a region's or a station's scope: (its label, rows)."""
    if scope.region is not None:
        return region_ranking(region=scope.region, period=period, overall=overall)
    station = scope.station
    stations = Station.objects.filter(Q(pk=station.pk) | Q(parent=station))
    return gettext("联络站（点）"), station_ranking(
        stations=stations, scope=scope, period=period, overall=overall
    )


def _area_dashboard(
    *, user, scope: Scope, kind: str, title: str, breadcrumbs: list[Region], period: Period, today, cursor
) -> Dashboard:
    today = today or timezone.localdate()
    total = figures(scope=scope, period=period)
    trend_p = trend_period(period)
    ranking_label, ranking = area_ranking(scope=scope, period=period, overall=total)
    return Dashboard(
        kind=kind,
        title=title,
        scope=scope,
        period=period,
        figures=total,
        trend_period=trend_p,
        trend=monthly_trend(scope=scope, period=trend_p),
        ranking_label=ranking_label,
        ranking=ranking,
        idle=idle_deputies(scope=scope, period=period, cursor=cursor),
        overdue=overdue_tickets(user=user, scope=scope, today=today),
        receptions=recent_receptions(user=user, scope=scope, period=period),
        breadcrumbs=breadcrumbs,
    )


def region_dashboard(
    *, user, region: Region, period: Period, today: dt.date | None = None, cursor: str | None = None
) -> Dashboard:
    return _area_dashboard(
        user=user,
        scope=Scope(region=region),
        kind="region",
        title=region.name,
        breadcrumbs=list(Region.objects.get_ancestors(region)),
        period=period,
        today=today,
        cursor=cursor,
    )


def station_dashboard(
    *, user, station: Station, period: Period, today: dt.date | None = None, cursor: str | None = None
) -> Dashboard:
    """A station with its points (``station.region`` loaded)."""
    return _area_dashboard(
        user=user,
        scope=Scope(station=station),
        kind="station",
        title=station.name,
        breadcrumbs=[*Region.objects.get_ancestors(station.region), station.region],
        period=period,
        today=today,
        cursor=cursor,
    )


# --- a deputy's own dashboard ---------------------------------------------------------------------


@dataclass
class DeputyDashboard:
    deputy: Deputy
    period: Period
    figures: Figures
    trend_period: Period
    trend: list[tuple[dt.date, Figures]]
    year: int
    year_entries: int
    expected_entries: int
    receptions: list[ReceptionSession]
    receptions_total: int
    tickets: list[Ticket]
    tickets_total: int
    ticket_status: list[tuple[str, str, int]]  # (status, label, count)
    overdue: list[Ticket]

    @property
    def expectation_met(self) -> bool:
        return self.year_entries >= self.expected_entries

    @property
    def entries_missing(self) -> int:
        return max(0, self.expected_entries - self.year_entries)

    @property
    def expectation_percent(self) -> int:
        if not self.expected_entries:
            return 100
        return min(100, round(100 * self.year_entries / self.expected_entries))


def deputy_tickets_qs(*, user, deputy: Deputy, period: Period) -> QuerySet:
    """Opinions the deputy received in the period (merged duplicates left out, as in the
    figures), latest first."""
    lower, upper = period_bounds(period.first_day, period.last_day)
    qs = scoped(user, Ticket.objects.filter(received_by_deputy=deputy)).received_between(lower, upper)
    qs = qs.exclude(status=Ticket.Status.MERGED)
    return qs.select_related("station", "handling_unit", "category").order_by("-received_at", "pk")


def deputy_dashboard(
    *, user, deputy: Deputy, period: Period, today: dt.date | None = None
) -> DeputyDashboard:
    today = today or timezone.localdate()
    scope = Scope(deputy=deputy)
    total = figures(scope=scope, period=period)
    trend_p = trend_period(period)
    year = period.end.year
    lower, upper = period_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))
    year_entries = (
        Attendance.objects.station_entries()
        .filter(
            deputy=deputy,
            role=Attendance.Role.DEPUTY,
            session__starts_at__gte=lower,
            session__starts_at__lt=upper,
        )
        .count()
    )
    receptions = receptions_qs(user=user, scope=scope, period=period)
    tickets = deputy_tickets_qs(user=user, deputy=deputy, period=period)
    by_status = dict(tickets.order_by().values_list("status").annotate(n=Count("pk")))
    ticket_status = [(s.value, s.label, by_status[s.value]) for s in Ticket.Status if by_status.get(s.value)]
    ticket_rows = list(tickets[:DEPUTY_TICKETS_LIMIT])
    overdue = list(overdue_tickets_qs(user=user, scope=scope, today=today)[:OVERDUE_LIMIT])
    with_deadlines([*ticket_rows, *overdue], today=today)
    return DeputyDashboard(
        deputy=deputy,
        period=period,
        figures=total,
        trend_period=trend_p,
        trend=monthly_trend(scope=scope, period=trend_p),
        year=year,
        year_entries=year_entries,
        expected_entries=settings.DEPUTY_ENTRIES_EXPECTED_PER_YEAR,
        receptions=list(receptions[:DEPUTY_RECEPTIONS_LIMIT]),
        receptions_total=receptions.count(),
        tickets=ticket_rows,
        tickets_total=sum(by_status.values()),
        ticket_status=ticket_status,
        overdue=overdue,
    )
