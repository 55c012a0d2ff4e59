"""Reads of the reports app: closure-rate figures from the rollups.

``figures()`` is three queries (activity, tickets, overdue) over the rollup rows of the
scope and period, whatever the number of tickets; ``figures_by()`` is the same three
queries grouped one level down (child regions, stations, months or handling units).
A deputy's and a handling unit's figures, and the breakdown by unit, are counted over the
source rows on their indexes (the deputy's attendances and tickets, the unit's tickets in
the period): bounded by that deputy's or unit's own rows. The counting rules are those of ``suggestions.selectors.work_figures``; a test checks
that both give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Literal

from django.db.models import CharField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext

from reports.models import OverdueNow, StationActivity, StationTickets
from reports.periods import Period, Scope, add_months
from reports.services import TZ, _month, counted_tickets, due_soon_until, on_time_q
from stations.models import Region
from suggestions.models import Ticket
from suggestions.selectors import WorkFigures, closed_by
from visits.models import Attendance, ReceptionSession

By = Literal["child", "station", "month", "unit"]


@dataclass
class Figures:
    """The report's numbers for one scope and period (one row of a breakdown)."""

    stations_active: int = 0  # stations and points that held a reception
    sessions: int = 0
    entries: int = 0  # station entries (person-times) of deputies and cadres
    citizens_received: int = 0
    deputy_entries: int = 0
    deputy_citizens: int = 0
    deputy_collected: int = 0
    deputy_closed: int = 0
    cadre_entries: int = 0
    cadre_citizens: int = 0
    cadre_collected: int = 0
    cadre_closed: int = 0
    collected: int = 0
    closed: int = 0
    on_time: int = 0
    handled: int = 0
    replied: int = 0
    rated: int = 0
    satisfied: int = 0
    evaluation_refused: int = 0  # closed without a rating: the citizen refused (拒绝评价)
    unreachable: int = 0  # … or could not be reached (无法联系)
    close_days_sum: int = 0
    close_days_count: int = 0
    overdue: int = 0
    due_soon: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def closure_rate(self) -> float | None:
        """办结率: closed before the period's end / collected in the period."""
        return self._rate(self.closed, self.collected)

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率: closed by the deadline / closed."""
        return self._rate(self.on_time, self.closed)

    @property
    def reply_rate(self) -> float | None:
        """答复率: reply delivered to the citizen / accepted for handling."""
        return self._rate(self.replied, self.handled)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied / rated."""
        return self._rate(self.satisfied, self.rated)

    @property
    def not_evaluated(self) -> int:
        """Tickets with a recorded reason for no rating (outside the satisfaction rate)."""
        return self.evaluation_refused + self.unreachable

    @property
    def avg_close_days(self) -> float | None:
        """Average working days from received to closed."""
        return self.close_days_sum / self.close_days_count if self.close_days_count else None

    @property
    def deputies(self) -> WorkFigures:
        return WorkFigures(
            self.deputy_entries, self.deputy_citizens, self.deputy_collected, self.deputy_closed
        )

    @property
    def cadres(self) -> WorkFigures:
        return WorkFigures(self.cadre_entries, self.cadre_citizens, self.cadre_collected, self.cadre_closed)

    def as_dict(self) -> dict:
        data = asdict(self)
        for name in ("closure_rate", "on_time_rate", "reply_rate", "satisfaction_rate", "avg_close_days"):
            data[name] = getattr(self, name)
        return data

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _in_scope(qs: QuerySet, scope: Scope, *, station: str = "station", path: str = "area_path") -> QuerySet:
    """Filter rollup rows (``station``/``area_path`` columns) or source rows (through the
    given station relation) to the scope's region or station and its points."""
    if scope.region is not None:
        qs = qs.filter(**{f"{path}__startswith": scope.region.path})
    if scope.station is not None:
        qs = qs.filter(Q(**{station: scope.station.pk}) | Q(**{f"{station}__parent": scope.station.pk}))
    return qs


def _sum(field: str, **filters) -> Coalesce:
    return Coalesce(Sum(field, filter=Q(**filters) if filters else None), 0)


def _count(**filters) -> Count:
    return Count("pk", filter=Q(**filters) if filters else None)


@dataclass(frozen=True)
class Part:
    """One aggregate query of a report: the rows, the measures, and how its rows are keyed
    for each breakdown (``None``: that breakdown does not apply to these figures)."""

    qs: QuerySet
    measures: dict
    keys: dict


def _child(path: str, scope: Scope):
    if scope.region is None:
        raise ValueError(gettext("按下级区域分组须指定区域范围"))
    return Substr(path, 1, len(scope.region.path) + Region.steplen, output_field=CharField())


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and (exclusive) last instant, local time."""
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=TZ)
    return start, dt.datetime.combine(add_months(period.end, 1), dt.time.min, tzinfo=TZ)


def _activity(scope: Scope, period: Period) -> Part | None:
    if scope.handling_unit is not None:
        return None  # a handling unit receives no one at stations
    if scope.deputy is not None:
        # one deputy's few attendances, read from the source (indexed on the deputy): their
        # present attendances at held sessions are their sessions, the at-station ones their
        # entries, and the sessions' citizens add up
        lower, upper = _bounds(period)
        qs = Attendance.objects.filter(
            deputy=scope.deputy,
            role=Attendance.Role.DEPUTY,
            present=True,
            session__status=ReceptionSession.Status.DONE,
            session__starts_at__gte=lower,
            session__starts_at__lt=upper,
        )
        at_station = Q(session__kind__in=ReceptionSession.AT_STATION_KINDS)
        return Part(
            qs,
            {
                "sessions": Count("pk"),
                "deputy_entries": Count("pk", filter=at_station),
                "entries": Count("pk", filter=at_station),
                "deputy_citizens": _sum("session__citizens_received"),
                "citizens_received": _sum("session__citizens_received"),
                "stations_active": Count("session__station", distinct=True),
            },
            {"month": _month("session__starts_at"), "station": F("session__station")},
        )
    months = {"month__gte": period.start, "month__lte": period.end}
    return Part(
        _in_scope(StationActivity.objects.filter(**months), scope),
        {
            "stations_active": Count("station", distinct=True, filter=Q(sessions__gt=0)),
            "sessions": _sum("sessions"),
            "entries": _sum("entries"),
            "citizens_received": _sum("citizens_received"),
            "deputy_entries": _sum("deputy_entries"),
            "deputy_citizens": _sum("deputy_citizens"),
            "cadre_entries": _sum("cadre_entries"),
            "cadre_citizens": _sum("cadre_citizens"),
        },
        {
            "child": _child("area_path", scope) if scope.region else None,
            "station": F("station_id"),
            "month": F("month"),
        },
    )


def _tickets_live(scope: Scope, period: Period) -> Part:
    """The ticket figures counted over the source rows: for a deputy (indexed on the
    receiving deputy), a handling unit (indexed on the unit and the time received) and
    the breakdown by unit."""
    lower, upper = _bounds(period)
    qs = counted_tickets().filter(received_at__gte=lower, received_at__lt=upper)
    if scope.deputy is not None:
        qs = qs.filter(received_by_deputy=scope.deputy)
    if scope.handling_unit is not None:
        qs = qs.filter(handling_unit=scope.handling_unit)
    qs = _in_scope(qs, scope, path="station__region__path")
    closed = closed_by(upper)  # the one rule (suggestions.selectors.closed_by)
    deputy, cadre = Q(received_by_deputy__isnull=False), Q(received_by_cadre__isnull=False)
    measures = {
        "collected": _count(),
        "closed": Count("pk", filter=closed),
        "on_time": Count("pk", filter=closed & on_time_q()),
        "close_days_sum": Coalesce(Sum("working_days_to_close", filter=closed), 0),
        "close_days_count": Count("working_days_to_close", filter=closed),
        "handled": Count("pk", filter=~Q(status__in=Ticket.UNHANDLED_STATUSES)),
        "replied": _count(status__in=Ticket.REPLY_DELIVERED_STATUSES),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": _count(satisfaction__in=(Ticket.Satisfaction.SATISFIED, Ticket.Satisfaction.BASICALLY)),
        "evaluation_refused": _count(no_evaluation=Ticket.NoEvaluation.REFUSED),
        "unreachable": _count(no_evaluation=Ticket.NoEvaluation.UNREACHABLE),
        "deputy_collected": Count("pk", filter=deputy),
        "deputy_closed": Count("pk", filter=deputy & closed),
    }
    if scope.deputy is None:
        measures |= {
            "cadre_collected": Count("pk", filter=cadre),
            "cadre_closed": Count("pk", filter=cadre & closed),
        }
    keys = {
        "child": _child("station__region__path", scope) if scope.region else None,
        "station": F("station"),
        "month": _month("received_at"),
        "unit": F("handling_unit"),
    }
    return Part(qs, measures, keys)


def _tickets(scope: Scope, period: Period, by: By | None = None) -> Part:
    if scope.deputy is not None or scope.handling_unit is not None or by == "unit":
        return _tickets_live(scope, period)
    months = {"month__gte": period.start, "month__lte": period.end}
    # ``closed_by`` at the rollups' month grain: closed_month is the month of closed_at
    closed = {"closed_month__isnull": False, "closed_month__lte": period.end}
    measures = {
        "collected": _sum("collected"),
        "closed": _sum("collected", **closed),
        "on_time": _sum("on_time", **closed),
        "close_days_sum": _sum("close_days_sum", **closed),
        "close_days_count": _sum("close_days_count", **closed),
        "handled": _sum("handled"),
        "replied": _sum("replied"),
        "rated": _sum("rated"),
        "satisfied": _sum("satisfied"),
        "evaluation_refused": _sum("evaluation_refused"),
        "unreachable": _sum("unreachable"),
        "deputy_collected": _sum("deputy_collected"),
        "deputy_closed": _sum("deputy_collected", **closed),
        "cadre_collected": _sum("cadre_collected"),
        "cadre_closed": _sum("cadre_collected", **closed),
    }
    keys = {
        "child": _child("area_path", scope) if scope.region else None,
        "station": F("station_id"),
        "month": F("month"),
        "unit": None,
    }
    return Part(_in_scope(StationTickets.objects.filter(**months), scope), measures, keys)


def _overdue(scope: Scope) -> Part:
    measures = {"overdue": _sum("overdue"), "due_soon": _sum("due_soon")}
    if scope.deputy is not None:
        # the few open tickets one deputy received: counted live (indexed on the deputy)
        today = timezone.localdate()
        soon = due_soon_until(today)
        qs = Ticket.objects.running().filter(received_by_deputy=scope.deputy)
        return Part(
            qs,
            {
                "overdue": Count("pk", filter=Q(due_on__lt=today)),
                "due_soon": Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
            },
            {"unit": F("handling_unit")},
        )
    qs = _in_scope(OverdueNow.objects.all(), scope)
    if scope.handling_unit is not None:
        qs = qs.filter(handling_unit_id=scope.handling_unit.pk)
    keys = {
        "child": _child("area_path", scope) if scope.region else None,
        "station": F("station_id"),
        "unit": F("handling_unit_id"),
    }
    return Part(qs, measures, keys)


def _parts(scope: Scope, period: Period, by: By | None = None) -> list[Part]:
    parts = [_tickets(scope, period, by), _overdue(scope)]
    activity = _activity(scope, period)
    if activity is not None:
        parts.insert(0, activity)
    return parts


_ALIAS = "n_"  # an aggregate may not be named like the column it sums


def _aliased(measures: dict) -> dict:
    return {_ALIAS + name: expr for name, expr in measures.items()}


def figures(*, scope: Scope, period: Period) -> Figures:
    """The report for one scope and period: three queries (two for a handling unit)."""
    out = Figures()
    for part in _parts(scope, period):
        for name, value in part.qs.aggregate(**_aliased(part.measures)).items():
            setattr(out, name.removeprefix(_ALIAS), value or 0)
    return out


def figures_by(*, scope: Scope, period: Period, by: By) -> dict:
    """The report broken down one level: ``child`` regions (keyed by region path),
    ``station`` (station id), ``month`` (first day) or handling ``unit`` (unit id; ticket
    figures only). The same three queries as ``figures``, grouped."""
    if by not in ("child", "station", "month", "unit"):
        raise ValueError(f"unknown breakdown {by!r}")
    if by == "child" and scope.region is None:
        raise ValueError(gettext("按下级区域分组须指定区域范围"))
    out: dict = {}
    for part in _parts(scope, period, by):
        key = part.keys.get(by)
        if key is None:
            continue
        rows = part.qs.annotate(k=key).values("k").annotate(**_aliased(part.measures)).order_by()
        for row in rows:
            figs = out.setdefault(row.pop("k"), Figures())
            for name, value in row.items():
                setattr(figs, name.removeprefix(_ALIAS), value or 0)
    return out
