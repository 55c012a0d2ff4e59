"""The two paper books every station keeps, written as Excel and as a printable PDF:
《人大代表接待群众意见建议登记簿》 (receptions at the station, themed and online) and
《人大代表走访群众意见建议登记簿》 (door-to-door visits).

The rows come from ``visits.selectors.ledger_tickets`` (one query, whatever the size);
personal data is masked per ticket by ``liaison.scoping.can_see_citizen_data``."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison import pdf
from liaison.excel import SheetStyle, add_table_sheet, workbook_bytes
from liaison.scoping import can_see_citizen_data
from suggestions.models import Ticket

COLUMNS = (
    gettext_lazy("序号"),
    gettext_lazy("日期"),
    gettext_lazy("接待代表"),
    gettext_lazy("群众姓名"),
    gettext_lazy("联系方式"),
    gettext_lazy("村（社区）"),
    gettext_lazy("意见建议内容"),
    gettext_lazy("处理情况"),
    gettext_lazy("办理结果"),
    gettext_lazy("答复情况"),
)
# Relative column widths (Excel characters; the PDF scales them to the page).
WIDTHS = (6, 11, 9, 9, 13, 12, 31, 20, 13, 28)
DATE_COLUMNS = (1, 8, 9)  # never narrower than a date in the PDF

TITLES = {
    "reception": gettext_lazy("人大代表接待群众意见建议登记簿"),
    "door_to_door": gettext_lazy("人大代表走访群众意见建议登记簿"),
}

REPLIED = {Ticket.Status.REPLIED, Ticket.Status.DELIVERED, Ticket.Status.CLOSED}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Ledger:
    title: str
    station_name: str
    date_from: dt.date
    date_to: dt.date
    rows: list[list[str]]

    @property
    def period(self) -> str:
        return _("{date_from:%Y年%m月%d日} 至 {date_to:%Y年%m月%d日}").format(
            date_from=self.date_from, date_to=self.date_to
        )

    @property
    def filename_stem(self) -> str:
        return f"{self.title}_{self.station_name}_{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}"


def shows_full(user, ticket: Ticket) -> bool:
    return can_see_citizen_data(user, ticket)


def ticket_ledger_row(number: int, ticket: Ticket, *, full: bool) -> list[str]:
    """One line of the book. ``full``: the viewer may see this citizen's details."""
    receiver = ticket.receiver
    village = ticket.village.name if ticket.village else ""
    address = ticket.citizen_address if full else ticket.masked_citizen_address
    handling = [ticket.on_the_spot_action] if ticket.on_the_spot_action else []
    if ticket.tier:
        handling.append(ticket.get_tier_display())
    if ticket.handling_unit:
        handling.append(_("交办{name}").format(name=ticket.handling_unit.name))
    result = ticket.get_status_display()
    if ticket.closed_at:
        result += f"（{timezone.localtime(ticket.closed_at):%Y-%m-%d}）"
    return [
        str(number),
        f"{timezone.localtime(ticket.received_at):%Y-%m-%d}",
        receiver.name if receiver else "",
        ticket.citizen_name if full else ticket.masked_citizen_name,
        ticket.citizen_phone if full else ticket.masked_citizen_phone,
        "，".join(part for part in (village, address) if part),
        ticket.content,
        "；".join(handling),
        result,
        reply_summary(ticket),
    ]


def reply_summary(ticket: Ticket) -> str:
    """答复情况: the latest reply with its date, the citizen's evaluation and the date the
    reply was fed back to them, from ``TicketQuerySet.with_reply_summary``'s annotations."""
    text = getattr(ticket, "last_reply_text", None)
    if ticket.status not in REPLIED or not text:
        return _("未答复")
    lines = [
        _("已答复（%(date)s）：%(text)s")
        % {"date": f"{timezone.localtime(ticket.last_reply_at):%Y-%m-%d}", "text": text}
    ]
    if ticket.satisfaction:
        lines.append(_("群众评价：%(value)s") % {"value": ticket.get_satisfaction_display()})
    if ticket.last_delivered_at:
        lines.append(
            _("反馈日期：%(date)s") % {"date": f"{timezone.localtime(ticket.last_delivered_at):%Y-%m-%d}"}
        )
    return "\n".join(lines)


def build_ledger(
    *,
    user,
    tickets: Iterable[Ticket],
    total: int,
    book: str,
    station_name: str,
    date_from: dt.date,
    date_to: dt.date,
    progress: Progress | None = None,
) -> Ledger:
    rows = []
    step = max(1, total // 20)
    for number, ticket in enumerate(tickets, start=1):
        rows.append(ticket_ledger_row(number, ticket, full=can_see_citizen_data(user, ticket)))
        if progress and number % step == 0:
            progress(min(80, 80 * number // max(total, 1)))
    return Ledger(str(TITLES[book]), station_name, date_from, date_to, rows)


# --- Excel --------------------------------------------------------------------------------


def write_xlsx(ledger: Ledger) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    add_table_sheet(
        wb,
        name=_("登记簿"),
        title=ledger.title,
        subtitle=_("联络站（点）：{station_name}    时间：{period}").format(
            station_name=ledger.station_name, period=ledger.period
        ),
        columns=list(COLUMNS),
        rows=ledger.rows,
        widths=WIDTHS,
        style=SheetStyle(title_size=16, row_wrap=True),
    )
    return workbook_bytes(wb)


# --- PDF ------------------------------------------------------------------------------------


def write_pdf(ledger: Ledger) -> bytes:
    """Landscape A4 like the paper book: title, station and period on top, a ruled
    table whose header repeats on every page, "第 N 页 共 M 页" at the foot. The CJK
    font is embedded and dates never break inside a cell (``liaison.pdf``)."""
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
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=ledger.title,
        author=_("人大代表联络站工作平台"),
    )
    widths = pdf_column_widths(page[0] - 24 * mm, cell.fontSize)
    data = [[pdf.cell(c, w, head) for c, w in zip(COLUMNS, widths, strict=True)]]
    data += [[pdf.cell(v, w, cell) for v, w in zip(row, widths, strict=True)] for row in ledger.rows]
    if not ledger.rows:
        data.append([Paragraph(_("本期无登记"), cell)] + [""] * (len(COLUMNS) - 1))
    table = LongTable(data, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]
    if not ledger.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(style)
    story = [
        Paragraph(ledger.title, title),
        Spacer(1, 4 * mm),
        Paragraph(
            _("联络站（点）：{escape}　　时间：{period}").format(
                escape=_escape(ledger.station_name), period=ledger.period
            ),
            meta,
        ),
        Spacer(1, 3 * mm),
        table,
    ]
    with pdf.building():
        doc.build(story, canvasmaker=pdf.numbered_canvas(page[0], y=8 * mm))
    return out.getvalue()


def pdf_column_widths(usable: float, size: float) -> list[float]:
    """``WIDTHS`` scaled to ``usable`` points, the date columns widened to hold a date
    whole (taken from the widest column)."""
    widths = [w * usable / sum(WIDTHS) for w in WIDTHS]
    least = pdf.date_width(size) + 12.5
    for i in DATE_COLUMNS:
        if widths[i] < least:
            widest = max(range(len(widths)), key=widths.__getitem__)
            widths[widest] -= least - widths[i]
            widths[i] = least
    return widths


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


WRITERS = {"xlsx": write_xlsx, "pdf": write_pdf}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
