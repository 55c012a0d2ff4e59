"""Working days on China's official calendar (suggestions.calendar), read from the
CalendarDay table that migration 0005 seeds from chinese-calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from suggestions.calendar import (
    WorkingCalendar,
    add_working_days,
    deadline_state,
    is_working_day,
    working_days_between,
)
from suggestions.models import CalendarDay

D = dt.date

pytestmark = pytest.mark.django_db


def test_seeded_years():
    assert (
        CalendarDay.objects.filter(date__year__in=[2023, 2024, 2025, 2026]).count() == 365 + 366 + 365 + 365
    )


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 2, 4), True),  # Sunday, make-up working day before the Spring Festival
        (D(2024, 2, 9), True),  # New Year's Eve 2024 was a working day
        (D(2024, 2, 12), False),  # Monday in the Spring Festival holiday (2/10–2/17)
        (D(2024, 2, 18), True),  # Sunday, make-up working day after it
        (D(2025, 1, 26), True),  # Sunday, make-up (Spring Festival 2025: 1/28–2/4)
        (D(2025, 2, 3), False),
        (D(2025, 2, 8), True),  # Saturday, make-up
        (D(2025, 9, 28), True),  # Sunday, make-up (National Day 2025: 10/1–10/8)
        (D(2025, 10, 8), False),  # Wednesday in the holiday
        (D(2025, 10, 11), True),  # Saturday, make-up
        (D(2024, 10, 12), True),  # Saturday, make-up (National Day 2024)
        (D(2024, 5, 11), True),  # Saturday, make-up (Labour Day 2024)
    ],
)
def test_official_days(day, working):
    assert is_working_day(day) is working


def test_spring_festival_2024():
    # Thursday 2/8 + 1 → Friday 2/9 (除夕, a working day that year); + 2 → Sunday 2/18 (make-up)
    assert add_working_days(D(2024, 2, 8), 1) == D(2024, 2, 9)
    assert add_working_days(D(2024, 2, 8), 2) == D(2024, 2, 18)
    assert add_working_days(D(2024, 2, 8), 3) == D(2024, 2, 19)
    assert working_days_between(D(2024, 2, 8), D(2024, 2, 19)) == 3
    # a township ticket (5 working days) accepted the Friday before the make-up Sunday
    assert add_working_days(D(2024, 2, 2), 5) == D(2024, 2, 8)  # 2/4 (Sun) counts


def test_spring_festival_2025():
    # 1/24 (Fri) + 1 → Sunday 1/26 (make-up); 1/27 Mon; then 1/28–2/4 off; 2/5
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert add_working_days(D(2025, 1, 24), 3) == D(2025, 2, 5)
    assert add_working_days(D(2025, 1, 24), 6) == D(2025, 2, 8)  # Saturday make-up
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 10)) == 7  # 1/26, 1/27, 2/5–2/8, 2/10


def test_national_day_2025():
    # 9/26 (Fri) → 9/28 Sun (make-up), 9/29, 9/30, then 10/1–10/8 off, 10/9, 10/10, 10/11 Sat (make-up)
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert add_working_days(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert add_working_days(D(2025, 9, 26), 15) == D(2025, 10, 23)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == -1


def test_national_day_2024_county_department_deadline():
    assert add_working_days(D(2024, 9, 27), 15) == D(2024, 10, 23)


def test_zero_days_is_the_same_day():
    assert add_working_days(D(2024, 10, 3), 0) == D(2024, 10, 3)


def test_days_outside_the_table_fall_back_to_monday_to_friday():
    # 2030 is not loaded: Mon–Fri work
    assert add_working_days(D(2030, 9, 27), 1) == D(2030, 9, 30)  # Fri → Mon
    assert working_days_between(D(2030, 9, 30), D(2030, 10, 7)) == 5


def test_admin_edits_win():
    CalendarDay.objects.filter(date=D(2024, 10, 8)).update(is_working_day=False, note="地方调整")
    assert add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 9)


def test_one_query_per_call(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2024, 1, 2), 60)
    with django_assert_num_queries(1):
        working_days_between(D(2024, 1, 1), D(2024, 12, 31))


def test_sixty_working_days_across_the_spring_festival():
    # a deputy suggestion (60 working days) from 2025-01-02 crosses the Spring Festival
    end = add_working_days(D(2025, 1, 2), 60)
    assert working_days_between(D(2025, 1, 2), end) == 60
    assert is_working_day(end)


def test_load_calendar_command(capsys):
    CalendarDay.objects.filter(date__year=2025).delete()
    call_command("load_calendar", "--years", "2025", "2025")
    assert CalendarDay.objects.filter(date__year=2025).count() == 365
    assert CalendarDay.objects.get(date=D(2025, 10, 11)).note.startswith("调休上班")
    call_command("load_calendar", "--years", "2040", "2040", "--weekdays-only")
    assert CalendarDay.objects.filter(date__year=2040, is_working_day=True).count() == 261


@pytest.mark.parametrize(
    ("today", "due", "colour", "label"),
    [
        (D(2025, 9, 26), D(2025, 10, 10), "green", "剩余 5 个工作日"),  # 9/28, 9/29, 9/30, 10/9, 10/10
        (D(2025, 9, 30), D(2025, 10, 10), "yellow", "剩余 2 个工作日"),  # the holiday does not count
        (D(2025, 10, 10), D(2025, 10, 10), "yellow", "今日到期"),
        (D(2025, 10, 9), D(2025, 9, 30), "red", "已逾期 1 个工作日"),
        (D(2025, 10, 4), D(2025, 9, 30), "red", "已逾期"),
    ],
)
def test_deadline_colours(today, due, colour, label):
    calendar = WorkingCalendar.load(min(today, due), max(today, due))
    state = deadline_state(due_on=due, running=True, today=today, calendar=calendar)
    assert (state.colour, state.label) == (colour, label)
    assert deadline_state(due_on=due, running=False, today=today, calendar=calendar).colour == ""
