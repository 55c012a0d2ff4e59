from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.commands import LocalizedCommand
from liaison.services import tombstones_prune
from liaison.sync import tombstone_days


class Command(LocalizedCommand):
    help = gettext_lazy(
        "清理过期的同步删除记录（SYNC_TOMBSTONE_DAYS 天前）与幂等键；早于清理线的同步游标将返回 410"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help=_("保留天数（默认 {days}）").format(days=tombstone_days())
        )

    def handle(self, *args, days=None, **options):
        result = tombstones_prune(older_than_days=days)
        self.stdout.write(
            _("已清理删除记录 {tombstones} 条，幂等键 {keys} 个。").format(
                tombstones=result["tombstones"], keys=result["idempotency_keys"]
            )
        )
