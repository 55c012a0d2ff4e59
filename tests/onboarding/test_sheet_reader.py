"""The fast sheet reader gives exactly what openpyxl's read-only ``iter_rows`` gives:
every template with its example row, shared strings (as Excel saves them) and inline
strings (as openpyxl saves them), numbers, booleans, dates as date-styled numbers,
formulas, rich text, gaps in rows and columns."""

from __future__ import annotations

import datetime as dt
import zipfile
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from onboarding.kinds import KINDS
from onboarding.sheets import sheet_values
from onboarding.workbook import template_bytes


def _both(content: bytes) -> tuple[list, list]:
    fast, slow = [], []
    for target, reader in ((fast, sheet_values), (slow, None)):
        book = load_workbook(BytesIO(content), read_only=True, data_only=False)
        for sheet in book.worksheets:
            if reader is None:
                rows = list(enumerate(sheet.iter_rows(values_only=True), start=1))
            else:
                rows = list(reader(sheet))
            target.append([(n, tuple(_trim(r))) for n, r in rows if any(v is not None for v in r)])
        book.close()
    return fast, slow


def _trim(row) -> list:
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_template_reads_the_same(kind):
    content = template_bytes(KINDS[kind], [KINDS[kind].example, {}, KINDS[kind].example])
    fast, slow = _both(content)
    assert fast == slow and fast[1]  # the data sheet has its rows


def test_awkward_cells_read_the_same():
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet["A1"] = "标题"
    sheet["C2"] = 12
    sheet["D2"] = 1.5
    sheet["E2"] = True
    sheet["F2"] = dt.date(2026, 1, 5)
    sheet["G2"] = dt.datetime(2026, 1, 5, 9, 30)
    sheet["H2"] = "=SUM(C2:D2)"
    sheet["I2"] = "'0123"
    sheet["A5"] = "after a gap"
    sheet["AB5"] = "far column"
    sheet["B6"] = 45000
    sheet["B6"].number_format = "yyyy-mm-dd"
    out = BytesIO()
    book.save(out)
    fast, slow = _both(out.getvalue())
    assert fast == slow
    assert fast[0][1][1][2:9] == (
        12,
        1.5,
        True,
        dt.datetime(2026, 1, 5),
        dt.datetime(2026, 1, 5, 9, 30),
        "=SUM(C2:D2)",
        "'0123",
    )


def test_shared_strings_as_excel_saves_them():
    """Excel keeps text in xl/sharedStrings.xml (openpyxl writes inline strings): rewrite a
    file that way, rich-text runs and a phonetic run included."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="B3" t="s"><v>2</v></c><c r="C3"><v>7</v></c>'
        '<c r="D3" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></is></c></row>'
        "</sheetData></worksheet>"
    )
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="3" uniqueCount="3">'
        "<si><t>站点编号*</t></si><si><r><t>名</t></r><r><t>称</t></r></si><si><t>城北</t></si></sst>"
    )
    source = BytesIO()
    Workbook().save(source)
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(source.getvalue())) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            zout.writestr(item, data)
        zout.writestr("xl/sharedStrings.xml", strings)
    content = out.getvalue()
    # register the shared strings part the way Excel does
    content = _with_shared_strings_part(content)
    fast, slow = _both(content)
    assert fast == slow
    assert fast[0] == [(1, ("站点编号*", "名称")), (3, (None, "城北", 7, "富文本"))]


def _with_shared_strings_part(content: bytes) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml" and b"sharedStrings" not in data:
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if item.filename == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            zout.writestr(item, data)
    return out.getvalue()
