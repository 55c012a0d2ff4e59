from django.core.management.base import BaseCommand

from liaison.services import tombstones_prune
from liaison.sync import tombstone_days


class Command(BaseCommand):
    help = "清理过期的同步删除记录（SYNC_TOMBSTONE_DAYS 天前）与幂等键；早于清理线的同步游标将返回 410"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help=f"保留天数（默认 {tombstone_days()}）")

    def handle(self, *args, days=None, **options):
        result = tombstones_prune(older_than_days=days)
        self.stdout.write(
            f"已清理删除记录 {result['tombstones']} 条，幂等键 {result['idempotency_keys']} 个。"
        )
