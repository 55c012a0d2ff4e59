"""The printed performance file (履职档案) of one deputy and year: A4, the embedded CJK
font and the cell layout of ``liaison.pdf``, page numbers at the foot."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liaison import pdf
from oversight.models import EntryKind, FileEntry

# (measure key, label, unit) of the computed part, in the printed order
COMPUTED_ROWS = [
    ("station_entries", gettext_noop("进站接待"), gettext_noop("次")),
    ("station_reception", gettext_noop("其中：进站接待日"), gettext_noop("次")),
    ("themed", gettext_noop("其中：主题活动"), gettext_noop("次")),
    ("door_to_door", gettext_noop("走访群众"), gettext_noop("次")),
    ("online", gettext_noop("网上接待"), gettext_noop("次")),
    ("citizens_received", gettext_noop("接待群众"), gettext_noop("人次")),
    ("opinions_collected", gettext_noop("收集意见建议"), gettext_noop("件")),
    ("opinions_closed", gettext_noop("其中：年底前办结"), gettext_noop("件")),
    ("opinions_withdrawn", gettext_noop("其中：撤回"), gettext_noop("件")),
    ("opinions_open", gettext_noop("其中：年底仍在办理"), gettext_noop("件")),
    ("opinions_rated", gettext_noop("群众已评价"), gettext_noop("件")),
    ("opinions_satisfied", gettext_noop("其中：满意、基本满意"), gettext_noop("件")),
]


def rate_text(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def write_file_pdf(file: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    deputy, year, m = file["deputy"], file["year"], file["measures"]
    pdf.register_font()
    title_style = pdf.cell_style("title", size=17, leading=24, alignment=1)
    h2 = pdf.cell_style("h2", size=12, leading=18)
    meta = pdf.cell_style("meta", size=10.5, leading=15)
    body = pdf.cell_style("body", size=10, leading=14)
    usable = A4[0] - 40 * mm
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]
    )

    def table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        data = [[pdf.cell(h, w, body) for h, w in zip(header, widths, strict=True)]]
        data += [[pdf.cell(str(v), w, body) for v, w in zip(r, widths, strict=True)] for r in rows]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(grid)
        return t

    title = _("%(name)s代表%(year)s年度履职档案") % {"name": deputy.name, "year": year}
    story = [
        Paragraph(title, title_style),
        Spacer(1, 4 * mm),
        Paragraph(
            _("所在联络站：%(station)s　　性别：%(gender)s　　职业：%(job)s")
            % {
                "station": deputy.home_station.name,
                "gender": _(deputy.get_gender_display()),
                "job": deputy.occupation or "—",
            },
            meta,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("一、系统记录的履职情况"), h2),
    ]
    w3 = [usable * 0.5, usable * 0.25, usable * 0.25]
    rows = [[_(label), m.get(key, 0), _(unit)] for key, label, unit in COMPUTED_ROWS]
    rows.append([_("办结率（办结 ÷ 收集）"), rate_text(m.get("closure_rate")), ""])
    rows.append([_("满意率（满意及基本满意 ÷ 已评价）"), rate_text(m.get("satisfaction_rate")), ""])
    story += [table([_("项目"), _("数量"), _("单位")], rows, w3), Spacer(1, 5 * mm)]

    story.append(Paragraph(_("二、登记的履职事项（已确认）"), h2))
    counts = [[_(label), m.get(value, 0)] for value, label in EntryKind.choices]
    story += [table([_("类别"), _("次数")], counts, [usable * 0.7, usable * 0.3]), Spacer(1, 3 * mm)]
    confirmed: list[FileEntry] = file["confirmed"]
    if confirmed:
        widths = [usable * 0.16, usable * 0.2, usable * 0.38, usable * 0.26]
        rows = [
            [
                e.occurred_on.isoformat(),
                _(e.get_kind_display()),
                e.title,
                e.source + (_("（附佐证）") if e.evidence else ""),
            ]
            for e in confirmed
        ]
        story.append(table([_("日期"), _("类别"), _("事项"), _("来源")], rows, widths))
    else:
        story.append(Paragraph(_("本年度没有已确认的登记事项。"), body))
    story += [Spacer(1, 5 * mm), Paragraph(_("三、参加的接待活动"), h2)]
    if file["receptions"]:
        widths = [usable * 0.24, usable * 0.34, usable * 0.22, usable * 0.2]
        rows = [
            [
                f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}",
                s.station.name,
                _(s.get_kind_display()),
                s.citizens_received,
            ]
            for s in file["receptions"]
        ]
        story.append(table([_("时间"), _("联络站（点）"), _("类型"), _("接待群众")], rows, widths))
    else:
        story.append(Paragraph(_("本年度没有参加接待活动。"), body))
    if file["pending"]:
        story += [
            Spacer(1, 3 * mm),
            Paragraph(_("另有 %(n)s 项代表自报事项待确认，未计入。") % {"n": len(file["pending"])}, body),
        ]

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
