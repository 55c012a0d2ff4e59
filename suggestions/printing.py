"""The two papers a referred opinion travels on, as PDF in the official layout (A4
portrait, ruled form, seal and signature area):

- 交办单 (referral form): the station hands the opinion to the handling unit;
- 答复单 (reply form): the unit's reply, stamped and signed, back to the station.

The ticket comes from ``suggestions.selectors.ticket_for_print``; whether the citizen's
details are full or masked is decided by ``liaison.scoping.can_print_citizen_data``.
Fonts, cell layout (dates never break) and page numbers: ``liaison.pdf``."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from liaison import pdf
from suggestions.models import Ticket

FORMS = ("referral", "reply")


def ticket_reference(ticket: Ticket) -> str:
    """The number printed on the forms: the ticket's human-readable number where the model
    has one (issue 15's search work adds it), else the first block of its id."""
    return getattr(ticket, "number", "") or str(ticket.pk).split("-")[0].upper()


def _date(value, *, with_time: bool = False) -> str:
    if not value:
        return "—"
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
        return f"{value:%Y-%m-%d %H:%M}" if with_time else f"{value:%Y-%m-%d}"
    return f"{value:%Y-%m-%d}"


@dataclass(frozen=True)
class Citizen:
    name: str
    phone: str
    address: str
    masked: bool


def citizen_on_paper(ticket: Ticket, *, full: bool) -> Citizen:
    if full:
        return Citizen(ticket.citizen_name, ticket.citizen_phone, ticket.citizen_address, False)
    return Citizen(
        ticket.masked_citizen_name, ticket.masked_citizen_phone, ticket.masked_citizen_address, True
    )


def form_title(ticket: Ticket, form: str) -> str:
    county = getattr(ticket, "county_name", None) or ""
    if form == "referral":
        return _("%(county)s人大代表联络站群众意见建议交办单") % {"county": county}
    return _("%(county)s人大代表联络站群众意见建议答复单") % {"county": county}


def form_filename(ticket: Ticket, form: str) -> str:
    kind = _("交办单") if form == "referral" else _("答复单")
    return f"{kind}_{ticket_reference(ticket)}.pdf"


def write_form(ticket: Ticket, form: str, *, full: bool) -> bytes:
    """The 交办单 (``form="referral"``) or 答复单 (``"reply"``) of ``ticket``."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

    if form not in FORMS:
        raise ValueError(form)
    pdf.register_font()
    title_style = pdf.cell_style("title", size=17, leading=24, alignment=1)
    meta = pdf.cell_style("meta", size=10.5, leading=15)
    meta_right = pdf.cell_style("meta_right", size=10.5, leading=15, alignment=2)
    label = pdf.cell_style("label", size=10.5, leading=15, alignment=1)
    value = pdf.cell_style("value", size=10.5, leading=15)
    note = pdf.cell_style("note", size=9, leading=13)

    usable = A4[0] - 40 * mm
    # label | value | label | value; the value columns hold a date whole (with the time)
    least = pdf.date_width(value.fontSize, with_time=True) + 13
    cols = [27 * mm, max(least, (usable - 54 * mm) / 2), 27 * mm]
    cols.append(usable - sum(cols))
    wide = sum(cols[1:])

    def L(text):  # noqa: N802 - a label cell
        return pdf.cell(text, cols[0], label)

    def V(text, width=cols[1]):  # noqa: N802 - a value cell
        return pdf.cell(text or "—", width, value)

    citizen = citizen_on_paper(ticket, full=full)
    receiver = ticket.receiver
    unit = (
        ticket.handling_unit.name if ticket.handling_unit else (getattr(ticket, "last_reply_unit", "") or "")
    )
    rows: list[list] = []
    spans: list[int] = []
    heights: list[float | None] = []

    def pair(label1, value1, label2, value2):
        rows.append([L(label1), V(value1), L(label2), V(value2, cols[3])])
        heights.append(None)

    def whole(label_text, text, *, min_height=None):
        """A label and a value across the three other columns; a long text goes on in
        rows headed "（续）" so that no row is taller than a page."""
        lines = pdf.fit_lines(text or "—", wide - 12.5, value.fontSize)
        per_row = int(170 * mm // value.leading)
        for start in range(0, len(lines), per_row):
            chunk = "\n".join(lines[start : start + per_row])
            spans.append(len(rows))
            rows.append([L(label_text if start == 0 else _("（续）")), V(chunk, wide), "", ""])
            needed = len(lines[start : start + per_row]) * value.leading + 8
            heights.append(max(min_height or 0, needed) if min_height else None)
            min_height = None

    pair(_("联络站"), ticket.station.name, _("接待代表"), receiver.name if receiver else "—")
    pair(_("登记日期"), _date(ticket.received_at), _("意见类别"), ticket.category.name)
    pair(_("群众姓名"), citizen.name, _("联系电话"), citizen.phone)
    whole(_("住址"), citizen.address)
    pair(_("交办日期"), _date(ticket.last_assigned_at), _("办理期限"), _date(ticket.due_on))
    if form == "referral":
        whole(_("分级处理"), ticket.get_tier_display())
        whole(_("承办单位"), unit)
        whole(_("意见建议内容"), ticket.content, min_height=60 * mm)
        due = _date(ticket.due_on) if ticket.due_on else _("____年__月__日")
        whole(
            _("交办意见"),
            _("请于 %(date)s 前办理完毕，并将办理结果书面答复联络站。") % {"date": due},
            min_height=18 * mm,
        )
    else:
        whole(_("承办单位"), unit)
        whole(_("意见建议内容"), ticket.content, min_height=25 * mm)
        pair(_("答复日期"), _date(ticket.last_reply_at), _("反馈日期"), _date(ticket.last_delivered_at))
        whole(_("答复内容"), ticket.last_reply_text or "", min_height=70 * mm)
        whole(_("群众评价"), ticket.get_satisfaction_display() or "—")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.7, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
    ]
    for i in range(len(rows)):
        if i in spans:
            style.append(("SPAN", (1, i), (3, i)))
            if heights[i]:
                style.append(("VALIGN", (1, i), (3, i), "TOP"))
        else:
            style.append(("BACKGROUND", (2, i), (2, i), colors.HexColor("#f2f2f2")))
    body = Table(rows, colWidths=cols, rowHeights=heights, repeatRows=0)
    body.setStyle(style)

    if form == "referral":
        seals = [
            (_("交办单位（盖章）"), _("经办人（签字）：")),
            (_("承办单位签收（盖章）"), _("签收人（签字）：")),
        ]
    else:
        seals = [
            (_("承办单位（盖章）"), _("负责人（签字）：")),
            (_("联络站签收（盖章）"), _("签收人（签字）：")),
        ]
    half = usable / 2
    # 年 月 日 with room to write the date by hand, at the right of each box
    blank_date = _("年　　月　　日").replace("\u3000", "&nbsp;" * 4)
    right = pdf.cell_style("right", size=10.5, leading=15, alignment=2, rightIndent=8 * mm)
    seal_cells = [
        [
            [
                pdf.cell(head, half, value, padding=0),
                Spacer(1, 12 * mm),
                pdf.cell(sign, half, value, padding=0),
                Spacer(1, 8 * mm),
                Paragraph(blank_date, right),
            ]
            for head, sign in seals
        ]
    ]
    seal = Table(seal_cells, colWidths=[half, half], rowHeights=[45 * mm])
    seal.setStyle(
        [
            ("BOX", (0, 0), (-1, -1), 0.7, colors.black),
            ("GRID", (0, 0), (-1, -1), 0.7, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    title = form_title(ticket, form)
    printed = timezone.localdate()
    number_line = Table(
        [
            [
                pdf.cell(
                    _("编号：%(number)s") % {"number": ticket_reference(ticket)}, usable / 2, meta, padding=0
                ),
                pdf.cell(
                    _("打印日期：%(date)s") % {"date": f"{printed:%Y-%m-%d}"},
                    usable / 2,
                    meta_right,
                    padding=0,
                ),
            ]
        ],
        colWidths=[usable / 2, usable / 2],
    )
    number_line.setStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    story = [
        Paragraph(title, title_style),
        Spacer(1, 5 * mm),
        number_line,
        Spacer(1, 2 * mm),
        body,
        Spacer(1, 4 * mm),
        KeepTogether([seal]),
    ]
    if citizen.masked:
        story += [Spacer(1, 3 * mm), Paragraph(_("注：群众个人信息已按规定脱敏。"), note)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=_("人大代表联络站工作平台"),
    )
    with pdf.building():
        doc.build(story, canvasmaker=pdf.numbered_canvas(A4[0], y=10 * mm))
    return out.getvalue()
