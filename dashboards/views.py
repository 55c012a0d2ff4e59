"""Dashboard pages: parse the period, check access through ``liaison.scoping``, call a
selector, render (or write the tables to Excel)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards import exports, selectors
from deputies.models import Deputy
from liaison.scoping import (
    can_view_region_dashboard,
    can_view_station_dashboard,
    get_scoped_or_404,
    own_dashboards,
)
from motions.selectors import region_motion_figures
from reports.periods import KINDS, Period
from stations.models import Region, Station
from visits.models import ExportJob
from visits.services import export_start

MAX_MONTHS = 120  # a custom period of at most ten years

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_period(data, *, today: dt.date) -> tuple[Period, str]:
    """The chosen period and an error message (Chinese) for bad input; on bad input the
    current year is shown instead, with the message above it.

    Besides ``Period.parse``'s ``period=…&on=YYYY-MM-DD`` (what drill-down links carry)
    the picker sends ``year`` and ``month`` / ``quarter`` / ``half`` numbers."""
    fallback = Period.containing("year", today)
    kind = data.get("period") or "year"
    if kind not in KINDS:
        return fallback, _("期间类型应为：月、季度、半年、年或自定义。")
    try:
        if kind != "custom" and data.get("year") and not data.get("on"):
            period = _from_picker(kind, data)
        else:
            period = Period.parse(data, today=today)
    except ValueError as exc:
        return fallback, _("期间有误：{exc}").format(exc=exc)
    if period.months > MAX_MONTHS:
        return fallback, _("自定义期间最长 {value} 年，请缩短起止月份。").format(value=MAX_MONTHS // 12)
    return period, ""


def _number(data, name: str, low: int, high: int, label: str) -> int:
    text = (data.get(name) or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(_("{label}应为 {low}—{high} 之间的数字").format(label=label, low=low, high=high))
    return int(text)


def _from_picker(kind: str, data) -> Period:
    year = _number(data, "year", 2000, 2100, _("年份"))
    if kind == "month":
        return Period.month(year, _number(data, "month", 1, 12, _("月份")))
    if kind == "quarter":
        return Period.quarter(year, _number(data, "quarter", 1, 4, _("季度")))
    if kind == "half":
        return Period.half(year, _number(data, "half", 1, 2, _("半年")))
    return Period.year(year)


def _picker(period: Period, today: dt.date) -> dict:
    """What the period form shows as chosen."""
    s = period.start
    return {
        "kind": period.kind,
        "kinds": list(KINDS.items()),
        "year": s.year,
        "years": sorted({*range(today.year, 2019, -1), s.year}, reverse=True),
        "month": s.month,
        "months": list(range(1, 13)),
        "quarter": (s.month - 1) // 3 + 1,
        "half": 1 if s.month <= 6 else 2,
        "start": period.start.strftime("%Y-%m"),
        "end": period.end.strftime("%Y-%m"),
    }


def _own_links(user, query: str) -> list[tuple[str, str]]:
    """The user's own dashboards as (label, link), when there is more than one."""
    own = own_dashboards(user)
    if len(own) < 2:
        return []
    links = []
    for kind, obj in own:
        label = _("{name}代表").format(name=obj.name) if kind == "deputy" else obj.name
        links.append((label, _with_query(reverse(f"dashboards:{kind}", args=[obj.pk]), query)))
    return links


def _context(request, period: Period, error: str, today: dt.date, **extra) -> dict:
    query = urlencode(period.as_query())
    return {
        "period": period,
        "period_error": error,
        "period_query": query,
        "picker": _picker(period, today),
        "own_dashboards": _own_links(request.user, query),
        **extra,
    }


def _region(request, pk) -> Region:
    region = get_scoped_or_404(request.user, Region.objects.all(), pk=pk)
    if not can_view_region_dashboard(request.user, region):
        raise PermissionDenied(_("您无权查看该区域的数据看板。"))
    return region


def _station(request, pk) -> Station:
    station = get_scoped_or_404(request.user, Station.objects.select_related("region"), pk=pk)
    if not can_view_station_dashboard(request.user, station):
        raise PermissionDenied(_("您无权查看该联络站的数据看板。"))
    return station


def _deputy(request, pk) -> Deputy:
    return get_scoped_or_404(request.user, Deputy.objects.select_related("home_station"), pk=pk)


def _with_query(url: str, period_query: str) -> str:
    return f"{url}?{period_query}"


def _trend_data(trend) -> dict:
    return {
        "months": [_("{year}年{month}月").format(year=m.year, month=m.month) for m, _f in trend],
        "collected": [f.collected for _m, f in trend],
        "closed": [f.closed for _m, f in trend],
        "entries": [f.entries for _m, f in trend],
        "rate": [None if f.closure_rate is None else round(100 * f.closure_rate, 1) for _m, f in trend],
    }


def _drill_url(row, period_query: str) -> str | None:
    """Where a ranking row leads, if the reader may go there (no query: the rows are
    inside the dashboard's scope, which the reader may see)."""
    if row.kind == "region":
        return _with_query(reverse("dashboards:region", args=[row.pk]), period_query)
    if row.kind == "station":
        return _with_query(reverse("dashboards:station", args=[row.pk]), period_query)
    return None


def _render_area(request, *, region=None, station=None):
    today = timezone.localdate()
    period, error = parse_period(request.GET, today=today)
    args = {"user": request.user, "period": period, "today": today, "cursor": request.GET.get("after")}
    if region is not None:
        dashboard = selectors.region_dashboard(region=region, **args)
        export_url = reverse("dashboards:region_export", args=[region.pk])
        page_url = reverse("dashboards:region", args=[region.pk])
    else:
        dashboard = selectors.station_dashboard(station=station, **args)
        export_url = reverse("dashboards:station_export", args=[station.pk])
        page_url = reverse("dashboards:station", args=[station.pk])
    query = urlencode(period.as_query())
    for row in dashboard.ranking:
        if station is None or row.pk != station.pk:  # a station's own row leads nowhere new
            row.url = _drill_url(row, query)
    crumbs = [
        (r, _with_query(reverse("dashboards:region", args=[r.pk]), query))
        if can_view_region_dashboard(request.user, r)
        else (r, None)
        for r in dashboard.breadcrumbs
    ]
    by_rate = dashboard.ranking
    by_activity = dashboard.ranking_by_activity
    charts = {
        "trend": _trend_data(dashboard.trend),
        "rate": {
            "labels": [r.label for r in by_rate],
            "values": [
                None if r.figures.closure_rate is None else round(100 * r.figures.closure_rate, 1)
                for r in by_rate
            ],
            "lagging": [r.lagging for r in by_rate],
            "urls": [r.url for r in by_rate],
            "target": None
            if dashboard.figures.closure_rate is None
            else round(100 * dashboard.figures.closure_rate, 1),
        },
        "activity": {
            "labels": [r.label for r in by_activity],
            "values": [r.figures.entries for r in by_activity],
            "urls": [r.url for r in by_activity],
        },
    }
    context = _context(
        request,
        period,
        error,
        today,
        dashboard=dashboard,
        crumbs=crumbs,
        charts=charts,
        export_url=_with_query(export_url, query),
        page_url=page_url,
        motions=_motion_figures(region, period),
    )
    return render(request, "dashboards/area.html", context, status=400 if error else 200)


def _motion_figures(region, period):
    """A county's or a city's deputy suggestions and supervision items (motions app), beside
    the stations' figures: three queries; none below the county (no congress there)."""
    if not exports.shows_motions(region):
        return None
    return region_motion_figures(region=region, period=period)


def _render_deputy(request, deputy: Deputy):
    today = timezone.localdate()
    period, error = parse_period(request.GET, today=today)
    dashboard = selectors.deputy_dashboard(user=request.user, deputy=deputy, period=period, today=today)
    query = urlencode(period.as_query())
    export_url = _with_query(reverse("dashboards:deputy_export", args=[deputy.pk]), query)
    context = _context(
        request,
        period,
        error,
        today,
        dashboard=dashboard,
        charts={"trend": _trend_data(dashboard.trend)},
        export_url=export_url,
        page_url=reverse("dashboards:deputy", args=[deputy.pk]),
    )
    return render(request, "dashboards/deputy.html", context, status=400 if error else 200)


@login_required
def dashboards_index(request):
    """The user's own dashboard: the widest region they oversee, else the station they
    keep, else their deputy's record; other dashboards they hold are offered as links."""
    own = own_dashboards(request.user)
    if not own:
        return render(request, "dashboards/none.html")
    kind, obj = own[0]
    if kind == "region":
        return _render_area(request, region=obj)
    if kind == "station":
        return _render_area(request, station=_station(request, obj.pk))
    return _render_deputy(request, _deputy(request, obj.pk))


@login_required
def dashboards_region(request, pk):
    return _render_area(request, region=_region(request, pk))


@login_required
def dashboards_station(request, pk):
    return _render_area(request, station=_station(request, pk))


@login_required
def dashboards_deputy(request, pk):
    return _render_deputy(request, _deputy(request, pk))


# --- Excel -------------------------------------------------------------------------------------------

AREA_TABLES = exports.AREA_TABLES
DEPUTY_TABLES = exports.DEPUTY_TABLES


def _tables(request, known: dict) -> list[str] | None:
    """The tables asked for (``?table=ranking``); all of them when none is named."""
    name = request.GET.get("table")
    if not name:
        return list(known)
    return [name] if name in known else None


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"dashboard.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _bad_table(known: dict) -> HttpResponseBadRequest:
    names = "、".join(f"{k}（{v}）" for k, v in known.items())
    return HttpResponseBadRequest(
        _("未知的表格。可导出：{names}。").format(names=names).encode(),
        content_type="text/plain; charset=utf-8",
    )


def _export_area(request, *, region=None, station=None):
    """One table is written while the browser waits; "导出全部表格" (no ``table``) runs as a
    background export with progress (1–2 minutes for a city), on the ledgers' machinery."""
    known = exports.area_tables(region)
    tables = _tables(request, known)
    if tables is None:
        return _bad_table(known)
    today = timezone.localdate()
    period, error = parse_period(request.GET, today=today)
    if error:
        return HttpResponseBadRequest(error.encode(), content_type="text/plain; charset=utf-8")
    if not request.GET.get("table"):
        job = export_start(
            user=request.user,
            kind=ExportJob.Kind.DASHBOARD,
            fmt=ExportJob.Format.XLSX,
            title=_("%(scope)s %(period)s 数据看板全部表格")
            % {"scope": (region or station).name, "period": period.label},
            params=exports.area_job_params(region=region, station=station, period=period, today=today),
        )
        return redirect(f"{reverse('visits:exports')}?job={job.pk}")
    book = exports.area_workbook(
        user=request.user, tables=tables, period=period, today=today, region=region, station=station
    )
    return _xlsx(book.content, book.name)


@login_required
def dashboards_region_export(request, pk):
    return _export_area(request, region=_region(request, pk))


@login_required
def dashboards_station_export(request, pk):
    return _export_area(request, station=_station(request, pk))


@login_required
def dashboards_deputy_export(request, pk):
    deputy = _deputy(request, pk)
    tables = _tables(request, DEPUTY_TABLES)
    if tables is None:
        return _bad_table(DEPUTY_TABLES)
    today = timezone.localdate()
    period, error = parse_period(request.GET, today=today)
    if error:
        return HttpResponseBadRequest(error.encode(), content_type="text/plain; charset=utf-8")
    if not request.GET.get("table"):  # every table: a background export, like the areas'
        job = export_start(
            user=request.user,
            kind=ExportJob.Kind.DASHBOARD,
            fmt=ExportJob.Format.XLSX,
            title=_("%(scope)s %(period)s 履职看板全部表格")
            % {"scope": _("{name}代表").format(name=deputy.name), "period": period.label},
            params=exports.deputy_job_params(deputy=deputy, period=period, today=today),
        )
        return redirect(f"{reverse('visits:exports')}?job={job.pk}")
    book = exports.deputy_workbook(user=request.user, deputy=deputy, tables=tables, period=period)
    return _xlsx(book.content, book.name)
