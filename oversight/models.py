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
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.audit import audited
from stations.models import Region


class EntryKind(models.TextChoices):
    """What staff record in a performance file that the system cannot see itself."""

    TRAINING = "training", _("参加履职学习培训")
    CONGRESS_SESSION = "congress_session", _("出席人民代表大会会议")
    STANDING_COMMITTEE = "standing_committee", _("列席常委会会议")
    SUGGESTION = "suggestion", _("提出议案、建议")
    GROUP_ACTIVITY = "group_activity", _("参加代表小组活动")
    REPORT_TO_VOTERS = "report_to_voters", _("向选民述职")
    INSPECTION = "inspection", _("参加视察、调研、执法检查")


@audited()
class FileEntry(models.Model):
    """One entry of a deputy's performance file (履职档案登记事项), with its evidence.

    Entered by staff (confirmed at once) or by the deputy (pending until staff confirm);
    only confirmed entries count in the file's figures and in the evaluation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未采纳")

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("代表"), on_delete=models.CASCADE, related_name="file_entries"
    )
    kind = models.CharField(_("事项类别"), max_length=20, choices=EntryKind.choices)
    occurred_on = models.DateField(_("日期"))
    title = models.CharField(_("事项"), max_length=200)
    source = models.CharField(_("来源"), max_length=200, help_text=_("如会议通知、签到表、建议编号"))
    evidence = models.FileField(
        _("佐证材料"), upload_to="oversight/evidence/%Y/%m/", max_length=200, blank=True
    )
    # the type sniffed from the bytes on upload (liaison.uploads), sent with the download
    evidence_type = models.CharField(_("佐证材料类型"), max_length=50, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    review_note = models.CharField(_("确认意见"), max_length=200, blank=True)
    # the form's token: a double click or a retried submission makes one entry
    client_token = models.UUIDField(_("表单令牌"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("履职档案登记事项")
        verbose_name_plural = _("履职档案登记事项")
        ordering = ["occurred_on", "id"]
        indexes = [models.Index(fields=["deputy", "occurred_on"], name="file_entry_deputy_date_idx")]

    def __str__(self) -> str:
        return f"{self.deputy} {self.occurred_on} {self.title}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


# Grades that count as falling short (flagged in the ranking).
SHORT_GRADES = (Grade.BASIC, Grade.INCOMPETENT)


class Measure(models.TextChoices):
    """What an indicator measures: one figure of the performance file."""

    STATION_ENTRIES = "station_entries", _("进站接待（次）")
    DOOR_TO_DOOR = "door_to_door", _("走访群众（次）")
    CITIZENS_RECEIVED = "citizens_received", _("接待群众（人次）")
    OPINIONS_COLLECTED = "opinions_collected", _("收集意见建议（件）")
    CLOSURE_RATE = "closure_rate", _("意见建议办结率")
    SATISFACTION_RATE = "satisfaction_rate", _("群众满意率")
    TRAININGS = "training", _("参加学习培训（次）")
    CONGRESS_SESSIONS = "congress_session", _("出席代表大会会议（次）")
    STANDING_COMMITTEE = "standing_committee", _("列席常委会会议（次）")
    SUGGESTIONS = "suggestion", _("提出议案、建议（件）")
    GROUP_ACTIVITIES = "group_activity", _("参加代表小组活动（次）")
    REPORT_TO_VOTERS = "report_to_voters", _("向选民述职（次）")
    INSPECTIONS = "inspection", _("参加视察调研（次）")


# Measures that are rates (0–1): without a base (no opinion collected, none rated) the
# indicator does not apply and its weight leaves the total.
RATE_MEASURES = (Measure.CLOSURE_RATE, Measure.SATISFACTION_RATE)


@audited()
class EvaluationScheme(models.Model):
    """A county's (or city's) evaluation rule for one year: its indicators and the grade
    thresholds on the 100-point total. A region without a scheme uses its nearest
    ancestor's."""

    region = models.ForeignKey(
        Region, verbose_name=_("制定单位（区域）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("方案名称"), max_length=100)
    excellent_min = models.DecimalField(
        _("优秀（分以上）"), max_digits=5, decimal_places=2, default=Decimal("90")
    )
    competent_min = models.DecimalField(
        _("称职（分以上）"), max_digits=5, decimal_places=2, default=Decimal("75")
    )
    basic_min = models.DecimalField(
        _("基本称职（分以上）"), max_digits=5, decimal_places=2, default=Decimal("60")
    )

    class Meta:
        verbose_name = _("履职考核方案")
        verbose_name_plural = _("履职考核方案")
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
        EvaluationScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="indicators"
    )
    measure = models.CharField(_("考核内容"), max_length=30, choices=Measure.choices)
    target = models.DecimalField(
        _("达标值"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("次数或比例（比例填 0–1，如 0.8）"),
    )
    weight = models.DecimalField(
        _("权重（分）"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    required = models.BooleanField(_("必须达标"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
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
        OPEN = "open", _("未归档")
        CLOSED = "closed", _("已归档")

    region = models.ForeignKey(Region, verbose_name=_("考核范围"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name=_("考核方案"), on_delete=models.PROTECT, related_name="runs"
    )
    rule = models.JSONField(_("考核规则（存档）"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("计算人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("履职考核")
        verbose_name_plural = _("履职考核")
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
        EvaluationRun, verbose_name=_("履职考核"), on_delete=models.CASCADE, related_name="results"
    )
    deputy = models.ForeignKey(Deputy, verbose_name=_("代表"), on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField(_("计算依据"), default=dict)
    points = models.JSONField(_("各项得分"), default=dict)
    score = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    computed_grade = models.CharField(_("计算等次"), max_length=12, choices=Grade.choices)
    grade = models.CharField(_("最终等次"), max_length=12, choices=Grade.choices)
    rank = models.PositiveIntegerField(_("排名"))
    flagged = models.BooleanField(_("未达要求"), default=False)
    shortfalls = models.JSONField(_("未达标项"), default=list)
    override_reason = models.CharField(_("调整理由"), max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("调整时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代表考核结果")
        verbose_name_plural = _("代表考核结果")
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


# --- station inspections and the five-star rating (五星级联络站) ---------------------------


class ChecklistItem(models.TextChoices):
    """The six haves (六有) and five in place (五到任) an inspection checks."""

    VENUE = "venue", _("有场地")
    STAFF = "staff", _("有人员")
    RULES = "rules", _("有制度")
    ACTIVITIES = "activities", _("有活动")
    FUNDING = "funding", _("有经费")
    EQUIPMENT = "equipment", _("有设备")
    DEPUTIES_IN_PLACE = "deputies_in_place", _("代表到任")
    STAFF_IN_PLACE = "staff_in_place", _("人员到任")
    SERVICE_IN_PLACE = "service_in_place", _("服务保障到任")
    LEDGER_IN_PLACE = "ledger_in_place", _("台账管理到任")
    FUNDING_IN_PLACE = "funding_in_place", _("经费到任")


@audited()
class Inspection(models.Model):
    """An inspection visit (督导检查) to a station: who went, when, what they found."""

    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("联络站（点）"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    visited_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    notes = models.TextField(_("检查情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # the form's token: a double click or a retried submission records one visit
    client_token = models.UUIDField(_("表单令牌"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("联络站督导检查")
        verbose_name_plural = _("联络站督导检查")
        indexes = [models.Index(fields=["station", "visited_on"], name="inspection_station_date_idx")]

    def __str__(self) -> str:
        return f"{self.station} {self.visited_on}"


@audited()
class InspectionFinding(models.Model):
    """One checklist item of an inspection: met or not, the finding, a photo, and for a
    problem the deadline to fix it and when it was fixed (整改)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督导检查"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.CharField(_("检查项目"), max_length=20, choices=ChecklistItem.choices)
    passed = models.BooleanField(_("达标"), default=True)
    finding = models.CharField(_("检查发现"), max_length=500, blank=True)
    photo = models.ImageField(_("照片"), upload_to="oversight/inspections/%Y/%m/", max_length=200, blank=True)
    fix_by = models.DateField(_("整改期限"), null=True, blank=True)
    fixed_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    fix_note = models.CharField(_("整改情况"), max_length=500, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_finding_unique_item"),
            models.CheckConstraint(
                condition=Q(passed=True) | ~Q(finding=""), name="inspection_problem_has_finding"
            ),
        ]
        indexes = [
            models.Index(
                fields=["fix_by"],
                condition=Q(passed=False, fixed_on__isnull=True),
                name="finding_open_fix_by_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}：{'达标' if self.passed else self.finding}"


class StationMeasure(models.TextChoices):
    """What a star criterion measures, from the records of the year."""

    TIMETABLE_HELD = "timetable_held", _("按公示安排开展接待的比例")
    RECEPTION_DAYS = "reception_days", _("开展进站接待（天）")
    ENTRIES_PER_DEPUTY = "entries_per_deputy", _("驻站代表人均进站（次）")
    CITIZENS_RECEIVED = "citizens_received", _("接待群众（人次）")
    CLOSURE_RATE = "closure_rate", _("意见建议办结率")
    ON_TIME_RATE = "on_time_rate", _("按期办结率")
    SATISFACTION_RATE = "satisfaction_rate", _("群众满意率")
    LEDGER_COMPLETE = "ledger_complete", _("台账完整率")
    FUNDING = "funding", _("年度经费（元）")
    CHECKLIST_PASSED = "checklist_passed", _("督导检查达标率")


# Station measures that are rates: without a base (nothing scheduled, collected, rated,
# inspected) the criterion does not apply.
STATION_RATE_MEASURES = (
    StationMeasure.TIMETABLE_HELD,
    StationMeasure.ENTRIES_PER_DEPUTY,
    StationMeasure.CLOSURE_RATE,
    StationMeasure.ON_TIME_RATE,
    StationMeasure.SATISFACTION_RATE,
    StationMeasure.LEDGER_COMPLETE,
    StationMeasure.CHECKLIST_PASSED,
)


@audited()
class StarRule(models.Model):
    """A county's or city's five-star rule for a year (a region without one uses its
    nearest ancestor's): a station has N stars when it meets the N-star threshold of
    every criterion that applies to it."""

    region = models.ForeignKey(
        Region, verbose_name=_("制定单位（区域）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("评定办法"), max_length=100)

    class Meta:
        verbose_name = _("星级评定办法")
        verbose_name_plural = _("星级评定办法")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="star_rule_unique_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"

    def snapshot(self) -> dict:
        return {
            "rule_id": self.pk,
            "name": self.name,
            "criteria": [
                {
                    "measure": c.measure,
                    "label": c.get_measure_display(),
                    "thresholds": [
                        str(t) for t in (c.one_star, c.two_stars, c.three_stars, c.four_stars, c.five_stars)
                    ],
                }
                for c in self.criteria.order_by("sort_order", "id")
            ],
        }


@audited()
class StarCriterion(models.Model):
    rule = models.ForeignKey(
        StarRule, verbose_name=_("评定办法"), on_delete=models.CASCADE, related_name="criteria"
    )
    measure = models.CharField(_("评定内容"), max_length=30, choices=StationMeasure.choices)
    one_star = models.DecimalField(_("一星"), max_digits=10, decimal_places=2)
    two_stars = models.DecimalField(_("二星"), max_digits=10, decimal_places=2)
    three_stars = models.DecimalField(_("三星"), max_digits=10, decimal_places=2)
    four_stars = models.DecimalField(_("四星"), max_digits=10, decimal_places=2)
    five_stars = models.DecimalField(_("五星"), max_digits=10, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("星级评定标准")
        verbose_name_plural = _("星级评定标准")
        constraints = [
            models.UniqueConstraint(fields=["rule", "measure"], name="star_criterion_unique_measure"),
            models.CheckConstraint(
                condition=Q(two_stars__gte=models.F("one_star"))
                & Q(three_stars__gte=models.F("two_stars"))
                & Q(four_stars__gte=models.F("three_stars"))
                & Q(five_stars__gte=models.F("four_stars")),
                name="star_criterion_thresholds_rise",
            ),
        ]

    def __str__(self) -> str:
        return self.get_measure_display()


@audited()
class StationRating(models.Model):
    """A station's stars for a year, with every input and the rule it was computed by
    ("why 3 stars?"); a staff override keeps the computed stars beside it, with a reason."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("联络站（点）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(Region, verbose_name=_("评定范围"), on_delete=models.PROTECT, related_name="+")
    rule = models.JSONField(_("评定办法（存档）"), default=dict)
    inputs = models.JSONField(_("计算依据"), default=dict)
    levels = models.JSONField(_("各项达到星级"), default=dict)
    computed_stars = models.PositiveSmallIntegerField(_("计算星级"))
    stars = models.PositiveSmallIntegerField(_("最终星级"))
    override_reason = models.CharField(_("调整理由"), max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("调整时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("联络站星级")
        verbose_name_plural = _("联络站星级")
        constraints = [
            models.UniqueConstraint(fields=["station", "year"], name="station_rating_unique_year"),
            models.CheckConstraint(
                condition=Q(stars__lte=5) & Q(computed_stars__lte=5), name="station_rating_at_most_5"
            ),
            models.CheckConstraint(
                condition=Q(stars=models.F("computed_stars")) | ~Q(override_reason=""),
                name="station_rating_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.year}年 {self.stars}星"


@audited()
class StarRatingClosure(models.Model):
    """A region's star ratings of a year, archived (归档): from then on the year's ratings
    are never computed again on the live records (their stored inputs and rule are the
    record, and rescoring them gives the same stars); an override still may be made, with
    a reason, and is audited."""

    region = models.ForeignKey(Region, verbose_name=_("评定范围"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    closed_at = models.DateTimeField(_("归档时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("星级评定归档")
        verbose_name_plural = _("星级评定归档")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="star_rating_closure_unique_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


# --- circulars (通报) ---------------------------------------------------------------------------


@audited()
class Circular(models.Model):
    """A circular (通报) for a period and a region: generated from the figures (stored with
    it), edited by staff while a draft, then issued and kept unchanged."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已印发")

    region = models.ForeignKey(Region, verbose_name=_("通报范围"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("起始月"))
    period_end = models.DateField(_("截止月"))
    title = models.CharField(_("标题"), max_length=200)
    number = models.CharField(_("文号"), max_length=50, blank=True)
    issuing_office = models.CharField(_("发文机关"), max_length=100)
    body = models.TextField(_("正文"))
    figures = models.JSONField(_("本期数据（存档）"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
