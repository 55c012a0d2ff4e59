"""Run the periodic jobs in-process: ``manage.py run_jobs outbox|all [--loop SECONDS]``.

For the embedded demo, which has no worker and no beat (and for an operator who wants a
job now). ``all`` runs the frequent jobs, then catches up any scheduled job that is
overdue (a nightly one, say, when the loop runs past its time). Each job is single-flight
(``liaison.jobs.run_job``), so running this beside a worker does no harm."""

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.commands import LocalizedCommand
from liaison.jobs import JOBS, catch_up, frequent_jobs, run_job


class Command(LocalizedCommand):
    help = gettext_lazy("运行周期任务（发件箱、逾期升级、报表汇总）：一次，或每隔若干秒循环。")

    def add_arguments(self, parser):
        parser.add_argument(
            "jobs",
            nargs="+",
            help=_("任务名：{names}，或 all（不含每日定时的任务，需要时单独写名）").format(
                names=", ".join(JOBS)
            ),
        )
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help=_("每隔 SECONDS 秒再运行一次，直到 Ctrl-C"),
        )

    def handle(self, *args, jobs, loop, **options):
        names = frequent_jobs() if "all" in jobs else jobs
        unknown = [n for n in names if n not in JOBS]
        if unknown:
            raise CommandError(
                _("没有这个任务：{unknown}（可选：{names}，all）").format(
                    unknown=", ".join(unknown), names=", ".join(JOBS)
                )
            )
        try:
            while True:
                for name in names:
                    ran, result = run_job(name)
                    if ran:
                        self.stdout.write(f"{name}: {result}")
                    else:
                        self.stdout.write(_("{name}: 已在别处运行，跳过").format(name=name))
                if "all" in jobs:
                    for name in catch_up():
                        self.stdout.write(_("{name}: 已逾期，已补跑").format(name=name))
                if not loop:
                    return
                time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write(_("已停止。"))
