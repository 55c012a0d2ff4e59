"""Oversight by the county and city congress offices: the deputies' performance files
(履职档案) and their annual evaluation (年度履职考核评价).

The computed part of a file is read from the records (``oversight.selectors``); what the
system cannot see (trainings, congress sessions attended, 述职 …) is a ``FileEntry`` that
staff record or confirm. A county (or city) configures an ``EvaluationScheme`` per year;
an ``EvaluationRun`` stores, per deputy, the measured inputs with the score, so a closed
year's scores are reproducible and every score can be explained."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deputies.models import Deputy
from liaison.audit import audited
from stations.models import Region


class EntryKind(models.TextChoices):
    """What staff record in a performance file that the system cannot see itself."""

    TRAINING = "training", "参加履职学习培训"
    CONGRESS_SESSION = "congress_session", "出席人民代表大会会议"
    STANDING_COMMITTEE = "standing_committee", "列席常委会会议"
    SUGGESTION = "suggestion", "提出议案、建议"
    GROUP_ACTIVITY = "group_activity", "参加代表小组活动"
    REPORT_TO_VOTERS = "report_to_voters", "向选民述职"
    INSPECTION = "inspection", "参加视察、调研、执法检查"


@audited()
class FileEntry(models.Model):
    """One entry of a deputy's performance file (履职档案登记事项), with its evidence.

    Entered by staff (confirmed at once) or by the deputy (pending until staff confirm);
    only confirmed entries count in the file's figures and in the evaluation."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "未采纳"

    deputy = models.ForeignKey(
        Deputy, verbose_name="代表", on_delete=models.CASCADE, related_name="file_entries"
    )
    kind = models.CharField("事项类别", max_length=20, choices=EntryKind.choices)
    occurred_on = models.DateField("日期")
    title = models.CharField("事项", max_length=200)
    source = models.CharField("来源", max_length=200, help_text="如会议通知、签到表、建议编号")
    evidence = models.FileField("佐证材料", upload_to="oversight/evidence/%Y/%m/", max_length=200, blank=True)
    # the type sniffed from the bytes on upload (liaison.uploads), sent with the download
    evidence_type = models.CharField("佐证材料类型", max_length=50, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("登记时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("确认时间", null=True, blank=True)
    review_note = models.CharField("确认意见", max_length=200, blank=True)
    # the form's token: a double click or a retried submission makes one entry
    client_token = models.UUIDField("表单令牌", null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "履职档案登记事项"
        verbose_name_plural = "履职档案登记事项"
        ordering = ["occurred_on", "id"]
        indexes = [models.Index(fields=["deputy", "occurred_on"], name="file_entry_deputy_date_idx")]

    def __str__(self) -> str:
        return f"{self.deputy} {self.occurred_on} {self.title}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


# Grades that count as falling short (flagged in the ranking).
SHORT_GRADES = (Grade.BASIC, Grade.INCOMPETENT)


class Measure(models.TextChoices):
    """What an indicator measures: one figure of the performance file."""

    STATION_ENTRIES = "station_entries", "进站接待（次）"
    DOOR_TO_DOOR = "door_to_door", "走访群众（次）"
    CITIZENS_RECEIVED = "citizens_received", "接待群众（人次）"
    OPINIONS_COLLECTED = "opinions_collected", "收集意见建议（件）"
    CLOSURE_RATE = "closure_rate", "意见建议办结率"
    SATISFACTION_RATE = "satisfaction_rate", "群众满意率"
    TRAININGS = "training", "参加学习培训（次）"
    CONGRESS_SESSIONS = "congress_session", "出席代表大会会议（次）"
    STANDING_COMMITTEE = "standing_committee", "列席常委会会议（次）"
    SUGGESTIONS = "suggestion", "提出议案、建议（件）"
    GROUP_ACTIVITIES = "group_activity", "参加代表小组活动（次）"
    REPORT_TO_VOTERS = "report_to_voters", "向选民述职（次）"
    INSPECTIONS = "inspection", "参加视察调研（次）"


# Measures that are rates (0–1): without a base (no opinion collected, none rated) the
# indicator does not apply and its weight leaves the total.
RATE_MEASURES = (Measure.CLOSURE_RATE, Measure.SATISFACTION_RATE)


@audited()
class EvaluationScheme(models.Model):
    """A county's (or city's) evaluation rule for one year: its indicators and the grade
    thresholds on the 100-point total. A region without a scheme uses its nearest
    ancestor's."""

    region = models.ForeignKey(
        Region, verbose_name="制定单位（区域）", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("方案名称", max_length=100)
    excellent_min = models.DecimalField(
        "优秀（分以上）", max_digits=5, decimal_places=2, default=Decimal("90")
    )
    competent_min = models.DecimalField(
        "称职（分以上）", max_digits=5, decimal_places=2, default=Decimal("75")
    )
    basic_min = models.DecimalField(
        "基本称职（分以上）", max_digits=5, decimal_places=2, default=Decimal("60")
    )

    class Meta:
        verbose_name = "履职考核方案"
        verbose_name_plural = "履职考核方案"
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="evaluation_scheme_unique_region_year"),
            models.CheckConstraint(
                condition=Q(excellent_min__gte=models.F("competent_min"))
                & Q(competent_min__gte=models.F("basic_min")),
                name="evaluation_scheme_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"

    def snapshot(self) -> dict:
        """The rule as plain data, stored with a run (so a closed run never reads the
        live scheme again)."""
        return {
            "scheme_id": self.pk,
            "name": self.name,
            "thresholds": {
                Grade.EXCELLENT: str(self.excellent_min),
                Grade.COMPETENT: str(self.competent_min),
                Grade.BASIC: str(self.basic_min),
            },
            "indicators": [
                {
                    "measure": i.measure,
                    "label": i.get_measure_display(),
                    "target": str(i.target),
                    "weight": str(i.weight),
                    "required": i.required,
                }
                for i in self.indicators.order_by("sort_order", "id")
            ],
        }


@audited()
class Indicator(models.Model):
    """One indicator of a scheme: its points are ``weight × min(value / target, 1)``.
    A required indicator not met flags the deputy whatever their total."""

    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name="考核方案", on_delete=models.CASCADE, related_name="indicators"
    )
    measure = models.CharField("考核内容", max_length=30, choices=Measure.choices)
    target = models.DecimalField(
        "达标值",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="次数或比例（比例填 0–1，如 0.8）",
    )
    weight = models.DecimalField(
        "权重（分）", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    required = models.BooleanField("必须达标", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "measure"], name="indicator_unique_measure"),
            models.CheckConstraint(condition=Q(target__gt=0) & Q(weight__gt=0), name="indicator_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} ≥ {self.target}（{self.weight}分）"


@audited()
class EvaluationRun(models.Model):
    """The evaluation of a region's deputies for one year. While open it may be run again
    on the live records; once closed its stored inputs are the record."""

    class Status(models.TextChoices):
        OPEN = "open", "未归档"
        CLOSED = "closed", "已归档"

    region = models.ForeignKey(Region, verbose_name="考核范围", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name="考核方案", on_delete=models.PROTECT, related_name="runs"
    )
    rule = models.JSONField("考核规则（存档）", default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="计算人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("归档时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="归档人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "履职考核"
        verbose_name_plural = "履职考核"
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="evaluation_run_unique_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}年履职考核"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


@audited()
class EvaluationResult(models.Model):
    """One deputy's evaluation: the measured inputs, the points per indicator, the total,
    the computed grade and (after a staff override with a reason) the final grade."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(
        EvaluationRun, verbose_name="履职考核", on_delete=models.CASCADE, related_name="results"
    )
    deputy = models.ForeignKey(Deputy, verbose_name="代表", on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField("计算依据", default=dict)
    points = models.JSONField("各项得分", default=dict)
    score = models.DecimalField("总分", max_digits=6, decimal_places=2)
    computed_grade = models.CharField("计算等次", max_length=12, choices=Grade.choices)
    grade = models.CharField("最终等次", max_length=12, choices=Grade.choices)
    rank = models.PositiveIntegerField("排名")
    flagged = models.BooleanField("未达要求", default=False)
    shortfalls = models.JSONField("未达标项", default=list)
    override_reason = models.CharField("调整理由", max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="调整人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField("调整时间", null=True, blank=True)

    class Meta:
        verbose_name = "代表考核结果"
        verbose_name_plural = "代表考核结果"
        ordering = ["rank", "deputy_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "deputy"], name="evaluation_result_unique_deputy"),
            models.CheckConstraint(
                condition=Q(grade=models.F("computed_grade")) | ~Q(override_reason=""),
                name="evaluation_result_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} {self.score} {self.get_grade_display()}"

    @property
    def is_overridden(self) -> bool:
        return self.grade != self.computed_grade
