"""What a real-world roster cell means: full-width digits and spaces, leading
apostrophes, numbers stored as floats, dates as text or Excel serials, formulas; and the
checks of an ID number (GB 11643) and a phone number."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata

from django.conf import settings


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user (Chinese)."""


_SPACES = re.compile(r"\s+")


def clean_text(value) -> str | None:
    """The cell as text: NFKC (full-width ０-９, Ａ-Ｚ, the ideographic space → ASCII),
    whitespace collapsed, a leading apostrophe (Excel's "text" marker) dropped; a number
    stored as a float without its ``.0``; a date as ISO. ``None`` for an empty cell.
    A cell starting with ``=`` is a formula (or one waiting to happen when the file is
    exported again): refused, never evaluated nor stored."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if text.startswith("="):
        raise CellError("单元格以“=”开头（公式），请改为纯文本后再导入")
    return text or None


def clean_key(text: str) -> str:
    """A code or key: no spaces at all (a roster's 1101 0200 is 11010200)."""
    return text.replace(" ", "").upper()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(raw) -> dt.date:
    """A date cell: a real date, an Excel serial number (as a number or its text) or text
    in the forms offices type (2026-01-05, 2026/1/5, 2026.1.5, 20260105, 2026年1月5日)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_serial(raw)
    text = clean_text(raw) or ""
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _from_serial(float(text))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    raise CellError(f"“{text}”不是有效日期，请写成 2026-01-05 的形式")


def _from_serial(number: float) -> dt.date:
    if not 1 <= number < 2958466:
        raise CellError(f"“{number}”不是有效日期")
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_id_number(text: str) -> str:
    """A resident ID number (GB 11643-1999): 18 characters, a valid birth date, the last
    its ISO 7064 MOD 11-2 check character. Returns it normalised (upper-case X)."""
    number = clean_key(text)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise CellError("身份证号应为18位（最后一位可为X）")
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise CellError("身份证号中的出生日期无效") from exc
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        raise CellError("身份证号校验位不正确（GB 11643），请核对")
    return number


def id_number_facts(number: str) -> tuple[int, str]:
    """Birth year and gender ("M"/"F") an ID number states."""
    return int(number[6:10]), ("M" if int(number[16]) % 2 else "F")


def id_number_hash(number: str) -> str:
    """HMAC-SHA256 of the ID number under SECRET_KEY: matchable, not reversible by a
    table of all 18-digit numbers without the key."""
    return hmac.new(settings.SECRET_KEY.encode(), b"deputy-id:" + number.encode(), hashlib.sha256).hexdigest()


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def check_phone(text: str) -> str:
    """A mainland mobile (11 digits from 13–19) or a landline with its area code
    (0358-1234567); +86 and spaces are dropped."""
    phone = text.replace(" ", "").replace("－", "-")
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone):
        return phone
    raise CellError(f"“{text}”不是有效的电话号码（手机11位，座机请带区号）")


_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def parse_term(text: str) -> int:
    """届次: 16, 第16届, 第十六届, 十六."""
    body = text.replace(" ", "").removeprefix("第").removesuffix("届")
    value = int(body) if body.isdigit() else _chinese_number(body)
    if not 1 <= value <= 99:
        raise CellError(f"“{text}”不是有效届次")
    return value


def _chinese_number(body: str) -> int:
    if not body or any(ch not in _CN_DIGITS and ch != "十" for ch in body):
        raise CellError(f"“{body}”不是有效届次")
    if "十" not in body:
        return int("".join(str(_CN_DIGITS[ch]) for ch in body))
    tens, _, units = body.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
