"""The annual list of supervision items (督办事项清单) as a PDF to print and circulate:
landscape A4, the header row repeated on each page, "第 N 页 共 M 页" at the foot, the CJK
font embedded (``liaison.pdf``)."""

from __future__ import annotations

import io
from html import escape

from liaison import pdf

COLUMNS = ["序号", "督办事项", "责任单位", "限期报告", "报告日期", "测评（满意/基本/不满意）", "结果", "状态"]
WIDTHS = [5, 34, 22, 10, 10, 14, 8, 8]


def _date(d) -> str:
    return d.isoformat() if d else "—"


def write_supervision_pdf(*, year: int, items, summary) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

    font = pdf.register_font()
    page = landscape(A4)
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1)
    meta = ParagraphStyle("meta", fontName=font, fontSize=10, leading=14)
    cell = pdf.cell_style("cell", size=8.5, leading=11)
    head = ParagraphStyle("head", parent=cell, alignment=1)
    out = io.BytesIO()
    heading = f"{year} 年督办事项清单"
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=heading,
        author="人大代表联络站工作平台",
    )
    usable = page[0] - 24 * mm
    widths = [w * usable / sum(WIDTHS) for w in WIDTHS]
    least = pdf.date_width(cell.fontSize) + 12.5
    for i in (3, 4):
        widths[i] = max(widths[i], least)
    widths[1] -= sum(widths) - usable
    rows = [
        [
            str(i.number),
            i.title,
            "、".join(u.name for u in i.departments.all()),
            _date(i.report_due),
            _date(i.reported_on),
            f"{i.votes_satisfied}/{i.votes_basic}/{i.votes_unsatisfied}" if i.outcome else "—",
            i.get_outcome_display() or "—",
            i.get_status_display(),
        ]
        for i in items
    ]
    data = [[pdf.cell(c, w, head) for c, w in zip(COLUMNS, widths, strict=True)]]
    data += [[pdf.cell(v, w, cell) for v, w in zip(row, widths, strict=True)] for row in rows]
    if not rows:
        data.append([Paragraph("本年度没有督办事项", cell)] + [""] * (len(COLUMNS) - 1))
    table = LongTable(data, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]
    if not rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(style)

    def rate(value) -> str:
        return "—" if value is None else f"{value}%"

    line = (
        f"共 {summary.total} 项，已办结 {summary.closed} 项（{rate(summary.closure_rate)}）；"
        f"按期报告率 {rate(summary.on_time_rate)}；测评满意率 {rate(summary.satisfaction_rate)}；"
        f"再督办 {summary.resupervised} 项"
    )
    story = [
        Paragraph(escape(heading), title),
        Spacer(1, 4 * mm),
        Paragraph(escape(line), meta),
        Spacer(1, 3 * mm),
        table,
    ]
    with pdf.building():
        doc.build(story, canvasmaker=pdf.numbered_canvas(page[0], y=8 * mm))
    return out.getvalue()
