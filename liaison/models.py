"""Models of the project package itself: the transactional outbox."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessageQuerySet(models.QuerySet):
    def pending(self):
        """Not done and not given up (due now or later)."""
        return self.filter(done_at__isnull=True, failed_at__isnull=True)

    def due(self, *, now=None):
        return self.pending().filter(available_at__lte=now or timezone.now())

    def failed(self):
        return self.filter(failed_at__isnull=False)


class OutboxMessage(models.Model):
    """Work to do after a transaction commits (发件箱): written in the caller's transaction,
    so it exists exactly when the data it is about exists, and drained by the worker
    (``liaison.outbox.drain``), which runs its handler in the transaction that marks it done."""

    id = models.BigAutoField(primary_key=True)
    task_name = models.CharField("任务", max_length=200)
    args = models.JSONField("位置参数", default=list, blank=True)
    kwargs = models.JSONField("关键字参数", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    available_at = models.DateTimeField("可执行时间", default=timezone.now)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    failed_at = models.DateTimeField("放弃时间", null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "发件箱消息"
        verbose_name_plural = "发件箱消息"
        indexes = [
            # the drain's scan: only pending rows, by due time
            models.Index(
                fields=["available_at", "id"],
                name="outbox_pending_due",
                condition=Q(done_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"

    @property
    def status(self) -> str:
        if self.done_at:
            return "done"
        if self.failed_at:
            return "failed"
        return "retrying" if self.attempts else "pending"
