"""Admin for the outbox (what is pending, what was given up, a retry action) and for the
periodic jobs' run records (when each last succeeded, whether it is overdue)."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from liaison import jobs, outbox
from liaison.models import JobRun, OutboxMessage


class OutboxStatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", gettext("待处理")), ("failed", gettext("已放弃")), ("done", gettext("已完成"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.pending()
        if self.value() == "failed":
            return queryset.failed()
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


class OutboxTaskFilter(admin.SimpleListFilter):
    """By task, from the handler registry (not a DISTINCT over the whole table)."""

    title = _("任务")
    parameter_name = "task"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted(outbox.handlers())]

    def queryset(self, request, queryset):
        return queryset.filter(task_name=self.value()) if self.value() else queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "task_name",
        "status",
        "attempts",
        "created_at",
        "available_at",
        "done_at",
        "failed_at",
    )
    list_filter = (OutboxStatusFilter, OutboxTaskFilter)
    search_fields = ("task_name", "last_error", "=request_id")
    ordering = ("-id",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]
    show_full_result_count = False  # no COUNT(*) over a large table

    @admin.display(description=_("状态"))
    def status(self, obj: OutboxMessage) -> str:
        return {
            "done": gettext("已完成"),
            "failed": gettext("已放弃"),
            "retrying": gettext("重试中"),
            "pending": gettext("待处理"),
        }[obj.status]

    @admin.action(description=_("立即重试所选消息"))
    def retry_now(self, request, queryset):
        count = outbox.retry(queryset)
        self.message_user(
            request, gettext("已重新排队 {count} 条消息。").format(count=count), messages.SUCCESS
        )

    def has_add_permission(self, request):
        return False


class JobOverdueFilter(admin.SimpleListFilter):
    """Jobs that have not succeeded on time (by their schedule) or that have: decided in
    Python over the dozen rows, then one ``name IN`` filter."""

    title = _("是否逾期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext("未按时成功")), ("no", gettext("按时"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        plan = jobs.schedules()
        late = [
            run.name
            for run in JobRun.objects.filter(name__in=list(plan))
            if jobs.is_overdue(run, plan[run.name])
        ]
        return queryset.filter(name__in=late) if self.value() == "yes" else queryset.exclude(name__in=late)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "last_completed_at",
        "overdue",
        "last_started_at",
        "last_duration",
        "last_failed_at",
    )
    list_filter = (JobOverdueFilter,)
    readonly_fields = [f.name for f in JobRun._meta.fields]

    @admin.display(description=_("是否逾期"))
    def overdue(self, obj: JobRun) -> str:
        schedule = jobs.schedules().get(obj.name)  # from the settings: no query
        if schedule is None:
            return gettext("不定期")
        return gettext("逾期，将补跑") if jobs.is_overdue(obj, schedule) else gettext("按时")

    def has_add_permission(self, request):
        return False  # written by liaison.jobs.run_job

    def has_change_permission(self, request, obj=None):
        return False
