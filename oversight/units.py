"""Handling units' performance (承办单位履职): each unit's figures for a period from the
report rollups (``reports.selectors.figures`` / ``figures_by(by="unit")``, the dashboards'
reads), plus the reopen rate counted in SQL over the tickets, and the ranking of the units
of a region with laggards flagged."""

from __future__ import annotations

from django.db.models import Count, Q

from reports.periods import Period, Scope
from reports.selectors import Figures, figures, figures_by
from stations.models import Region
from suggestions.models import HandlingUnit, Ticket
from suggestions.selectors import period_bounds

# a unit lags when its on-time rate is below this, or when it has overdue tickets now
ON_TIME_TARGET = 0.8


def _reopened(*, units, period: Period, region: Region | None = None) -> dict:
    lower, upper = period_bounds(period.first_day, period.last_day)
    qs = Ticket.objects.counted().filter(
        handling_unit__in=units, received_at__gte=lower, received_at__lt=upper
    )
    if region is not None:
        qs = qs.filter(station__region__path__startswith=region.path)
    rows = qs.values("handling_unit_id").annotate(
        n=Count("pk"), reopened=Count("pk", filter=Q(reopen_count__gt=0))
    )
    return {r["handling_unit_id"]: (r["reopened"], r["n"]) for r in rows.order_by()}


def _row(unit: HandlingUnit, f: Figures, reopened: tuple[int, int]) -> dict:
    n_reopened, n = reopened
    lags = (f.on_time_rate is not None and f.on_time_rate < ON_TIME_TARGET) or f.overdue > 0
    return {
        "unit": unit,
        "figures": f,
        "reopened": n_reopened,
        "reopen_rate": n_reopened / n if n else None,
        "lags": lags,
    }


def unit_performance(*, unit: HandlingUnit, period: Period) -> dict:
    f = figures(scope=Scope(handling_unit=unit), period=period)
    return _row(unit, f, _reopened(units=[unit.pk], period=period).get(unit.pk, (0, 0)))


def unit_ranking(*, region: Region, period: Period) -> list[dict]:
    """The units of ``region`` ranked by on-time rate (then satisfaction), their tickets
    from the region's stations: three grouped queries and one for the reopen counts."""
    units = {u.pk: u for u in HandlingUnit.objects.filter(region__path__startswith=region.path)}
    by_unit = figures_by(scope=Scope(region=region), period=period, by="unit")
    reopened = _reopened(units=list(units), period=period, region=region)
    rows = [_row(u, by_unit.get(pk) or Figures(), reopened.get(pk, (0, 0))) for pk, u in units.items()]
    rows.sort(
        key=lambda r: (
            -(r["figures"].on_time_rate if r["figures"].on_time_rate is not None else -1),
            -(r["figures"].satisfaction_rate or 0),
            r["unit"].name,
        )
    )
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows
