"""What a report is about: a period of whole months and a scope (region, station, handling
unit or deputy). Plain values, parsed from query strings by ``Period.parse``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from stations.models import Region, Station
from suggestions.models import HandlingUnit

KINDS = {
    "month": _("月"),
    "quarter": _("季度"),
    "half": _("半年"),
    "year": _("年"),
    "custom": _("自定义"),
}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _parse_month(text: str | None) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


@dataclass(frozen=True)
class Period:
    """Whole months ``start`` .. ``end`` (both first days of months, inclusive)."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    def __post_init__(self):
        if self.start.day != 1 or self.end.day != 1:
            raise ValueError(gettext("报表期间以整月计"))
        if self.end < self.start:
            raise ValueError(gettext("截止月不能早于起始月"))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        m = dt.date(year, month, 1)
        return cls(m, m, "month")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        start = dt.date(year, 3 * (q - 1) + 1, 1)
        return cls(start, add_months(start, 2), "quarter")

    @classmethod
    def half(cls, year: int, h: int) -> Period:
        start = dt.date(year, 1 if h == 1 else 7, 1)
        return cls(start, add_months(start, 5), "half")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 1), "year")

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        """The month / quarter / half / year that contains ``day``."""
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "half":
            return cls.half(day.year, 1 if day.month <= 6 else 2)
        if kind == "year":
            return cls.year(day.year)
        raise ValueError(gettext("未知的期间类型：{kind}").format(kind=kind))

    @classmethod
    def parse(cls, data, *, today: dt.date) -> Period:
        """From a query string: ``period=month|quarter|half|year`` with ``on=YYYY-MM-DD``
        (default today), or ``period=custom&start=YYYY-MM&end=YYYY-MM``. Raises
        ``ValueError`` with a message in Chinese on bad input."""
        kind = data.get("period") or "year"
        if kind == "custom":
            start, end = _parse_month(data.get("start")), _parse_month(data.get("end"))
            if start is None or end is None:
                raise ValueError(gettext("自定义期间请填写起止月份（格式：2023-01）"))
            return cls(start, end, "custom")
        on = today
        if data.get("on"):
            try:
                on = dt.date.fromisoformat(data["on"])
            except ValueError:
                raise ValueError(gettext("日期格式应为 2023-06-30")) from None
        return cls.containing(kind, on)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def first_day(self) -> dt.date:
        return self.start

    @property
    def last_day(self) -> dt.date:
        return add_months(self.end, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        s, e = self.start, self.end
        if self.kind == "month":
            return gettext("{year}年{month}月").format(year=s.year, month=s.month)
        if self.kind == "quarter":
            return gettext("{year}年第{value}季度").format(year=s.year, value=(s.month - 1) // 3 + 1)
        if self.kind == "half":
            return gettext("{year}年{value}半年").format(
                year=s.year, value=gettext("上") if s.month == 1 else gettext("下")
            )
        if self.kind == "year":
            return gettext("{year}年").format(year=s.year)
        return gettext("{year}年{month}月—{year2}年{month2}月").format(
            year=s.year, month=s.month, year2=e.year, month2=e.month
        )

    def as_query(self) -> dict[str, str]:
        """Query parameters that give this period back (for drill-down links)."""
        if self.kind == "custom":
            return {
                "period": "custom",
                "start": self.start.strftime("%Y-%m"),
                "end": self.end.strftime("%Y-%m"),
            }
        return {"period": self.kind, "on": self.start.isoformat()}

    def month_list(self) -> list[dt.date]:
        return [add_months(self.start, i) for i in range(self.months)]


@dataclass(frozen=True)
class Scope:
    """Exactly one of region / station / handling unit / deputy (a region may be combined
    with a handling unit: that unit's tickets from stations in the region)."""

    region: Region | None = None
    station: Station | None = None
    handling_unit: HandlingUnit | None = None
    deputy: Deputy | None = None

    def __post_init__(self):
        given = [x for x in (self.region, self.station, self.handling_unit, self.deputy) if x is not None]
        if not given:
            raise ValueError(gettext("报表须指定范围"))
        if self.station is not None and len(given) > 1 or self.deputy is not None and len(given) > 1:
            raise ValueError(gettext("联络站或代表报表不能与其他范围组合"))

    @property
    def label(self) -> str:
        parts = []
        if self.region is not None:
            parts.append(self.region.name)
        if self.station is not None:
            parts.append(self.station.name)
        if self.handling_unit is not None:
            parts.append(self.handling_unit.name)
        if self.deputy is not None:
            parts.append(gettext("{name}代表").format(name=self.deputy.name))
        return "·".join(parts)
