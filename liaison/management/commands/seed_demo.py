"""``manage.py seed_demo [--scale N] [--seed S] [--reset]``: deterministic demo data."""

import time

from django.apps import apps
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.commands import LocalizedCommand
from liaison.demo.seed import DEFAULT_SEED, database_label, seed_demo


class Command(LocalizedCommand):
    help = gettext_lazy("生成演示数据（吕梁市规模，按 --scale 复制城市）并创建各角色演示账号。")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help=_("城市副本数（默认 1：吕梁市）"))
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=_("随机种子（默认固定，结果可复现）")
        )
        parser.add_argument("--reset", action="store_true", help=_("先删除已有业务数据和演示账号"))
        parser.add_argument(
            "--audit",
            action="store_true",
            help=_("让审计触发器记录演示数据的插入（较慢；默认不记录）"),
        )
        parser.add_argument("--no-progress", action="store_true", help=_("不显示进度条"))
        parser.add_argument(
            "--no-copy",
            action="store_true",
            help=_("PostgreSQL 上不用 COPY，改用 bulk_create（用于对比）"),
        )

    def handle(
        self,
        *args,
        scale: int,
        seed: int,
        reset: bool,
        audit: bool,
        no_progress: bool,
        no_copy: bool,
        **options,
    ):
        if scale < 1:
            raise CommandError(_("--scale 至少为 1。"))
        result = seed_demo(
            scale=scale, seed=seed, reset=reset, audit=audit, progress=not no_progress, use_copy=not no_copy
        )
        if result.created:
            rows = _("，").join(f"{_model_label(name)} {n:,}" for name, n in result.counts.items())
            self.stdout.write(
                self.style.SUCCESS(
                    _("演示数据已生成（{database}，{seconds} 秒）：{rows}").format(
                        database=database_label(), seconds=f"{result.seconds:.1f}", rows=rows
                    )
                )
            )
            self._run_jobs()
        else:
            self.stdout.write(_("演示数据已存在，未做改动（如需重建请加 --reset）。"))
        self.stdout.write(_("演示账号（密码均相同）："))
        for login in result.logins:
            self.stdout.write(f"  {login.username:<8} {login.password}  {login.role} · {login.scope}")

    def _run_jobs(self) -> None:
        """What the worker would do next: escalate the overdue tickets and fill the report rollups."""
        from reports.services import rollups_refresh
        from suggestions.escalation import escalation_sweep

        started = time.monotonic()
        sweep = escalation_sweep()
        rollups = rollups_refresh(full=True)
        self.stdout.write(
            _("逾期升级督办 {escalated} 件，通知 {notified} 人；报表汇总 {rows} 行（{seconds} 秒）").format(
                escalated=f"{sweep.escalated:,}",
                notified=f"{sweep.notified:,}",
                rows=f"{rollups.rows:,}",
                seconds=f"{time.monotonic() - started:.1f}",
            )
        )


def _model_label(name: str) -> str:
    """A model's name as the reader's language has it ("Deputy" → 人大代表)."""
    for model in apps.get_models():
        if model.__name__ == name:
            return str(model._meta.verbose_name)
    return name
