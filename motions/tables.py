"""The figures' tables as rows (the figures page's Excel, the dashboards' sheets)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

FIGURE_COLUMNS = [
    _("名称"),
    _("交办件数"),
    _("已答复"),
    _("按期答复"),
    _("按期率（%）"),
    _("A 类"),
    _("B 类"),
    _("C 类"),
    _("A 类占比（%）"),
    _("满意"),
    _("基本满意"),
    _("不满意"),
    _("满意率（%）"),
    _("重新办理件数"),
]


def figure_cells(r) -> list:
    return [
        r.name,
        r.assigned,
        r.replied,
        r.on_time,
        r.on_time_rate,
        r.a,
        r.b,
        r.c,
        r.a_share,
        r.satisfied,
        r.basic,
        r.unsatisfied,
        r.satisfaction_rate,
        r.rehandled,
    ]


def supervision_cells(summary) -> list[list]:
    """The annual list's summary as (indicator, value) rows."""

    def rate(value):
        return "—" if value is None else value

    return [
        [gettext("督办事项（项）"), summary.total],
        [gettext("已报告（项）"), summary.reported],
        [gettext("按期报告（项）"), summary.reported_on_time],
        [gettext("按期报告率（%）"), rate(summary.on_time_rate)],
        [gettext("已测评（项）"), summary.evaluated],
        [gettext("满意和基本满意（项）"), summary.satisfied],
        [gettext("满意率（%）"), rate(summary.satisfaction_rate)],
        [gettext("再督办（项）"), summary.resupervised],
        [gettext("已办结（项）"), summary.closed],
        [gettext("办结率（%）"), rate(summary.closure_rate)],
    ]


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def circular_section(*, region, period):
    """The circular's (通报, ``oversight.circulars``) section on the period's deputy
    suggestions and supervision items, from the dashboards' selector
    (``motions.selectors.region_motion_figures``): the same numbers as the dashboard.
    Listed in ``oversight.circulars.OTHER_SECTIONS``, which numbers it after the
    circular's own four sections."""
    from motions.selectors import region_motion_figures
    from oversight.circulars import CircularSection

    figs = region_motion_figures(region=region, period=period)
    t, s = figs.total, figs.supervision
    lines = []
    if figs.sessions:
        lines.append(
            gettext(
                "%(sessions)s代表提出的建议已交办%(assigned)s件，已答复%(replied)s件，按期答复率%(on_time)s；"
                "答复中A类（已解决或采纳）占%(a)s，B类（正在解决或列入计划）占%(b)s，C类（留作参考或说明）占%(c)s；"
                "代表满意率（含基本满意）%(satisfaction)s，因代表不满意重新办理%(rehandled)s件。"
            )
            % {
                "sessions": "、".join(r.name for r in figs.sessions),
                "assigned": t.assigned,
                "replied": t.replied,
                "on_time": _pct(t.on_time_rate),
                "a": _pct(t.a_share),
                "b": _pct(t.b_share),
                "c": _pct(t.c_share),
                "satisfaction": _pct(t.satisfaction_rate),
                "rehandled": t.rehandled,
            }
        )
        for r in figs.units:
            lines.append(
                gettext("%(name)s：主办%(assigned)s件，按期答复率%(on_time)s，满意率%(satisfaction)s")
                % {
                    "name": r.name,
                    "assigned": r.assigned,
                    "on_time": _pct(r.on_time_rate),
                    "satisfaction": _pct(r.satisfaction_rate),
                }
            )
    else:
        lines.append(gettext("本期没有召开人民代表大会会议，无新交办的代表建议。"))
    lines.append(
        gettext(
            "%(years)s年度督办事项%(total)s项，已报告%(reported)s项，按期报告率%(on_time)s；"
            "已测评%(evaluated)s项，满意率（含基本满意）%(satisfaction)s；再督办%(resupervised)s项；"
            "已办结%(closed)s项。"
        )
        % {
            "years": "、".join(str(y) for y in figs.years),
            "total": s.total,
            "reported": s.reported,
            "on_time": _pct(s.on_time_rate),
            "evaluated": s.evaluated,
            "satisfaction": _pct(s.satisfaction_rate),
            "resupervised": s.resupervised,
            "closed": s.closed,
        }
    )
    figures = {
        "sessions": [r.name for r in figs.sessions],
        "assigned": t.assigned,
        "replied": t.replied,
        "rehandled": t.rehandled,
        "supervision_total": s.total,
        "supervision_reported": s.reported,
        "supervision_closed": s.closed,
    }
    return CircularSection(
        key="motions", heading=gettext("代表建议和督办事项办理情况"), lines=lines, figures=figures
    )
