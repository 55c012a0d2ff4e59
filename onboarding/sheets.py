"""Reading a roster sheet and the columns each kind of roster has.

A ``Column`` says what a cell holds (text, a code, a choice, a date…); ``read_rows`` finds
the header row (under any merged title rows), skips blank rows and hands each data row
over as raw values keyed by field. Turning raw values into checked values, with a
problem per bad cell (row + column + message), is ``parse_row``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import translation
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from onboarding.cells import (
    CellError,
    check_id_number,
    check_phone,
    clean_key,
    clean_text,
    parse_date,
    parse_term,
)

DATA_SHEET = "数据"
HEADER_SEARCH_ROWS = 20


def source_text(label) -> str:
    """The Chinese source of a (possibly lazily translated) label."""
    with translation.override(None):
        return str(label)


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool = False
    type: str = (
        "text"  # text | key | code12 | choice | int | decimal | date | bool | phone | id_number | term
    )
    choices: tuple[tuple[str, str], ...] = ()  # (label in the sheet, stored value)
    help: str = ""
    width: int = 16
    max_length: int = 100

    def __post_init__(self):
        # the sheet's options are the Chinese labels whatever the reader's language
        # (models' choices are translated lazily; the file format is not)
        object.__setattr__(self, "choices", tuple((source_text(lbl), v) for lbl, v in self.choices))

    @property
    def header(self) -> str:
        return f"{self.label}*" if self.required else self.label


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class SheetError(ValueError):
    """The file as a whole cannot be read (not xlsx, no header row): one message."""


def _header_key(value) -> str:
    try:
        text = clean_text(value) or ""
    except CellError:
        return ""
    return text.replace(" ", "").rstrip("*＊").strip()


def read_rows(path_or_file, columns: list[Column], progress=None) -> Iterator[tuple[int, dict]]:
    """``(row number, {field: raw value})`` for each non-blank data row of the roster."""
    try:
        book = load_workbook(path_or_file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise SheetError("无法读取该文件，请上传由模板填写的 .xlsx 文件") from exc
    try:
        labels = {c.label: c.field for c in columns}
        required = {c.label for c in columns if c.required}
        sheets = [book[DATA_SHEET]] if DATA_SHEET in book.sheetnames else list(book.worksheets)
        for sheet in sheets:
            index: dict[int, str] | None = None
            for number, row in sheet_values(sheet):
                if index is None:
                    if number > HEADER_SEARCH_ROWS:
                        break
                    keys = [_header_key(v) for v in row]
                    if required <= set(keys):
                        index = {i: labels[k] for i, k in enumerate(keys) if k in labels}
                    continue
                values = {f: row[i] if i < len(row) else None for i, f in index.items()}
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
                    continue
                if progress is not None and number % 1000 == 0:
                    progress(number)
                yield number, values
            if index is not None:
                return
        raise SheetError("未找到表头行：请使用本类型的导入模板，不要修改第一行以下的列名")
    finally:
        book.close()


# --- the cells of a sheet, fast ---------------------------------------------------------
#
# openpyxl's read-only worksheet builds an object tree per cell (its ``Text.from_tree`` for
# every inline string): two thirds of a 20,000-row preview. ``sheet_values`` reads the same
# XML with one ``iterparse`` and the workbook's own shared strings, date styles and epoch,
# giving the same values as ``iter_rows(values_only=True)`` (a formula as "=…", a date-styled
# number as a datetime); a test compares the two on every template.

_C = f"{{{SHEET_MAIN_NS}}}c"
_V = f"{{{SHEET_MAIN_NS}}}v"
_F = f"{{{SHEET_MAIN_NS}}}f"
_IS = f"{{{SHEET_MAIN_NS}}}is"
_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"
_ROW = f"{{{SHEET_MAIN_NS}}}row"
_COLUMNS: dict[str, int] = {}


def _column_of(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        _COLUMNS[letters] = index
    return index


def _inline_text(cell) -> str | None:
    node = cell.find(_IS)
    if node is None:
        return None
    parts = []
    for child in node:  # <t> or rich-text runs <r><t>; phonetic runs (<rPh>) are not the text
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.append(child.findtext(_T) or "")
    return "".join(parts)


def _cell_value(cell, shared: list, date_styles: set, timedelta_styles: set, epoch):
    formula = cell.find(_F)
    kind = cell.get("t", "n")
    if formula is not None:
        return "=" + (formula.text or "")
    if kind == "inlineStr":
        return _inline_text(cell)
    value = cell.findtext(_V) or None
    if value is None:
        return None
    if kind == "n":
        number = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
        style = int(cell.get("s", 0))
        if style in date_styles:
            try:
                return from_excel(number, epoch, timedelta=style in timedelta_styles)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
    if kind == "s":
        return shared[int(value)]
    if kind == "b":
        return bool(int(value))
    if kind == "d":
        return from_ISO8601(value)
    return value  # "str" (a formula's cached text) and "e" (an error such as #N/A)


def sheet_values(sheet) -> Iterator[tuple[int, list]]:
    """``(row number, [cell values])`` of each row the sheet's XML holds (rows it leaves out
    are blank; a short list means the rest of the row is blank)."""
    try:
        source = sheet._get_source()
        shared = sheet._shared_strings
        book = sheet.parent
        date_styles, timedelta_styles, epoch = book._date_formats, book._timedelta_formats, book.epoch
    except AttributeError:  # not a read-only worksheet: openpyxl's own way
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        return
    with source:
        number = 0
        for _event, element in iterparse(source):
            if element.tag != _ROW:
                continue
            r = element.get("r")
            number = int(r) if r else number + 1
            values: list = []
            column = 0
            for cell in element.iter(_C):
                ref = cell.get("r")
                column = _column_of(ref) if ref else column + 1
                if column > len(values) + 1:
                    values.extend([None] * (column - 1 - len(values)))
                values.append(_cell_value(cell, shared, date_styles, timedelta_styles, epoch))
            element.clear()
            yield number, values


def parse_row(
    number: int, raw: dict, columns: list[Column], problems: list[Problem], cache: dict | None = None
) -> dict | None:
    """The row's checked values, or None when a cell is wrong (its problem recorded).
    ``cache`` (one per file) keeps each column's verdict on a value already seen: a roster
    repeats its levels, terms, stations, groups and dates thousands of times."""
    values: dict = {}
    ok = True
    for column in columns:
        cell = raw.get(column.field)
        if cache is None:
            try:
                values[column.field] = _parse_cell(cell, column)
            except CellError as exc:
                problems.append(Problem(number, column.label, str(exc)))
                ok = False
                continue
        else:
            key = (column.field, type(cell), cell)
            verdict = cache.get(key, _MISSING)
            if verdict is _MISSING:
                try:
                    verdict = _parse_cell(cell, column)
                except CellError as exc:
                    verdict = exc
                cache[key] = verdict
            if isinstance(verdict, CellError):
                problems.append(Problem(number, column.label, str(verdict)))
                ok = False
                continue
            values[column.field] = verdict
        if column.required and values[column.field] in (None, ""):
            problems.append(Problem(number, column.label, f"“{column.label}”为必填项"))
            ok = False
    return values if ok else None


_MISSING = object()


def _parse_cell(raw, column: Column):
    if column.type == "date":
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return parse_date(raw)
    text = clean_text(raw)
    if text is None:
        return None
    kind = column.type
    if kind == "text":
        if len(text) > column.max_length:
            raise CellError(f"“{column.label}”不能超过{column.max_length}个字")
        return text
    if kind == "key":
        key = clean_key(text)
        if len(key) > 40:
            raise CellError(f"“{column.label}”不能超过40个字符")
        return key
    if kind == "code12":
        code = clean_key(text)
        if not re.fullmatch(r"\d{12}", code):
            raise CellError(f"“{text}”不是12位行政区划代码")
        return code
    if kind == "choice":
        for label, value in column.choices:
            if text in (clean_text(label), value):  # the label NFKC too: （） are full-width
                return value
        allowed = "、".join(label for label, _ in column.choices)
        raise CellError(f"“{text}”不是有效的{column.label}，应为：{allowed}")
    if kind == "bool":
        if text in ("是", "Y", "YES", "TRUE", "1", "√"):
            return True
        if text in ("否", "N", "NO", "FALSE", "0", "×"):
            return False
        raise CellError(f"“{column.label}”应填“是”或“否”")
    if kind == "int":
        digits = text.replace(" ", "")
        if not digits.isdigit():
            raise CellError(f"“{text}”不是整数")
        return int(digits)
    if kind == "decimal":
        try:
            return Decimal(text.replace(" ", "")).quantize(Decimal("0.000001"))
        except InvalidOperation as exc:
            raise CellError(f"“{text}”不是数字") from exc
    if kind == "phone":
        return check_phone(text)
    if kind == "id_number":
        return check_id_number(text)
    if kind == "term":
        return parse_term(text)
    raise AssertionError(kind)


def display(value) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class RowPlan:
    row: int
    action: str  # create | update | unchanged
    key: str
    changes: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, "action": self.action, "key": self.key, "changes": self.changes}
