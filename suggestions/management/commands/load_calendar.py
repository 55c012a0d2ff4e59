"""Load China's official working-day calendar into the CalendarDay table.

    manage.py load_calendar --years 2027 2027

Reads the chinese-calendar package (holidays and 调休 make-up working days as published
by the State Council each year). For a year the installed package has no data for, it
refuses, unless ``--weekdays-only`` writes a plain Mon–Fri placeholder for admins to
correct in the admin (工作日历) once the notice is out."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from suggestions.calendar import load_official_days
from suggestions.models import CalendarDay


class Command(BaseCommand):
    help = "Load the official working-day calendar (chinese-calendar) for a range of years."

    def add_arguments(self, parser):
        parser.add_argument("--years", nargs=2, type=int, metavar=("FIRST", "LAST"), required=True)
        parser.add_argument(
            "--weekdays-only",
            action="store_true",
            help="For years without official data: write Mon–Fri working days as a placeholder.",
        )

    @transaction.atomic
    def handle(self, *args, years, weekdays_only, **options):
        first, last = years
        if first > last or last - first > 20:
            raise CommandError("--years FIRST LAST: FIRST ≤ LAST, at most 20 years")
        written = 0
        for year in range(first, last + 1):
            try:
                written += load_official_days(CalendarDay, [year])
            except NotImplementedError as exc:
                if not weekdays_only:
                    raise CommandError(
                        f"{year}: chinese-calendar has no data ({exc}); upgrade it, or use --weekdays-only"
                    ) from exc
                written += _weekdays_placeholder(year)
                self.stderr.write(f"{year}: placeholder Mon–Fri calendar written; correct it in the admin")
        self.stdout.write(f"{written} days written for {first}–{last}")


def _weekdays_placeholder(year: int) -> int:
    import datetime as dt

    day, rows = dt.date(year, 1, 1), []
    while day.year == year:
        rows.append(CalendarDay(date=day, is_working_day=day.weekday() < 5, note="待国务院通知后核对"))
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
