from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import audit_prune


class Command(BaseCommand):
    help = "删除超过保存期限的审计记录、登录记录和个人信息查看记录（至少保存六个月）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, days: int, **options):
        try:
            deleted = audit_prune(older_than_days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(deleted.values())
        self.stdout.write(f"已删除 {total} 条超过 {days} 天的记录。")
