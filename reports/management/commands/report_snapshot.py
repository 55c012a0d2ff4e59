"""``manage.py report_snapshot --region 吕梁市 --period half --on 2023-01-01 --title …``:
fix a report as it stands now (e.g. the official half-year figures)."""

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.commands import LocalizedCommand
from reports.periods import KINDS, Period, Scope
from reports.services import report_snapshot_create
from stations.models import Region, Station


class Command(LocalizedCommand):
    help = gettext_lazy("固定一份报表快照（如半年度正式数据）：数据存档后不再随业务数据变化。")

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--region", help=_("区域名称或代码（如 吕梁市）"))
        where.add_argument("--station", help=_("联络站名称"))
        parser.add_argument("--period", choices=list(KINDS), default="half")
        parser.add_argument("--on", help=_("期间内任一日期，如 2023-01-01（默认今天）"))
        parser.add_argument("--start", help=_("自定义起始月，如 2023-01"))
        parser.add_argument("--end", help=_("自定义截止月，如 2023-06"))
        parser.add_argument("--title", required=True, help=_("快照标题，如 “2023年上半年联络站工作情况”"))

    def handle(self, *args, region, station, period, on, start, end, title, **options):
        try:
            scope = (
                Scope(
                    region=Region.objects.get(name=region)
                    if not region.isdigit()
                    else Region.objects.get(code=region)
                )
                if region
                else Scope(station=Station.objects.get(name=station))
            )
        except (
            Region.DoesNotExist,
            Station.DoesNotExist,
            Region.MultipleObjectsReturned,
            Station.MultipleObjectsReturned,
        ):
            raise CommandError(_("找不到唯一的区域或联络站，请检查名称或代码。")) from None
        query = {"period": period, "on": on or "", "start": start or "", "end": end or ""}
        try:
            value = Period.parse({k: v for k, v in query.items() if v}, today=timezone.localdate())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        snap = report_snapshot_create(scope=scope, period=value, title=title)
        total = snap.figures["total"]
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "已存档：{snapshot}（{period}，截至 {as_of}）：收集 {collected} 件，办结 {closed} 件"
                ).format(
                    snapshot=snap,
                    period=value.label,
                    as_of=f"{timezone.localtime(snap.as_of):%Y-%m-%d %H:%M}",
                    collected=total["collected"],
                    closed=total["closed"],
                )
            )
        )
