"""Circulars (通报): generated for a period and a region from the report figures (the
dashboards' own ``reports.selectors.figures``/``figures_by``, so the circular's numbers are
the dashboard's), the stations' stars and the deputies' evaluation of the year, and the
inspection problems of the period; edited while a draft; issued and kept. Written as Word
(python-docx) and PDF (ReportLab, ``liaison.pdf``) in the official layout: title, document
number, body, issuing office and date."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import Circular, EvaluationResult, InspectionFinding, StationRating
from reports.periods import Period, Scope
from reports.selectors import figures, figures_by
from stations.models import Region


@dataclass(frozen=True)
class CircularSection:
    """A section another app adds to the circular: its heading (without the number), its
    lines of text, and its figures (stored with the circular under ``figures["other"]``)."""

    key: str
    heading: str
    lines: list[str]
    figures: dict


# Other sections, after the circular's own four (e.g. the motions app's 代表建议/督办 figures):
# each a function ``(*, region, period) -> CircularSection | None``, listed here, numbered
# in this order. One line to add one.
def _motions_section(*, region: Region, period: Period) -> CircularSection | None:
    from motions.tables import circular_section  # motions imports this module's CircularSection

    return circular_section(region=region, period=period)


OTHER_SECTIONS: list[Callable[..., CircularSection | None]] = [_motions_section]

_NUMERALS = "一二三四五六七八九十"


def other_sections(*, region: Region, period: Period) -> list[CircularSection]:
    built = (build(region=region, period=period) for build in OTHER_SECTIONS)
    return [section for section in built if section is not None]


# the figures a circular states, in its order (names of reports.selectors.Figures)
STATED = ("sessions", "entries", "citizens_received", "collected", "closed", "on_time", "rated", "satisfied")


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def circular_figures(*, region: Region, period: Period) -> dict:
    """The period's figures for the region and one level below (the dashboard's reads)."""
    scope = Scope(region=region)
    whole = figures(scope=scope, period=period).as_dict()
    children = {r.path: r for r in region.get_children()}
    below = []
    for path, f in figures_by(scope=scope, period=period, by="child").items():
        child = children.get(path)
        if child is not None:
            below.append(
                {
                    "name": child.name,
                    **{k: v for k, v in f.as_dict().items() if k in STATED},
                    "closure_rate": f.closure_rate,
                }
            )
    below.sort(key=lambda r: (-(r["closure_rate"] or 0), r["name"]))
    return {
        "whole": {k: whole[k] for k in (*STATED, "closure_rate", "on_time_rate", "satisfaction_rate")},
        "below": below,
    }


def _draft_body(*, region: Region, period: Period, figs: dict, sections=()) -> str:
    w = figs["whole"]
    year = period.end.year
    lines = [
        _("一、总体情况"),
        _(
            "%(period)s，全%(region)s各联络站（点）共开展接待活动%(sessions)s场，代表和领导干部进站%(entries)s人次，"
            "接待群众%(citizens)s人次，收集意见建议%(collected)s件，办结%(closed)s件，办结率%(closure)s，"
            "按期办结率%(on_time)s，群众满意率%(satisfaction)s。"
        )
        % {
            "period": period.label,
            "region": region.name,
            "sessions": w["sessions"],
            "entries": w["entries"],
            "citizens": w["citizens_received"],
            "collected": w["collected"],
            "closed": w["closed"],
            "closure": _pct(w["closure_rate"]),
            "on_time": _pct(w["on_time_rate"]),
            "satisfaction": _pct(w["satisfaction_rate"]),
        },
        "",
        _("二、各地排名（按办结率）"),
    ]
    for i, r in enumerate(figs["below"], start=1):
        lines.append(
            _("%(rank)s. %(name)s：收集%(collected)s件，办结%(closed)s件，办结率%(closure)s")
            % {
                "rank": i,
                "name": r["name"],
                "collected": r["collected"],
                "closed": r["closed"],
                "closure": _pct(r["closure_rate"]),
            }
        )
    ratings = StationRating.objects.filter(
        year=year, station__region__path__startswith=region.path
    ).select_related("station")
    praised = [r.station.name for r in ratings if r.stars >= 4]
    lagging = [r.station.name for r in ratings if r.stars <= 1]
    short = EvaluationResult.objects.filter(
        run__year=year, run__region__path__startswith=region.path, flagged=True
    ).select_related("deputy")
    lines += [
        "",
        _("三、表扬和鞭策"),
        _("四星级以上联络站（予以通报表扬）：%(names)s") % {"names": "、".join(praised) or _("无")},
        _("一星级以下联络站（限期整改）：%(names)s") % {"names": "、".join(lagging) or _("无")},
        _("履职考核未达要求的代表：%(names)s")
        % {"names": "、".join(sorted({r.deputy.name for r in short})) or _("无")},
        "",
        _("四、督导检查发现的问题"),
    ]
    problems = InspectionFinding.objects.filter(
        passed=False,
        inspection__station__region__path__startswith=region.path,
        inspection__visited_on__gte=period.first_day,
        inspection__visited_on__lte=period.last_day,
    ).select_related("inspection__station")
    for p in problems.order_by("inspection__visited_on", "pk"):
        deadline = _("，限%(date)s前整改") % {"date": p.fix_by.isoformat()} if p.fix_by else ""
        done = _("（已整改）") if p.fixed_on else ""
        lines.append(f"{p.inspection.station.name}：{_(p.get_item_display())}——{p.finding}{deadline}{done}")
    if not problems:
        lines.append(_("本期督导检查未发现问题。"))
    for number, section in enumerate(sections or (), start=5):
        lines += [
            "",
            f"{_NUMERALS[number - 1] if number <= 10 else number}、{section.heading}",
            *section.lines,
        ]
    return "\n".join(lines)


@transaction.atomic
def circular_draft(*, region: Region, period: Period, actor, issuing_office: str) -> Circular:
    figs = circular_figures(region=region, period=period)
    sections = other_sections(region=region, period=period)
    if sections:
        figs["other"] = {section.key: section.figures for section in sections}
    return Circular.objects.create(
        region=region,
        period_start=period.start,
        period_end=period.end,
        title=_("关于%(region)s%(period)s人大代表联络站工作情况的通报")
        % {"region": region.name, "period": period.label},
        issuing_office=issuing_office,
        body=_draft_body(region=region, period=period, figs=figs, sections=sections),
        figures=figs,
        created_by=actor,
    )


@transaction.atomic
def circular_update(*, circular_id: int, title: str, number: str, issuing_office: str, body: str) -> Circular:
    c = Circular.objects.select_for_update().get(pk=circular_id)
    if c.status == Circular.Status.ISSUED:
        raise ValidationError(_("通报已印发，不能修改。"))
    if not title.strip() or not body.strip() or not issuing_office.strip():
        raise ValidationError(_("标题、正文和发文机关不能为空。"))
    c.title, c.number, c.issuing_office, c.body = title.strip(), number.strip(), issuing_office.strip(), body
    c.save(update_fields=["title", "number", "issuing_office", "body"])
    return c


@transaction.atomic
def circular_issue(*, circular_id: int, actor) -> Circular:
    c = Circular.objects.select_for_update().get(pk=circular_id)
    if c.status == Circular.Status.ISSUED:
        return c
    if not c.number.strip():
        raise ValidationError(_("印发前请填写文号。"))
    c.status = Circular.Status.ISSUED
    c.issued_on = timezone.localdate()
    c.issued_by = actor
    c.save(update_fields=["status", "issued_on", "issued_by"])
    return c


def _date_text(day: dt.date | None) -> str:
    day = day or timezone.localdate()
    return f"{day.year}年{day.month}月{day.day}日"


def write_docx(c: Circular) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "FangSong"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    style.font.size = Pt(16)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(c.title)
    run.bold = True
    run.font.size = Pt(22)
    number = doc.add_paragraph(c.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in c.body.split("\n"):
        doc.add_paragraph(line)
    for text in (c.issuing_office, _date_text(c.issued_on)):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_pdf(c: Circular) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from liaison import pdf

    pdf.register_font()
    title = pdf.cell_style("ctitle", size=20, leading=30, alignment=1)
    centre = pdf.cell_style("cnum", size=12, leading=18, alignment=1)
    body = pdf.cell_style("cbody", size=12, leading=20)
    right = pdf.cell_style("cright", size=12, leading=20, alignment=2)
    width = A4[0] - 50 * mm
    from html import escape

    def para(text, style):
        lines = pdf.fit_lines(text, width, style.fontSize) if style is body else [text]
        return Paragraph("<br/>".join(escape(x, quote=False) for x in lines) or "&nbsp;", style)

    story = [para(c.title, title), Spacer(1, 3 * mm), para(c.number, centre), Spacer(1, 6 * mm)]
    story += [para(line, body) for line in c.body.split("\n")]
    story += [Spacer(1, 10 * mm), para(c.issuing_office, right), para(_date_text(c.issued_on), right)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=c.title,
    )
    with pdf.building():
        doc.build(story, canvasmaker=pdf.numbered_canvas(A4[0], y=12 * mm))
    return out.getvalue()
