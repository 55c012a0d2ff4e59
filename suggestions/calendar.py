"""Working-day arithmetic on China's official calendar (法定节假日与调休).

The calendar is data: ``suggestions.models.CalendarDay`` holds one row per day, seeded
for 2023–2026 from the chinese-calendar package and edited by admins each year when the
State Council publishes the next year's holidays. A day missing from the table falls
back to the plain rule **Monday–Friday are working days, Saturday and Sunday are not**
(so deadlines still come out, if possibly a little off, for years nobody has loaded).

Every public function reads the table with ONE query: it loads the whole range of days
it may need, then counts in Python. ``WorkingCalendar`` is the loaded range; a list page
loads one for all its rows (``WorkingCalendar.load(start, end)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

ONE_DAY = dt.timedelta(days=1)


def _default_is_working(day: dt.date) -> bool:
    """The fallback rule for days missing from the table: Mon–Fri work."""
    return day.weekday() < 5


def _span_for(n: int) -> int:
    """Calendar days that surely hold ``n`` working days: 7/5 of n plus the longest run of
    holidays in a year's stretch (Spring Festival 8–9 days, National Day 8, others 3–5)."""
    return 2 * abs(n) + 30


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days between ``start`` and ``end`` (inclusive), loaded once."""

    start: dt.date
    end: dt.date
    overrides: dict[dt.date, bool]

    @classmethod
    def load(cls, start: dt.date, end: dt.date) -> WorkingCalendar:
        from suggestions.models import CalendarDay

        if end < start:
            start, end = end, start
        rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
        return cls(start=start, end=end, overrides=dict(rows))

    def is_working_day(self, day: dt.date) -> bool:
        found = self.overrides.get(day)
        return _default_is_working(day) if found is None else found

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``n == 0``: ``start`` itself)."""
        day, left = start, n
        step = ONE_DAY if n >= 0 else -ONE_DAY
        while left:
            day += step
            if not (self.start <= day <= self.end):
                raise ValueError(gettext("日历范围不足"))  # pragma: no cover - _span_for is generous
            if self.is_working_day(day):
                left -= 1 if n > 0 else -1
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days ``d`` with ``a < d <= b``; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar.load(day, day).is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` on the official calendar (one query).

    ``add_working_days(d, 0) == d``: an on-the-spot answer is due the same day."""
    span = dt.timedelta(days=_span_for(n))
    lower, upper = (start, start + span) if n >= 0 else (start - span, start)
    return WorkingCalendar.load(lower, upper).add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b`` (one query)."""
    return WorkingCalendar.load(a, b).working_days_between(a, b)


# --- deadline colours (三色督办) -------------------------------------------------------


@dataclass(frozen=True)
class DeadlineState:
    """How a ticket stands against its deadline: ``colour`` is green, yellow (at most
    ``YELLOW_WITHIN`` working days left) or red (overdue); ``""`` when no deadline runs."""

    colour: str
    working_days_left: int | None
    label: str

    @property
    def css_class(self) -> str:
        return f"deadline deadline-{self.colour}" if self.colour else "deadline"


YELLOW_WITHIN = 2
NO_DEADLINE = DeadlineState("", None, "—")


def deadline_state(
    *, due_on: dt.date | None, running: bool, today: dt.date, calendar: WorkingCalendar
) -> DeadlineState:
    """The one rule for time left / days overdue, used by every page."""
    if due_on is None or not running:
        return NO_DEADLINE
    if due_on < today:
        overdue = calendar.working_days_between(due_on, today)
        return DeadlineState(
            "red",
            -overdue,
            gettext("已逾期 {overdue} 个工作日").format(overdue=overdue) if overdue else gettext("已逾期"),
        )
    left = calendar.working_days_between(today, due_on)
    colour = "yellow" if left <= YELLOW_WITHIN else "green"
    return DeadlineState(
        colour, left, gettext("今日到期") if left == 0 else gettext("剩余 {left} 个工作日").format(left=left)
    )


def calendar_for_dues(dues: Iterable[dt.date | None], today: dt.date) -> WorkingCalendar:
    """One calendar covering ``today`` and every due date of a page (one query)."""
    dates = [d for d in dues if d is not None] + [today]
    return WorkingCalendar.load(min(dates), max(dates))


# --- seeding the table from the chinese-calendar package -----------------------------


def official_days(year: int) -> list[tuple[dt.date, bool, str]]:
    """Every day of ``year`` as (date, is_working_day, note), from the chinese-calendar
    package (holidays and 调休 make-up working days as published by the State Council).

    Raises ``NotImplementedError`` for a year the installed package has no data for:
    upgrade chinesecalendar, or enter the days in the admin."""
    import chinese_calendar

    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    day, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days: list[tuple[dt.date, bool, str]] = []
    while day <= end:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name:
            note = names.get(name, name)
        elif not is_holiday and day.weekday() >= 5:
            note = (
                gettext("调休上班（{get}）").format(get=names.get(name, name))
                if name
                else gettext("调休上班")
            )
        else:
            note = ""
        days.append((day, not is_holiday, note))
        day += ONE_DAY
    return days


def load_official_days(calendar_day_model, years: Iterable[int]) -> int:
    """Write ``official_days`` for ``years`` into the table (insert or overwrite); returns
    the number of days written. Takes the model so a data migration can pass its own."""
    rows = [
        calendar_day_model(date=day, is_working_day=working, note=note)
        for year in years
        for day, working, note in official_days(year)
    ]
    calendar_day_model.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["is_working_day", "note"],
        batch_size=500,
    )
    return len(rows)
