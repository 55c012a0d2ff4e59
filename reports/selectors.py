"""Reads of the reports app: closure-rate figures from the rollups.

``figures()`` is three queries (activity, tickets, overdue) over the rollup rows of the
scope and period, whatever the number of tickets; ``figures_by()`` is the same three
queries grouped one level down (child regions, stations, months or handling units).
The counting rules are those of ``suggestions.selectors.work_figures``; a test checks
that both give the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Literal

from django.db.models import CharField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext

from reports.models import DeputyActivity, DeputyTickets, Group, OverdueNow, StationActivity, StationTickets
from reports.periods import Period, Scope
from reports.services import due_soon_until
from stations.models import Region
from suggestions.models import Ticket
from suggestions.selectors import WorkFigures

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


def _in_scope(qs: QuerySet, scope: Scope, *, by_unit: bool = True) -> QuerySet:
    if scope.region is not None:
        qs = qs.filter(area_path__startswith=scope.region.path)
    if scope.station is not None:
        qs = qs.filter(Q(station_id=scope.station.pk) | Q(station__parent_id=scope.station.pk))
    if scope.handling_unit is not None and by_unit:
        qs = qs.filter(handling_unit_id=scope.handling_unit.pk)
    if scope.deputy is not None:
        qs = qs.filter(deputy_id=scope.deputy.pk)
    return qs


def _sum(field: str, **filters) -> Coalesce:
    return Coalesce(Sum(field, filter=Q(**filters) if filters else None), 0)


def _activity(scope: Scope, period: Period) -> QuerySet | None:
    if scope.handling_unit is not None:
        return None  # a handling unit receives no one at stations
    months = {"month__gte": period.start, "month__lte": period.end}
    if scope.deputy is not None:
        return _in_scope(DeputyActivity.objects.filter(**months), scope), {
            "sessions": _sum("sessions"),
            "deputy_entries": _sum("entries"),
            "entries": _sum("entries"),
            "deputy_citizens": _sum("citizens_received"),
            "citizens_received": _sum("citizens_received"),
            "stations_active": Count("station", distinct=True, filter=Q(sessions__gt=0)),
        }
    return _in_scope(StationActivity.objects.filter(**months), scope), {
        "stations_active": Count("station", distinct=True, filter=Q(group=Group.ALL, sessions__gt=0)),
        "sessions": _sum("sessions", group=Group.ALL),
        "entries": _sum("entries", group=Group.ALL),
        "citizens_received": _sum("citizens_received", group=Group.ALL),
        "deputy_entries": _sum("entries", group=Group.DEPUTIES),
        "deputy_citizens": _sum("citizens_received", group=Group.DEPUTIES),
        "cadre_entries": _sum("entries", group=Group.CADRES),
        "cadre_citizens": _sum("citizens_received", group=Group.CADRES),
    }


def _tickets(scope: Scope, period: Period):
    months = {"month__gte": period.start, "month__lte": period.end}
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
    }
    if scope.deputy is not None:
        measures |= {"deputy_collected": _sum("collected"), "deputy_closed": _sum("collected", **closed)}
        return _in_scope(DeputyTickets.objects.filter(**months), scope), measures
    measures |= {
        "deputy_collected": _sum("collected", group=Group.DEPUTIES),
        "deputy_closed": _sum("collected", group=Group.DEPUTIES, **closed),
        "cadre_collected": _sum("collected", group=Group.CADRES),
        "cadre_closed": _sum("collected", group=Group.CADRES, **closed),
    }
    return _in_scope(StationTickets.objects.filter(**months), scope), measures


def _overdue(scope: Scope):
    measures = {"overdue": _sum("overdue"), "due_soon": _sum("due_soon")}
    if scope.deputy is not None:
        # the few open tickets one deputy received: counted live (indexed on the deputy)
        today = timezone.localdate()
        soon = due_soon_until(today)
        qs = Ticket.objects.running().filter(received_by_deputy=scope.deputy)
        return qs, {
            "overdue": Count("pk", filter=Q(due_on__lt=today)),
            "due_soon": Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
        }
    return _in_scope(OverdueNow.objects.all(), scope), measures


def _parts(scope: Scope, period: Period):
    parts = [_tickets(scope, period), _overdue(scope)]
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
    for qs, measures in _parts(scope, period):
        for name, value in qs.aggregate(**_aliased(measures)).items():
            setattr(out, name.removeprefix(_ALIAS), value or 0)
    return out


def _key(scope: Scope, by: By):
    if by == "child":
        if scope.region is None:
            raise ValueError(gettext("按下级区域分组须指定区域范围"))
        return Substr("area_path", 1, len(scope.region.path) + Region.steplen, output_field=CharField())
    if by == "station":
        return F("station_id")
    if by == "month":
        return F("month")
    if by == "unit":
        return F("handling_unit_id")
    raise ValueError(f"unknown breakdown {by!r}")


def figures_by(*, scope: Scope, period: Period, by: By) -> dict:
    """The report broken down one level: ``child`` regions (keyed by region path),
    ``station`` (station id), ``month`` (first day) or handling ``unit`` (unit id; ticket
    figures only). The same three queries as ``figures``, grouped."""
    out: dict = {}
    for qs, measures in _parts(scope, period):
        if by == "unit" and "collected" not in measures and "overdue" not in measures:
            continue
        if by == "month" and "overdue" in measures:
            continue  # overdue is "now", not a month's figure
        if by == "unit" and not hasattr(qs.model, "handling_unit"):
            continue
        if by in ("child", "station") and qs.model is Ticket:
            continue
        for row in qs.annotate(k=_key(scope, by)).values("k").annotate(**_aliased(measures)).order_by():
            figs = out.setdefault(row.pop("k"), Figures())
            for name, value in row.items():
                setattr(figs, name.removeprefix(_ALIAS), value or 0)
    return out
