"""Category and tier statistics of opinions (意见建议分类统计): collected and closed by
category (top categories, trend per category, share per region one level down) and by
handling tier (分级处理), for a region subtree or a station with its points.

Read from the source rows, one grouped query per breakdown, on the index
``ticket_received_cover_idx`` (time received, covering station, category, tier and the
closing time): a city's year is an index range scan of its tickets. A category dimension
in the station × month rollups was measured against it (see README, "Category and tier
statistics"): it multiplies the rollup rows by the categories and tiers and saves little at
the sizes a county or a city reads. The counting rules are the figures' own: merged
tickets left out (``counted_tickets``), received in the period, closed by
``suggestions.selectors.closed_by``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import CharField, Count, F, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext

from reports.periods import Period, Scope
from reports.selectors import _bounds, _in_scope
from reports.services import _month, counted_tickets
from stations.models import Region
from suggestions.models import Category, Ticket
from suggestions.selectors import closed_by

CategoryBy = Literal["category", "tier", "category_month", "category_child"]
NONE = ""  # the key of tickets without a category / a recorded tier


@dataclass
class Count2:
    collected: int = 0
    closed: int = 0

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.collected if self.collected else None


@dataclass
class CategoryStats:
    """Everything the category page shows, in four grouped queries and one for the names."""

    total: Count2
    categories: list[dict]  # {key, name, collected, closed, closure_rate, share}, most collected first
    tiers: list[dict]  # {key, name, collected, closed, closure_rate, share}, in the tiers' order
    months: list[dt.date]
    trend: list[dict]  # per category of ``categories``: {key, name, counts: [per month]}
    children: list[dict]  # per child region / station: {key, name, collected, shares: {category: (n, share)}}


def _tickets(scope: Scope, period: Period, category: str | None = None) -> QuerySet:
    lower, upper = _bounds(period)
    qs = counted_tickets().filter(received_at__gte=lower, received_at__lt=upper)
    if category is not None:
        qs = qs.filter(category__isnull=True) if category == NONE else qs.filter(category_id=category)
    return _in_scope(qs, scope, path="station__region__path")


def _child_key(scope: Scope):
    if scope.region is not None:
        return Substr(
            "station__region__path", 1, len(scope.region.path) + Region.steplen, output_field=CharField()
        )
    return F("station_id")


def category_counts(*, scope: Scope, period: Period, by: CategoryBy, category: str | None = None) -> dict:
    """{key: Count2} for one breakdown (one grouped query); keys are the category id (as a
    string, "" for none), the tier ("" for none), or tuples (category, month / child)."""
    _lower, upper = _bounds(period)
    keys = {
        "category": {"c": F("category_id")},
        "tier": {"t": F("tier")},
        "category_month": {"c": F("category_id"), "m": _month("received_at")},
        "category_child": {"c": F("category_id"), "p": _child_key(scope)},
    }[by]
    rows = (
        _tickets(scope, period, category)
        .annotate(**{f"k_{k}": v for k, v in keys.items()})
        .values(*(f"k_{k}" for k in keys))
        .annotate(n_collected=Count("pk"), n_closed=Count("pk", filter=closed_by(upper)))
        .order_by()
    )
    out: dict = {}
    for r in rows:
        parts = tuple(_key(k, r[f"k_{k}"]) for k in keys)
        key = parts[0] if len(parts) == 1 else parts
        c = out.setdefault(key, Count2())
        c.collected += r["n_collected"]
        c.closed += r["n_closed"]
    return out


def _key(kind: str, value):
    if value is None:
        return NONE
    return value if kind == "m" else str(value)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def category_stats(
    *,
    scope: Scope,
    period: Period,
    top: int = 8,
    children: dict[str, str] | None = None,
    category: str | None = None,
) -> CategoryStats:
    """The category page: categories by collected (all of them, the ``top`` ones in the
    trend and the region shares), tiers, the monthly trend, and the share per child
    (``children``: key → name, child region paths or station ids; from the caller, who
    knows the tree). ``category`` (an id, or "" for none) narrows everything to one
    category (the drill-down)."""
    one = {"scope": scope, "period": period, "category": category}
    by_category = category_counts(by="category", **one)
    by_tier = category_counts(by="tier", **one)
    total = Count2(
        sum(c.collected for c in by_category.values()), sum(c.closed for c in by_category.values())
    )
    names = {
        str(pk): name
        for pk, name in Category.objects.filter(pk__in=[k for k in by_category if k]).values_list(
            "pk", "name"
        )
    }
    names[NONE] = gettext("未分类")

    def row(key, name, c: Count2) -> dict:
        return {
            "key": key,
            "name": name,
            "collected": c.collected,
            "closed": c.closed,
            "closure_rate": c.closure_rate,
            "share": _share(c.collected, total.collected),
        }

    categories = sorted(
        (row(k, names.get(k, k), c) for k, c in by_category.items()),
        key=lambda r: (-r["collected"], r["name"]),
    )
    tier_labels = dict(Ticket.Tier.choices) | {NONE: gettext("未记录")}
    tiers = [row(k, tier_labels[k], by_tier[k]) for k in tier_labels if k in by_tier]

    months = []
    m = period.start
    while m <= period.end:
        months.append(m)
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    shown = [r["key"] for r in categories[:top]]
    per_month = category_counts(by="category_month", **one)
    trend = [
        {
            "key": k,
            "name": names.get(k, k),
            "counts": [per_month.get((k, month), Count2()).collected for month in months],
        }
        for k in shown
    ]
    per_child = category_counts(by="category_child", **one)
    child_totals: dict[str, int] = {}
    for (_c, p), c in per_child.items():
        child_totals[p] = child_totals.get(p, 0) + c.collected
    child_names = children or {}
    child_rows = []
    for p in sorted(
        set(child_names) | set(child_totals), key=lambda p: (-child_totals.get(p, 0), child_names.get(p, p))
    ):
        n = child_totals.get(p, 0)
        child_rows.append(
            {
                "key": p,
                "name": child_names.get(p, p),
                "collected": n,
                "shares": [
                    (
                        per_child.get((k, p), Count2()).collected,
                        _share(per_child.get((k, p), Count2()).collected, n),
                    )
                    for k in shown
                ],
            }
        )
    return CategoryStats(
        total=total, categories=categories, tiers=tiers, months=months, trend=trend, children=child_rows
    )
