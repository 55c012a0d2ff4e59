"""Every table of a dashboard as an Excel sheet: a title row naming the scope, the period
and the table, a line with the export time, then Chinese column headers (as the ledgers
in ``visits/ledgers.py`` are laid out). Rates are real numbers formatted as percentages,
so they can be sorted and summed in Excel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from liaison.excel import SheetStyle, add_table_sheet, workbook_bytes
from reports.selectors import Figures

PERCENT = "0.0%"


@dataclass
class Sheet:
    name: str  # the sheet tab (≤ 31 characters)
    title: str  # what the table is, e.g. "各县（市、区）办结率排名"
    columns: list[str]
    rows: Iterable[list]
    widths: list[int] = field(default_factory=list)
    percent_columns: tuple[int, ...] = ()  # 0-based columns holding rates


def write_workbook(
    *, sheets: list[Sheet], scope_label: str, period_label: str, counts: list[int] | None = None
) -> bytes:
    """The workbook; ``counts`` (when given) gets each sheet's number of rows."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    exported = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    style = SheetStyle(subtitle_color="5F6670", border_color="999999", head_fill="F0F1F3", head_wrap=True)
    for sheet in sheets:
        ws = add_table_sheet(
            wb,
            name=sheet.name,
            title=f"{scope_label} {period_label} {sheet.title}",
            subtitle=gettext("范围：{scope_label}    期间：{period_label}    导出时间：{exported}").format(
                scope_label=scope_label, period_label=period_label, exported=exported
            ),
            columns=sheet.columns,
            rows=sheet.rows,
            widths=sheet.widths or [14] * len(sheet.columns),
            style=style,
            number_formats=dict.fromkeys(sheet.percent_columns, PERCENT),
        )
        if counts is not None:
            counts.append(ws.max_row - 3)
    return workbook_bytes(wb)


# --- the tables -------------------------------------------------------------------------------


def _rate(value: float | None):
    return value if value is not None else "—"


def figures_sheet(f: Figures) -> Sheet:
    rows = [
        [gettext("活跃站点（个）"), f.stations_active],
        [gettext("接待活动（场）"), f.sessions],
        [gettext("进站（人次）"), f.entries],
        [gettext("其中：人大代表进站（人次）"), f.deputy_entries],
        [gettext("其中：领导干部进站（人次）"), f.cadre_entries],
        [gettext("接待群众（人次）"), f.citizens_received],
        [gettext("收集问题（件）"), f.collected],
        [gettext("已办结（件）"), f.closed],
        [gettext("办结率"), _rate(f.closure_rate)],
        [gettext("按期办结率"), _rate(f.on_time_rate)],
        [gettext("答复率"), _rate(f.reply_rate)],
        [gettext("满意率"), _rate(f.satisfaction_rate)],
        [
            gettext("平均办结用时（工作日）"),
            round(f.avg_close_days, 1) if f.avg_close_days is not None else "—",
        ],
        [gettext("当前逾期（件）"), f.overdue],
        [gettext("即将到期（件）"), f.due_soon],
    ]
    sheet = Sheet(
        gettext("主要指标"), gettext("主要指标"), [gettext("指标"), gettext("数值")], rows, [30, 16]
    )
    return sheet


def groups_sheet(f: Figures) -> Sheet:
    """The figures table of the published reports: deputies and leading cadres."""
    rows = []
    for label, w in ((gettext("五级人大代表"), f.deputies), (gettext("市县领导干部"), f.cadres)):
        rate = w.issues_closed / w.issues_collected if w.issues_collected else None
        rows.append([label, w.entries, w.citizens_received, w.issues_collected, w.issues_closed, _rate(rate)])
    columns = [
        gettext("对象"),
        gettext("进站（人次）"),
        gettext("接待群众（人次）"),
        gettext("收集问题（件）"),
        gettext("办结（件）"),
        gettext("办结率"),
    ]
    return Sheet(
        gettext("分类统计"),
        gettext("代表和领导干部进站接待情况"),
        columns,
        rows,
        [16, 14, 16, 14, 12, 10],
        (5,),
    )


def trend_sheet(trend: list, period_label: str) -> Sheet:
    rows = [
        [
            gettext("{year}年{month}月").format(year=m.year, month=m.month),
            f.sessions,
            f.entries,
            f.citizens_received,
            f.collected,
            f.closed,
            _rate(f.closure_rate),
        ]
        for m, f in trend
    ]
    columns = [
        gettext("月份"),
        gettext("接待活动（场）"),
        gettext("进站（人次）"),
        gettext("接待群众（人次）"),
        gettext("收集问题（件）"),
        gettext("已办结（件）"),
        gettext("办结率"),
    ]
    return Sheet(
        gettext("月度趋势"),
        gettext("月度趋势（{period_label}）").format(period_label=period_label),
        columns,
        rows,
        [12, 14, 12, 16, 14, 12, 10],
        (6,),
    )


RANKING_COLUMNS = [
    _("办结率排名"),
    _("活跃度排名"),
    _("名称"),
    _("类型"),
    _("活跃站点（个）"),
    _("接待活动（场）"),
    _("进站（人次）"),
    _("接待群众（人次）"),
    _("收集问题（件）"),
    _("已办结（件）"),
    _("办结率"),
    _("按期办结率"),
    _("答复率"),
    _("满意率"),
    _("当前逾期（件）"),
]


def ranking_sheet(rows: list, level_label: str) -> Sheet:
    data = [
        [
            r.closure_rank,
            r.activity_rank,
            r.label,
            r.note or level_label,
            r.figures.stations_active,
            r.figures.sessions,
            r.figures.entries,
            r.figures.citizens_received,
            r.figures.collected,
            r.figures.closed,
            _rate(r.figures.closure_rate),
            _rate(r.figures.on_time_rate),
            _rate(r.figures.reply_rate),
            _rate(r.figures.satisfaction_rate),
            r.figures.overdue,
        ]
        for r in rows
    ]
    widths = [10, 10, 28, 12, 12, 12, 12, 14, 12, 12, 10, 10, 10, 10, 12]
    return Sheet(
        gettext("排名"),
        gettext("各{level_label}排名").format(level_label=level_label),
        RANKING_COLUMNS,
        data,
        widths,
        (10, 11, 12, 13),
    )


def idle_sheet(values: Iterable[dict]) -> Sheet:
    rows = (
        [i, v["name"], v["occupation"], v["station_name"], v["region_name"]]
        for i, v in enumerate(values, start=1)
    )
    columns = [
        gettext("序号"),
        gettext("姓名"),
        gettext("职业/单位职务"),
        gettext("所在联络站（点）"),
        gettext("所在区域"),
    ]
    return Sheet(gettext("未进站代表"), gettext("本期未进站代表名单"), columns, rows, [6, 12, 30, 30, 16])


def _ticket_row(i: int, t) -> list:
    return [
        i,
        t.station.name,
        t.category.name if t.category_id else "",
        t.content[:60],
        t.handling_unit.name if t.handling_unit_id else "",
        t.get_status_display(),
        t.due_on.isoformat() if t.due_on else "",
        t.deadline.label if getattr(t, "deadline", None) else "",
    ]


TICKET_COLUMNS = [
    _("序号"),
    _("联络站（点）"),
    _("类别"),
    _("内容摘要"),
    _("承办单位"),
    _("状态"),
    _("办理期限"),
    _("期限情况"),
]
TICKET_WIDTHS = [6, 26, 12, 48, 24, 10, 12, 16]


def overdue_sheet(tickets: list) -> Sheet:
    rows = [_ticket_row(i, t) for i, t in enumerate(tickets, start=1)]
    return Sheet(
        gettext("逾期及即将到期"), gettext("逾期及即将到期的意见建议"), TICKET_COLUMNS, rows, TICKET_WIDTHS
    )


def receptions_sheet(sessions: Iterable) -> Sheet:
    rows = (
        [
            i,
            timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M"),
            s.station.name,
            s.get_kind_display(),
            s.theme,
            s.citizens_received,
        ]
        for i, s in enumerate(sessions, start=1)
    )
    columns = [
        gettext("序号"),
        gettext("时间"),
        gettext("联络站（点）"),
        gettext("活动类型"),
        gettext("主题"),
        gettext("接待群众（人次）"),
    ]
    return Sheet(gettext("接待活动"), gettext("本期接待活动"), columns, rows, [6, 18, 28, 12, 40, 16])


def deputy_tickets_sheet(tickets: list) -> Sheet:
    rows = [
        [
            i,
            timezone.localtime(t.received_at).strftime("%Y-%m-%d"),
            t.station.name,
            t.category.name if t.category_id else "",
            t.content[:60],
            t.get_tier_display() if t.tier else "",
            t.handling_unit.name if t.handling_unit_id else "",
            t.get_status_display(),
            timezone.localtime(t.closed_at).strftime("%Y-%m-%d") if t.closed_at else "",
        ]
        for i, t in enumerate(tickets, start=1)
    ]
    columns = [
        gettext("序号"),
        gettext("收集日期"),
        gettext("联络站（点）"),
        gettext("类别"),
        gettext("内容摘要"),
        gettext("处理层级"),
        gettext("承办单位"),
        gettext("状态"),
        gettext("办结日期"),
    ]
    return Sheet(
        gettext("收集的意见建议"),
        gettext("本人收集的意见建议及办理情况"),
        columns,
        rows,
        [6, 12, 26, 12, 48, 18, 24, 10, 12],
    )


# --- an area's (region's or station's) workbook, in the request or as a background job ------

AREA_TABLES = {
    "figures": _("主要指标"),
    "groups": _("分类统计"),
    "trend": _("月度趋势"),
    "ranking": _("排名"),
    "idle": _("未进站代表"),
    "overdue": _("逾期及即将到期"),
    "receptions": _("接待活动"),
}


# a county's or a city's dashboard also has the deputy suggestions and supervision items
MOTION_TABLES = {"motions": _("代表建议和督办事项")}


def area_tables(region) -> dict:
    """The tables of a region's (``region``) or a station's (``None``) dashboard."""
    return {**AREA_TABLES, **MOTION_TABLES} if shows_motions(region) else AREA_TABLES


def shows_motions(region) -> bool:
    """Only a county or a city has a people's congress whose suggestions are counted."""
    from stations.models import RegionLevel

    return region is not None and region.level in (RegionLevel.CITY, RegionLevel.COUNTY)


def motion_sheets(figs) -> list[Sheet]:
    """The motions block of the dashboard (``motions.selectors.region_motion_figures``):
    per lead unit, per session, and the supervision items' summary."""
    from motions.tables import FIGURE_COLUMNS, figure_cells, supervision_cells

    columns = [str(c) for c in FIGURE_COLUMNS]
    widths = [28] + [10] * (len(columns) - 1)
    years = "、".join(str(y) for y in figs.years)
    return [
        Sheet(
            gettext("代表建议按承办单位"),
            gettext("代表建议办理情况（按主办单位）"),
            columns,
            [figure_cells(r) for r in figs.units],
            widths,
        ),
        Sheet(
            gettext("代表建议按会议"),
            gettext("代表建议办理情况（按会议）"),
            columns,
            [figure_cells(r) for r in figs.sessions],
            widths,
        ),
        Sheet(
            gettext("督办事项"),
            gettext("{years}年度督办事项办理情况").format(years=years),
            [gettext("指标"), gettext("数值")],
            supervision_cells(figs.supervision),
            [30, 16],
        ),
    ]


@dataclass(frozen=True)
class AreaWorkbook:
    content: bytes
    name: str
    row_count: int
    full_views: list = field(default_factory=list)  # no sheet shows a citizen in full


def area_workbook(
    *, user, tables: list[str], period, today, region=None, station=None, progress=None
) -> AreaWorkbook:
    """The asked tables of a region's or a station's dashboard as one workbook: only what
    they need is read (an export of one list skips the rest of the page)."""
    from dashboards import selectors
    from reports.periods import Scope
    from reports.selectors import figures
    from suggestions.selectors import with_deadlines

    scope = Scope(region=region) if region is not None else Scope(station=station)
    title = (region or station).name
    total = figures(scope=scope, period=period) if {"figures", "groups", "ranking"} & set(tables) else None
    sheets = []
    for done, table in enumerate(tables):
        if table == "figures":
            sheets.append(figures_sheet(total))
        elif table == "groups":
            sheets.append(groups_sheet(total))
        elif table == "trend":
            trend_p = selectors.trend_period(period)
            sheets.append(trend_sheet(selectors.monthly_trend(scope=scope, period=trend_p), trend_p.label))
        elif table == "ranking":
            label, rows = selectors.area_ranking(scope=scope, period=period, overall=total)
            sheets.append(ranking_sheet(rows, label))
        elif table == "idle":
            qs = selectors.idle_deputies_qs(scope=scope, period=period)
            values = qs.values(*selectors.IDLE_FIELDS, **selectors.IDLE_RELATED).iterator(chunk_size=2000)
            sheets.append(idle_sheet(values))
        elif table == "overdue":
            qs = selectors.overdue_tickets_qs(user=user, scope=scope, today=today)
            sheets.append(overdue_sheet(with_deadlines(qs, today=today)))
        elif table == "receptions":
            qs = selectors.receptions_qs(user=user, scope=scope, period=period)
            sheets.append(receptions_sheet(qs.iterator(chunk_size=2000)))
        elif table == "motions" and region is not None:
            from motions.selectors import region_motion_figures

            sheets += motion_sheets(region_motion_figures(region=region, period=period))
        if progress:
            progress(5 + 45 * (done + 1) // len(tables))
    counts: list[int] = []
    content = write_workbook(sheets=sheets, scope_label=title, period_label=period.label, counts=counts)
    suffix = area_tables(region)[tables[0]] if len(tables) == 1 else gettext("数据看板")
    return AreaWorkbook(content, f"{title}_{period.label}_{suffix}.xlsx", sum(counts))


def area_job_params(*, region=None, station=None, period, today) -> dict:
    return {
        "region": region.pk if region is not None else None,
        "station": str(station.pk) if station is not None else None,
        "period": period.as_query(),
        "today": today.isoformat(),
    }


def _area_of(params: dict):
    from stations.models import Region, Station

    if params.get("region") is not None:
        return Region.objects.get(pk=params["region"]), None
    return None, Station.objects.select_related("region").get(pk=params["station"])


DEPUTY_TABLES = {
    "figures": _("主要指标"),
    "trend": _("月度趋势"),
    "receptions": _("接待活动"),
    "tickets": _("收集的意见建议"),
}


def deputy_workbook(*, user, deputy, tables: list[str], period, progress=None) -> AreaWorkbook:
    """The asked tables of a deputy's dashboard (履职看板) as one workbook."""
    from dashboards import selectors
    from reports.periods import Scope
    from reports.selectors import figures

    scope = Scope(deputy=deputy)
    sheets = []
    for done, table in enumerate(tables):
        if table == "figures":
            sheets.append(figures_sheet(figures(scope=scope, period=period)))
        elif table == "trend":
            trend_p = selectors.trend_period(period)
            sheets.append(trend_sheet(selectors.monthly_trend(scope=scope, period=trend_p), trend_p.label))
        elif table == "receptions":
            qs = selectors.receptions_qs(user=user, scope=scope, period=period)
            sheets.append(receptions_sheet(qs.iterator(chunk_size=2000)))
        elif table == "tickets":
            qs = selectors.deputy_tickets_qs(user=user, deputy=deputy, period=period)
            sheets.append(deputy_tickets_sheet(list(qs)))
        if progress:
            progress(5 + 45 * (done + 1) // len(tables))
    title = gettext("{name}代表").format(name=deputy.name)
    counts: list[int] = []
    content = write_workbook(sheets=sheets, scope_label=title, period_label=period.label, counts=counts)
    suffix = DEPUTY_TABLES[tables[0]] if len(tables) == 1 else gettext("履职看板")
    return AreaWorkbook(content, f"{title}_{period.label}_{suffix}.xlsx", sum(counts))


def deputy_job_params(*, deputy, period, today) -> dict:
    return {"deputy": str(deputy.pk), "period": period.as_query(), "today": today.isoformat()}


def _deputy_of(params: dict):
    from deputies.models import Deputy

    return Deputy.objects.select_related("home_station").get(pk=params["deputy"])


def area_job_render(job, progress) -> AreaWorkbook:
    """The background form of "导出全部表格": the same workbook the request would write,
    as of the day it was asked for."""
    import datetime as dt

    from reports.periods import Period

    today = dt.date.fromisoformat(job.params["today"])
    period = Period.parse(job.params["period"], today=today)
    if job.params.get("deputy"):  # a deputy's 履职看板
        deputy = _deputy_of(job.params)
        return deputy_workbook(
            user=job.created_by, deputy=deputy, tables=list(DEPUTY_TABLES), period=period, progress=progress
        )
    region, station = _area_of(job.params)
    return area_workbook(
        user=job.created_by,
        tables=list(area_tables(region)),
        period=period,
        today=today,
        region=region,
        station=station,
        progress=progress,
    )


def area_job_may_fetch(user, job) -> bool:
    """Whoever asked may fetch it while they may still see that dashboard."""
    from liaison.scoping import can_view_region_dashboard, can_view_station_dashboard, scoped

    if job.params.get("deputy"):
        try:
            deputy = _deputy_of(job.params)
        except (ObjectDoesNotExist, ValueError, ValidationError):
            return False
        return scoped(user, type(deputy).objects.filter(pk=deputy.pk)).exists()
    try:
        region, station = _area_of(job.params)
    except (LookupError, ValueError):
        return False
    if region is not None:
        return scoped(user, type(region).objects.filter(pk=region.pk)).exists() and can_view_region_dashboard(
            user, region
        )
    return scoped(user, type(station).objects.filter(pk=station.pk)).exists() and can_view_station_dashboard(
        user, station
    )


def register_export_kind() -> None:
    """Called from ``DashboardsConfig.ready``: the dashboards' exports run on the ledger's
    background-export machinery (``visits.services.EXPORT_KINDS``)."""
    from visits.models import ExportJob
    from visits.services import export_kind_register

    export_kind_register(ExportJob.Kind.DASHBOARD, render=area_job_render, may_fetch=area_job_may_fetch)


# --- 意见建议分类统计 (dashboards.category_views) ------------------------------------------------


def category_workbook(*, stats, scope_label: str, period_label: str, chosen: str | None = None) -> bytes:
    """The category page's four tables: by category, by tier, the monthly trend of the top
    categories, and the share per region (or station)."""

    def counted(rows):
        return [
            [r["name"], r["collected"], r["closed"], _rate(r["closure_rate"]), _rate(r["share"])]
            for r in rows
        ]

    head = [gettext("名称"), gettext("收集（件）"), gettext("办结（件）"), gettext("办结率"), gettext("占比")]
    suffix = f"（{chosen}）" if chosen else ""
    shown = [t["name"] for t in stats.trend]
    sheets = [
        Sheet(
            gettext("按类别"),
            gettext("意见建议分类统计") + suffix,
            head,
            counted(stats.categories),
            [24, 12, 12, 10, 10],
            (3, 4),
        ),
        Sheet(
            gettext("按分级处理"),
            gettext("意见建议分级处理统计") + suffix,
            head,
            counted(stats.tiers),
            [24, 12, 12, 10, 10],
            (3, 4),
        ),
        Sheet(
            gettext("分类趋势"),
            gettext("主要类别月度趋势") + suffix,
            [gettext("类别")] + [m.strftime("%Y-%m") for m in stats.months],
            [[t["name"], *t["counts"]] for t in stats.trend],
            [24] + [10] * len(stats.months),
        ),
        Sheet(
            gettext("各地占比"),
            gettext("各地主要类别占比") + suffix,
            [gettext("名称"), gettext("收集（件）")]
            + [f"{n}（{gettext('件')}）" for n in shown]
            + [f"{n}（{gettext('占比')}）" for n in shown],
            [
                [
                    c["name"],
                    c["collected"],
                    *[n for n, _s in c["shares"]],
                    *[_rate(s) for _n, s in c["shares"]],
                ]
                for c in stats.children
            ],
            [24, 12] + [10] * (2 * len(shown)),
            tuple(range(2 + len(shown), 2 + 2 * len(shown))),
        ),
    ]
    return write_workbook(sheets=sheets, scope_label=scope_label, period_label=period_label)
