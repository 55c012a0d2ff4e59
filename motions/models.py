"""Deputies' formal suggestions (代表建议、批评和意见) and the standing committee's
supervision items (督办事项), each with an append-only timeline written by the shared
workflow engine (``liaison.workflow.apply_transition``)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.audit import audited
from liaison.db import SyncedModel, SyncTracked, sync_index, sync_triggers
from stations.models import Region, region_path_sql
from suggestions.models import HandlingUnit, Ticket


@audited()
class CongressSession(models.Model):
    """A session of a county's people's congress (e.g. 第十八届人民代表大会第三次会议): the
    suggestions of the session and of the recess after it are numbered under it."""

    region = models.ForeignKey(
        Region, verbose_name=_("本级人大（区域）"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("会议名称"), max_length=100)
    opens_on = models.DateField(_("开幕日期"))
    closes_on = models.DateField(_("闭幕日期"))
    # the last number given out (第 N 号): bumped under the row's lock by motions.services
    last_number = models.PositiveIntegerField(_("已编号数"), default=0, editable=False)

    class Meta:
        verbose_name = _("人代会会议")
        verbose_name_plural = _("人代会会议")
        ordering = ["-opens_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="congress_session_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


@audited()
class DeputySuggestion(SyncTracked, SyncedModel):
    """A deputy's formal suggestion (代表建议), submitted alone or jointly (联名)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        REGISTERED = "registered", _("已立案")
        ASSIGNED = "assigned", _("已交办")
        REPLIED = "replied", _("已答复")
        EVALUATED = "evaluated", _("已测评")
        CLOSED = "closed", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Timing(models.TextChoices):
        DURING = "during", _("大会期间")
        BETWEEN = "between", _("闭会期间")

    class Category(models.TextChoices):
        ECONOMY = "economy", _("经济发展")
        URBAN = "urban", _("城乡建设")
        AGRICULTURE = "agriculture", _("农业农村")
        SOCIAL = "social", _("教科文卫与社会保障")
        GOVERNANCE = "governance", _("政法与社会治理")
        OTHER = "other", _("其他")

    class ReplyClass(models.TextChoices):
        A = "A", _("A 类（已解决或采纳）")
        B = "B", _("B 类（正在解决或列入计划）")
        C = "C", _("C 类（留作参考或说明）")

    RUNNING_STATUSES = (Status.ASSIGNED,)

    session = models.ForeignKey(
        CongressSession, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="suggestions"
    )
    timing = models.CharField(_("提出时间"), max_length=10, choices=Timing.choices, default=Timing.DURING)
    number = models.PositiveIntegerField(_("编号"), null=True, blank=True)
    title = models.CharField(_("案由"), max_length=200)
    content = models.TextField(_("内容"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, blank=True)
    submitted_by = models.ForeignKey(
        Deputy, verbose_name=_("领衔代表"), on_delete=models.PROTECT, related_name="motions_led"
    )
    co_signers = models.ManyToManyField(
        Deputy, verbose_name=_("联名代表"), blank=True, related_name="motions_joined"
    )
    source_ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("来源群众意见"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deputy_suggestions",
    )
    lead_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_units = models.ManyToManyField(HandlingUnit, verbose_name=_("协办单位"), blank=True, related_name="+")
    assigned_on = models.DateField(_("交办日期"), null=True, blank=True)
    due_on = models.DateField(_("答复期限"), null=True, blank=True)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    reply_text = models.TextField(_("书面答复"), blank=True)
    reply_class = models.CharField(_("答复分类"), max_length=1, choices=ReplyClass.choices, blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    satisfaction = models.CharField(_("代表测评"), max_length=12, choices=Satisfaction.choices, blank=True)
    rehandle_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("代表建议")
        verbose_name_plural = _("代表建议")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"],
                condition=Q(number__isnull=False),
                name="motion_number_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="motion_session_status_idx"),
            sync_index("motion"),
        ]
        # the REST sync feed (liaison.sync): the change sequence, and a tombstone on delete
        # carrying where the suggestion was (its congress's region, lead deputy, lead unit)
        triggers = sync_triggers(
            "deputy_suggestions",
            scope={
                "region_path": "(SELECT r.path FROM motions_congresssession c JOIN stations_region r"  # noqa: S608
                " ON r.id = c.region_id WHERE c.id = OLD.session_id)",
                "deputy_id": "OLD.submitted_by_id",
                "unit_id": "OLD.lead_unit_id",
            },
        )

    def __str__(self) -> str:
        return (
            gettext("第 {number} 号：{title}").format(number=self.number, title=self.title)
            if self.number
            else self.title
        )

    @property
    def number_label(self) -> str:
        return gettext("第 {number} 号").format(number=self.number) if self.number else gettext("未编号")

    @property
    def region(self) -> Region:
        return self.session.region


class Consultation(models.Model):
    """The unit's face-to-face consultation with the deputy (见面沟通)."""

    class Form(models.TextChoices):
        VISIT = "visit", _("上门走访")
        MEETING = "meeting", _("座谈会")
        SITE = "site", _("现场察看")
        PHONE = "phone", _("电话沟通")

    suggestion = models.ForeignKey(
        DeputySuggestion, verbose_name=_("代表建议"), on_delete=models.PROTECT, related_name="consultations"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("沟通日期"))
    form = models.CharField(_("沟通方式"), max_length=10, choices=Form.choices)
    participants = models.CharField(_("参加人员"), max_length=300)
    notes = models.TextField(_("沟通情况"), blank=True)
    event = models.OneToOneField(
        "SuggestionEvent", verbose_name=_("办理记录"), on_delete=models.PROTECT, related_name="consultation"
    )

    class Meta:
        verbose_name = _("见面沟通")
        verbose_name_plural = _("见面沟通")
        ordering = ["held_on", "pk"]
        triggers = [
            pgtrigger.Protect(name="consultation_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_form_display()}"


class SuggestionEvent(models.Model):
    """One step of a suggestion's handling; append-only (a trigger refuses changes)."""

    suggestion = models.ForeignKey(
        DeputySuggestion, verbose_name=_("代表建议"), on_delete=models.PROTECT, related_name="timeline"
    )
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=DeputySuggestion.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=12, choices=DeputySuggestion.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("操作内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("代表建议办理记录")
        verbose_name_plural = _("代表建议办理记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["suggestion", "at"], name="motion_event_at_idx")]
        triggers = [
            pgtrigger.Protect(name="motion_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"


@audited()
class SupervisionItem(SyncTracked, SyncedModel):
    """A supervision item (督办事项) of the standing committee: from a review opinion
    (审议意见) or a key suggestion, with its responsible departments and the deadline of
    the re-report (限期报告); the members' satisfaction vote (满意度测评) decides whether it
    closes or is supervised again."""

    class Status(models.TextChoices):
        SUPERVISING = "supervising", _("督办中")
        REPORTED = "reported", _("已报告")
        EVALUATED = "evaluated", _("已测评")
        CLOSED = "closed", _("已办结")

    class Source(models.TextChoices):
        REVIEW = "review", _("审议意见")
        KEY_SUGGESTION = "key_suggestion", _("重点建议")
        OTHER = "other", _("其他")

    region = models.ForeignKey(
        Region, verbose_name=_("本级人大（区域）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("事项"), max_length=200)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.REVIEW)
    source_suggestion = models.ForeignKey(
        DeputySuggestion,
        verbose_name=_("来源代表建议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    problems = models.TextField(_("存在问题"))
    departments = models.ManyToManyField(HandlingUnit, verbose_name=_("责任单位"), related_name="+")
    report_due = models.DateField(_("限期报告日期"))
    reported_on = models.DateField(_("报告日期"), null=True, blank=True)
    result_text = models.TextField(_("办理结果"), blank=True)
    votes_satisfied = models.PositiveSmallIntegerField(_("满意票"), default=0)
    votes_basic = models.PositiveSmallIntegerField(_("基本满意票"), default=0)
    votes_unsatisfied = models.PositiveSmallIntegerField(_("不满意票"), default=0)
    outcome = models.CharField(_("测评结果"), max_length=12, choices=Satisfaction.choices, blank=True)
    resupervise_count = models.PositiveSmallIntegerField(_("再督办次数"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUPERVISING)

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "number"], name="supervision_number_per_year"),
        ]
        indexes = [sync_index("supervision")]
        triggers = sync_triggers("supervision_items", scope={"region_path": region_path_sql("OLD.region_id")})

    def __str__(self) -> str:
        return f"{self.year} 年第 {self.number} 项：{self.title}"


class SupervisionEvent(models.Model):
    """One step of a supervision item (progress report, result, vote…); append-only."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督办事项"), on_delete=models.PROTECT, related_name="timeline"
    )
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=SupervisionItem.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=12, choices=SupervisionItem.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("操作内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("督办事项记录")
        verbose_name_plural = _("督办事项记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["item", "at"], name="supervision_event_at_idx")]
        triggers = [
            pgtrigger.Protect(
                name="supervision_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"


class MotionAttachment(models.Model):
    """A file attached to a step of a suggestion or a supervision item (a scanned reply,
    the department's report)."""

    suggestion_event = models.ForeignKey(
        SuggestionEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    supervision_event = models.ForeignKey(
        SupervisionEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="motions/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(suggestion_event__isnull=False, supervision_event__isnull=True)
                | Q(suggestion_event__isnull=True, supervision_event__isnull=False),
                name="motion_attachment_one_parent",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
