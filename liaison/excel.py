"""One Excel table sheet, as staff print them: a title row, a subtitle row, a bold ruled
header that repeats on every printed page, ruled rows, landscape A4 fitted to the width,
page numbers in the footer. Used by the ledgers (visits) and the dashboards' exports.

Text typed by users that starts with "=" stays text: openpyxl would otherwise write it as
a formula that Excel runs when the file is opened."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext


def _plain(value):
    """openpyxl takes str, not Django's lazy translations: render them in the active language."""
    return str(value) if isinstance(value, Promise) else value


@dataclass(frozen=True)
class SheetStyle:
    title_size: int = 14
    subtitle_color: str | None = None  # font colour of the subtitle row
    border_color: str | None = None  # None: black
    head_fill: str | None = None  # background of the header row
    head_wrap: bool = False
    row_wrap: bool = False  # wrap and top-align the data cells


def add_table_sheet(
    wb,
    *,
    name: str,
    title: str,
    subtitle: str,
    columns: list[str],
    rows: Iterable[list],
    widths: list[int],
    style: SheetStyle = SheetStyle(),
    number_formats: dict[int, str] | None = None,  # 0-based column -> Excel number format
):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(str(name)[:31])
    last = get_column_letter(max(len(columns), 1))
    ws.append([_plain(title)])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(size=style.title_size, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([_plain(subtitle)])
    ws.merge_cells(f"A2:{last}2")
    if style.subtitle_color:
        ws["A2"].font = Font(size=10, color=style.subtitle_color)
    ws.append([_plain(c) for c in columns])
    side = Side(style="thin", color=style.border_color) if style.border_color else Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        if style.head_fill:
            cell.fill = PatternFill("solid", fgColor=style.head_fill)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=style.head_wrap or None)
        cell.border = border
    wrap = Alignment(wrap_text=True, vertical="top") if style.row_wrap else None
    formats = number_formats or {}
    for row in rows:
        ws.append([_plain(v) for v in row])
        for i, cell in enumerate(ws[ws.max_row]):
            if wrap is not None:
                cell.alignment = wrap
            cell.border = border
            if cell.data_type == "f":  # text typed by users ("=…") stays text, never a formula
                cell.data_type = "s"
            if i in formats:
                cell.number_format = formats[i]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = gettext("第 &P 页 共 &N 页")
    return ws


def workbook_bytes(wb) -> bytes:
    import io

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
