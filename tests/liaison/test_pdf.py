"""``liaison.pdf``: the embedded CJK font, and cells where a date never breaks."""

from __future__ import annotations

import io
import re

import pytest
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table

from liaison import pdf
from tests.printing_helpers import embedded_fonts, pdf_text

SIZE = 9
DATES = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日")


def test_the_font_ships_with_the_code():
    assert pdf.FONT_FILE.is_file() and pdf.FONT_FILE.stat().st_size > 1_000_000
    assert (pdf.FONT_FILE.parent / "LICENSE-wqy-microhei.txt").is_file()


@pytest.mark.parametrize("extra", [0, 1, 7, 15, 30])
def test_a_date_is_never_broken_however_narrow_the_line(extra):
    text = "反馈日期：2024-05-22，答复时间2024-05-20 09:30，办结于2024年5月23日。电话13912345678"
    width = pdf.date_width(SIZE, with_time=True) + extra
    lines = pdf.fit_lines(text, width, SIZE)
    found = [m.group() for line in lines for m in DATES.finditer(line)]
    assert found == ["2024-05-22", "2024-05-20 09:30", "2024年5月23日"]
    assert "".join(lines) == text  # nothing lost
    assert all(pdf.text_width(line.rstrip("，。"), SIZE) <= width + 0.01 for line in lines)
    assert not any(line[:1] in "，。：" for line in lines)  # no line starts with closing punctuation


def test_long_numbers_break_only_when_wider_than_the_line():
    assert pdf.fit_lines("电话13912345678", pdf.text_width("13912345678", SIZE) + 1, SIZE) == [
        "电话",
        "13912345678",
    ]
    narrow = pdf.fit_lines("13912345678", pdf.text_width("139123", SIZE) + 0.1, SIZE)
    assert narrow == ["139123", "45678"]


def test_a_narrow_date_column_in_a_pdf_keeps_each_date_whole():
    style = pdf.cell_style("c", size=SIZE, leading=12)
    column = pdf.date_width(SIZE) + 12.5
    dates = ["2024-05-22", "2024-11-30", "2026-12-01"]
    rows = [[pdf.cell(d, column, style), pdf.cell("意见" * 30, 60 * mm, style)] for d in dates]
    out = io.BytesIO()
    SimpleDocTemplate(out).build([Table(rows, colWidths=[column, 60 * mm])])
    content = out.getvalue()
    assert "WenQuanYiMicroHei" in embedded_fonts(content)[0]
    _, text = pdf_text(content)
    assert [line for line in text.split("\n") if line[:2] == "20"] == dates


def test_reportlabs_own_breaking_is_refused_for_cells():
    from reportlab.lib.styles import ParagraphStyle

    with pytest.raises(ValueError):
        pdf.cell("2024-05-22", 100, ParagraphStyle("x", fontName=pdf.register_font(), wordWrap="CJK"))


def test_documents_built_at_once_in_threads_are_all_whole():
    """ReportLab subsets the one shared font object while saving: without ``building()``
    threads saving at once corrupt each other (IndexError in makeSubset)."""
    import threading

    style = pdf.cell_style("c", size=SIZE, leading=12)
    outputs: list[bytes] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def build(n: int):
        text = "".join(
            chr(0x4E00 + (n * 997 + i * 31) % 20000) for i in range(400)
        )  # a different subset each
        out = io.BytesIO()
        barrier.wait()
        try:
            with pdf.building():
                SimpleDocTemplate(out).build(
                    [Table([[pdf.cell(text, 160 * mm, style)]], colWidths=[160 * mm])]
                )
            outputs.append(out.getvalue())
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(outputs) == 8
    assert all(pdf_text(content)[0] == 1 for content in outputs)
