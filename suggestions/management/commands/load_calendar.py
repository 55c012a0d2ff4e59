"""Load China's official working-day calendar into the CalendarDay table.

    manage.py load_calendar --years 2027 2027

Reads the chinese-calendar package (holidays and 调休 make-up working days as published
by the State Council each year). For a year the installed package has no data for, it
refuses, unless ``--weekdays-only`` writes a plain Mon–Fri placeholder for admins to
correct in the admin (工作日历) once the notice is out."""

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.commands import LocalizedCommand
from suggestions.calendar import load_official_days
from suggestions.models import CalendarDay


class Command(LocalizedCommand):
    help = gettext_lazy("载入国家法定工作日历（chinese-calendar），按年份范围。")

    def add_arguments(self, parser):
        parser.add_argument("--years", nargs=2, type=int, metavar=("FIRST", "LAST"), required=True)
        parser.add_argument(
            "--weekdays-only",
            action="store_true",
            help=_("没有官方数据的年份：先按周一至周五写入工作日，待核对。"),
        )

    @transaction.atomic
    def handle(self, *args, years, weekdays_only, **options):
        first, last = years
        if first > last or last - first > 20:
            raise CommandError(_("--years FIRST LAST：FIRST 不大于 LAST，最多 20 年"))
        written = 0
        for year in range(first, last + 1):
            try:
                written += load_official_days(CalendarDay, [year])
            except NotImplementedError as exc:
                if not weekdays_only:
                    raise CommandError(
                        _(
                            "{year}：chinese-calendar 没有该年数据（{error}）；请升级它，或加 --weekdays-only"
                        ).format(year=year, error=exc)
                    ) from exc
                written += _weekdays_placeholder(year)
                self.stderr.write(
                    _("{year}：已按周一至周五写入临时工作日历，请在管理后台核对").format(year=year)
                )
        self.stdout.write(
            _("已写入 {written} 天（{first}–{last}）").format(written=written, first=first, last=last)
        )


def _weekdays_placeholder(year: int) -> int:
    import datetime as dt

    day, rows = dt.date(year, 1, 1), []
    while day.year == year:
        rows.append(CalendarDay(date=day, is_working_day=day.weekday() < 5, note="待国务院通知后核对"))
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
