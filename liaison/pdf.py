"""PDF building blocks for the ledgers and the printed forms (交办单 / 答复单).

- The CJK font is embedded (a subset of WenQuanYi Micro Hei, vendored in
  ``static/fonts/``, Apache-2.0): a reader without Chinese fonts still shows the text.
  ReportLab embeds TrueType outlines only, which rules out the CFF-based Noto CJK files.
- Cell text is laid out here, not by ReportLab's CJK wrap (which breaks anywhere, even
  inside "2024-05-10"): dates and times are units that never break, runs of digits and
  Latin letters break only when they are wider than the line, and closing punctuation
  never starts a line.
- "第 N 页 共 M 页" at the foot of each page."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from html import escape
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

FONT = "WenQuanYiMicroHei"
FONT_FILE = Path(settings.BASE_DIR) / "static" / "fonts" / "wqy-microhei.ttc"

# Never broken: 2024-05-10, 2024-05-10 09:30, 2024年5月10日, 09:30
DATE = r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}"
_TOKENS = re.compile(rf"(?P<date>{DATE})|(?P<word>[0-9A-Za-z_.@+*/-]+)|(?P<char>.)", re.S)
_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)%")
SAMPLE_DATE, SAMPLE_TIME = "0000-00-00", " 00:00"


# ReportLab keeps one TrueType font object per process and subsets it while a document is
# saved: two threads saving at once (a threaded server, 20 prints at once) corrupt each
# other's subset (IndexError in makeSubset). Documents are built one at a time per process.
_BUILD_LOCK = threading.RLock()


@contextmanager
def building():
    """Hold while building a document that uses the embedded font."""
    with _BUILD_LOCK:
        yield


def register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _BUILD_LOCK:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
    return FONT


@lru_cache(maxsize=65536)
def text_width(text: str, size: float) -> float:
    """Cached: a cell is measured token by token, and the tokens (characters mostly) repeat."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, register_font(), size)


def date_width(size: float, *, with_time: bool = False) -> float:
    """The width of a date (and time) at ``size``: columns holding dates are at least this wide."""
    return text_width(SAMPLE_DATE + (SAMPLE_TIME if with_time else ""), size)


def fit_lines(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points at ``size``; a date
    wider than the line stays whole on its own line (the caller sizes columns with
    ``date_width`` so that does not happen)."""
    lines: list[str] = []
    for paragraph in str(text or "").split("\n"):
        line, used = "", 0.0
        for match in _TOKENS.finditer(paragraph):
            token = match.group()
            w = text_width(token, size)
            if used + w <= width or not line and match.lastgroup == "date":
                line, used = line + token, used + w
                continue
            if token in _NO_LINE_START and line:
                line, used = line + token, used + w  # hangs a little past the edge
                continue
            if match.lastgroup == "word" and w > width:  # a long number or URL: split it
                for ch in token:
                    cw = text_width(ch, size)
                    if used + cw > width and line:
                        lines.append(line)
                        line, used = "", 0.0
                    line, used = line + ch, used + cw
                continue
            if line:
                lines.append(line.rstrip())
            token = token.lstrip()
            line, used = token, text_width(token, size)
        lines.append(line.rstrip())
    return lines


def cell(text: str, width: float, style, *, padding: float = 6) -> object:
    """A table cell's Paragraph for ``text`` in a column ``width`` points wide (with the
    table's default 6 pt padding each side), broken by ``fit_lines``."""
    from reportlab.platypus import Paragraph

    if style.splitLongWords or style.wordWrap:
        raise ValueError("cell styles are laid out by fit_lines: splitLongWords=0, wordWrap=None")
    lines = fit_lines(text, width - 2 * padding - 0.5, style.fontSize)
    return Paragraph("<br/>".join(escape(line, quote=False) for line in lines), style)


def cell_style(name: str, *, size: float, leading: float, **kwargs):
    """A ParagraphStyle for ``cell``: the embedded font, ReportLab's own breaking off."""
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(
        name, fontName=register_font(), fontSize=size, leading=leading, splitLongWords=0, **kwargs
    )


def numbered_canvas(page_width: float, *, size: float = 9, y: float = 22):
    """A canvas class writing "第 N 页 共 M 页" centred at the foot of each page (two
    passes, so each page knows the total)."""
    from reportlab.pdfgen import canvas as pdfcanvas

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(register_font(), size)
                self.drawCentredString(
                    page_width / 2,
                    y,
                    gettext("第 {page} 页 共 {total} 页").format(page=self._pageNumber, total=total),
                )
                super().showPage()
            super().save()

    return NumberedCanvas
