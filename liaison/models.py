"""Models of the project package itself: the transactional outbox, the periodic jobs' run
records, and the REST API's infrastructure (tombstones of deleted records, the horizon
below which tombstones were pruned, stored responses for ``Idempotency-Key``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    task_name = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    available_at = models.DateTimeField(_("可执行时间"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    # the request (or task) that wrote it: the drain runs it under this id (liaison/requestid.py)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="")

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱消息")
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


class JobRun(models.Model):
    """When a periodic job (``liaison.jobs.JOBS``) last started, completed and failed.

    Kept in the database, not in beat's schedule file: a tick beat could not deliver (the
    broker was down) or a run a killed worker cut short leaves the job overdue here, and
    the catch-up (``liaison.jobs.catch_up``, at worker start and every half minute) runs
    it. A job never completed counts from ``created_at``, when it was first seen."""

    name = models.CharField(_("任务"), max_length=100, primary_key=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    last_started_at = models.DateTimeField(_("最近开始"), null=True, blank=True)
    last_completed_at = models.DateTimeField(_("最近成功完成"), null=True, blank=True)
    last_duration = models.FloatField(_("最近用时（秒）"), null=True, blank=True)
    last_failed_at = models.DateTimeField(_("最近失败"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("周期任务运行记录")
        verbose_name_plural = _("周期任务运行记录")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tombstone(models.Model):
    """A deleted record of a synced table, written by that table's AFTER DELETE trigger
    (``liaison.db.sync_triggers``). Kept ``SYNC_TOMBSTONE_DAYS`` days, then pruned by
    ``manage.py prune_tombstones``.

    The trigger also records where the record was at deletion time (its station, the
    station's parent and region path, its deputy, handling unit, reception), so that
    ``liaison.scoping.scoped_tombstones`` hands a tombstone only to users who could have
    seen the record."""

    resource = models.CharField(_("资源"), max_length=40)
    object_id = models.CharField(_("记录ID"), max_length=64)
    sync_txid = models.BigIntegerField(_("同步序号"))
    deleted_at = models.DateTimeField(_("删除时间"), default=timezone.now, db_index=True)
    station_id = models.UUIDField(_("所属联络站"), null=True, blank=True)
    station_parent_id = models.UUIDField(_("所属联络站的上级站"), null=True, blank=True)
    region_path = models.CharField(_("所在区域路径"), max_length=255, null=True, blank=True)
    deputy_id = models.UUIDField(_("相关代表"), null=True, blank=True)
    unit_id = models.UUIDField(_("承办单位"), null=True, blank=True)
    session_id = models.UUIDField(_("接待活动"), null=True, blank=True)

    class Meta:
        verbose_name = _("删除记录")
        verbose_name_plural = _("删除记录")
        indexes = [models.Index(fields=["resource", "sync_txid", "id"], name="tombstone_feed_idx")]

    def __str__(self) -> str:
        return f"{self.resource}:{self.object_id}"


class SyncHorizon(models.Model):
    """Per feed, the last pruned tombstone in feed order, ``(pruned_txid, pruned_id)``: a
    cursor before it may have missed a deletion, so it answers 410 Gone and the client
    resyncs from scratch."""

    resource = models.CharField(_("资源"), max_length=40, primary_key=True)
    pruned_txid = models.BigIntegerField(_("已清理至"))
    pruned_id = models.BigIntegerField(_("已清理至（记录号）"), default=0)
    pruned_at = models.DateTimeField(_("清理时间"), default=timezone.now)

    class Meta:
        verbose_name = _("同步清理线")
        verbose_name_plural = _("同步清理线")

    def __str__(self) -> str:
        return f"{self.resource} < {self.pruned_txid}"


class IdempotencyKey(models.Model):
    """The first response to a POST carrying ``Idempotency-Key`` (per user), replayed to
    any repeat. The row is inserted, and its response stored, in the request's own
    transaction (``liaison.idempotency``): once committed it is always complete, and a
    concurrent repeat waits on the unique index for that transaction to end."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("幂等键"), max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态"), null=True, blank=True)
    # the JSON text as first sent (jsonb would reorder its keys: a replay is the same bytes)
    response_body = models.TextField(_("响应内容"), null=True, blank=True)
    response_headers = models.JSONField(_("响应头"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key
