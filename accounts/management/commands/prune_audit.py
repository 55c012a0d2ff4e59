from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import audit_prune
from liaison.commands import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_lazy("删除超过保存期限的审计记录、登录记录和个人信息查看记录（至少保存六个月）。")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS, help=_("保存天数"))

    def handle(self, *args, days: int, **options):
        try:
            deleted = audit_prune(older_than_days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(deleted.values())
        self.stdout.write(_("已删除 {total} 条超过 {days} 天的记录。").format(total=total, days=days))
