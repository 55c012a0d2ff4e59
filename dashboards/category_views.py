"""意见建议分类统计: the opinions of a region or a station by category and by handling tier
(top categories, the monthly trend per category, the share per region one level down),
with drill-down (a category narrows the page; a region leads to its own page) and Excel.
Access as the dashboards' (``liaison.scoping`` through ``dashboards.views``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards import exports
from dashboards.views import _context, _region, _station, _xlsx, parse_period
from reports.categories import NONE, category_stats
from reports.periods import Scope
from stations.models import Region, Station


def _category_param(request) -> str | None:
    text = (request.GET.get("category") or "").strip()
    if text == "none":
        return NONE
    return text if text.isdigit() and len(text) < 12 else None


def _render(request, *, region: Region | None = None, station: Station | None = None):
    today = timezone.localdate()
    period, error = parse_period(request.GET, today=today)
    category = _category_param(request)
    if region is not None:
        scope = Scope(region=region)
        children = {
            r.path: r.name
            for r in Region.objects.filter(path__startswith=region.path, depth=region.depth + 1)
        }
        page_url = reverse("dashboards:region_categories", args=[region.pk])
        child_pk = {
            r.path: r.pk for r in Region.objects.filter(path__startswith=region.path, depth=region.depth + 1)
        }
    else:
        scope = Scope(station=station)
        children = {
            str(s.pk): s.name for s in Station.objects.filter(Q(pk=station.pk) | Q(parent=station.pk))
        }
        page_url = reverse("dashboards:station_categories", args=[station.pk])
        child_pk = {}
    stats = category_stats(scope=scope, period=period, children=children, category=category)
    query = urlencode(period.as_query())
    category_query = "" if category is None else f"&category={'none' if category == NONE else category}"
    for row in stats.children:
        pk = child_pk.get(row["key"])
        if pk is not None:
            row["url"] = f"{reverse('dashboards:region_categories', args=[pk])}?{query}{category_query}"
    name = (region or station).name
    chosen = (
        next((c["name"] for c in stats.categories if c["key"] == category), None)
        if category is not None
        else None
    )
    if request.GET.get("format") == "xlsx":
        book = exports.category_workbook(
            stats=stats, scope_label=name, period_label=period.label, chosen=chosen
        )
        return _xlsx(
            book, _("%(scope)s %(period)s 意见建议分类统计.xlsx") % {"scope": name, "period": period.label}
        )
    context = _context(
        request,
        period,
        error,
        today,
        name=name,
        region=region,
        station=station,
        stats=stats,
        page_url=page_url,
        dashboard_url=f"{reverse('dashboards:region', args=[region.pk]) if region else reverse('dashboards:station', args=[station.pk])}?{query}",
        category=category,
        category_query=category_query,
        chosen=chosen,
        export_url=f"{page_url}?{query}{category_query}&format=xlsx",
        child_label=_("下级区域") if region is not None else _("站点"),
    )
    return render(request, "dashboards/categories.html", context, status=400 if error else 200)


@login_required
def region_categories(request, pk):
    return _render(request, region=_region(request, pk))


@login_required
def station_categories(request, pk):
    return _render(request, station=_station(request, pk))
