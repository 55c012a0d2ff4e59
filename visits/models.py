"""Reception sessions (接待活动): reception days at a station, door-to-door visits, online
receptions and themed "station +" activities, with who was there."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deputies.models import Deputy, LeadingCadre
from liaison.audit import audited
from liaison.db import SyncedModel, SyncTracked, sync_index, sync_triggers
from stations.models import Region, Station, station_tombstone_scope


class ReceptionSessionQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "ReceptionSessionQuerySet":
        return self.filter(station__region__path__startswith=region.path)

    def between(self, start, end) -> "ReceptionSessionQuerySet":
        """Sessions starting in [start, end) (aware datetimes)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def held(self) -> "ReceptionSessionQuerySet":
        return self.filter(status=ReceptionSession.Status.DONE)

    def search(self, text: str) -> "ReceptionSessionQuerySet":
        """Sessions matching every word of ``text`` in the theme, the notes or the station's
        name (trigram GIN indexes on PostgreSQL, visits migration 0006)."""
        if "\x00" in (text or ""):
            return self.none()  # PostgreSQL text cannot hold NUL: nothing matches
        words = (text or "")[:100].split()[:5]
        match = models.Q()
        for word in words:
            match &= (
                models.Q(theme__icontains=word)
                | models.Q(notes__icontains=word)
                | models.Q(station__name__icontains=word)
            )
        return self.filter(match)


@audited()
class ReceptionSession(SyncTracked, SyncedModel):
    class Kind(models.TextChoices):
        STATION_RECEPTION = "station_reception", gettext_lazy("进站接待")
        DOOR_TO_DOOR = "door_to_door", gettext_lazy("走访")
        ONLINE = "online", gettext_lazy("网上接待")
        THEMED = "themed", gettext_lazy("主题活动")

    class ThemeKind(models.TextChoices):
        MANDATORY = "mandatory", gettext_lazy("必选")
        OPTIONAL = "optional", gettext_lazy("自选")

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("草稿")
        DONE = "done", gettext_lazy("已完成")

    # Kinds held at the station: a deputy or cadre present at one of these is a
    # "station entry" (进站人次). The counting rules live in suggestions/selectors.py.
    AT_STATION_KINDS = (Kind.STATION_RECEPTION, Kind.THEMED)

    station = models.ForeignKey(
        Station,
        verbose_name=gettext_lazy("联络站（点）"),
        on_delete=models.PROTECT,
        related_name="receptions",
    )
    kind = models.CharField(
        gettext_lazy("活动类型"), max_length=20, choices=Kind.choices, default=Kind.STATION_RECEPTION
    )
    theme = models.CharField(gettext_lazy("主题"), max_length=200, blank=True)
    theme_kind = models.CharField(
        gettext_lazy("主题类别"), max_length=10, choices=ThemeKind.choices, blank=True
    )
    starts_at = models.DateTimeField(gettext_lazy("开始时间"))
    ends_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    citizens_received = models.PositiveIntegerField(gettext_lazy("接待群众（人次）"), default=0)
    notes = models.TextField(gettext_lazy("情况记录"), blank=True)
    # Why a completed session had no deputy or cadre present, or received no citizen
    # (visits.services.completion_rule_errors asks for it then).
    exception_reason = models.CharField(
        gettext_lazy("特殊情况说明"),
        max_length=500,
        blank=True,
        help_text=gettext_lazy("无代表（领导干部）出席或无群众来访时，写明原因"),
    )
    status = models.CharField(
        gettext_lazy("状态"), max_length=10, choices=Status.choices, default=Status.DONE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The token the reception form carried: a double click or a resubmitted form names
    # the same token, and the service answers with the session it already made.
    client_token = models.UUIDField(
        gettext_lazy("表单令牌"), null=True, blank=True, unique=True, editable=False
    )
    slot = models.OneToOneField(
        "ReceptionSlot",
        verbose_name=gettext_lazy("对应的接待安排"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="session",
    )
    # A draft keeps its ledger rows here; they become tickets when it is finished.
    draft_rows = models.JSONField(gettext_lazy("草稿登记簿行"), default=list, blank=True)

    objects = ReceptionSessionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("接待活动")
        verbose_name_plural = gettext_lazy("接待活动")
        indexes = [
            sync_index("reception"),
            models.Index(fields=["station", "starts_at"], name="reception_station_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="reception_ends_after_start",
            ),
        ]
        triggers = sync_triggers(
            "receptions", scope={**station_tombstone_scope("OLD.station_id"), "session_id": "OLD.id"}
        )

    def __str__(self) -> str:
        return f"{self.station} {self.get_kind_display()} {self.starts_at:%Y-%m-%d}"


class AttendanceQuerySet(models.QuerySet):
    def station_entries(self) -> "AttendanceQuerySet":
        """进站人次 (the counting rule): present at a completed session held at a station
        (reception day or themed activity); door-to-door and online sessions are not."""
        return self.filter(
            present=True,
            session__status=ReceptionSession.Status.DONE,
            session__kind__in=ReceptionSession.AT_STATION_KINDS,
        )


@audited()
class Attendance(SyncTracked, SyncedModel):
    """One person at one reception session: a deputy, a leading cadre, or an invited
    official or legal expert (by name)."""

    class Role(models.TextChoices):
        DEPUTY = "deputy", gettext_lazy("人大代表")
        LEADING_CADRE = "leading_cadre", gettext_lazy("领导干部")
        OFFICIAL = "official", gettext_lazy("特邀部门人员")
        LEGAL_EXPERT = "legal_expert", gettext_lazy("法律专家")

    session = models.ForeignKey(
        ReceptionSession,
        verbose_name=gettext_lazy("接待活动"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    role = models.CharField(gettext_lazy("身份"), max_length=20, choices=Role.choices)
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=gettext_lazy("代表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    cadre = models.ForeignKey(
        LeadingCadre,
        verbose_name=gettext_lazy("领导干部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    guest_name = models.CharField(gettext_lazy("姓名"), max_length=50, blank=True)
    guest_title = models.CharField(gettext_lazy("单位职务"), max_length=100, blank=True)
    present = models.BooleanField(gettext_lazy("出席"), default=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("参加人员")
        verbose_name_plural = gettext_lazy("参加人员")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="deputy", deputy__isnull=False, cadre__isnull=True)
                    | Q(role="leading_cadre", cadre__isnull=False, deputy__isnull=True)
                    | (
                        Q(role__in=["official", "legal_expert"], deputy__isnull=True, cadre__isnull=True)
                        & ~Q(guest_name="")
                    )
                ),
                name="attendance_person_matches_role",
            ),
            models.UniqueConstraint(
                fields=["session", "deputy"],
                condition=Q(deputy__isnull=False),
                name="attendance_unique_deputy",
            ),
            models.UniqueConstraint(
                fields=["session", "cadre"], condition=Q(cadre__isnull=False), name="attendance_unique_cadre"
            ),
        ]
        indexes = [sync_index("attendance")]
        triggers = sync_triggers(
            "attendances",
            scope={
                **station_tombstone_scope(
                    "(SELECT station_id FROM visits_receptionsession WHERE id = OLD.session_id)"
                ),
                "session_id": "OLD.session_id",
                "deputy_id": "OLD.deputy_id",
            },
        )

    def __str__(self) -> str:
        return str(self.deputy or self.cadre or self.guest_name)


class ReceptionSlotQuerySet(models.QuerySet):
    def upcoming(self, *, on) -> "ReceptionSlotQuerySet":
        return self.filter(date__gte=on)


@audited()
class ReceptionSlot(SyncedModel):
    """A published reception day (接待日安排) at a station: date, hours and the deputies
    who sit. A session logged against it marks it held (``slot.session``)."""

    station = models.ForeignKey(
        Station,
        verbose_name=gettext_lazy("联络站（点）"),
        on_delete=models.CASCADE,
        related_name="reception_slots",
    )
    date = models.DateField(gettext_lazy("接待日期"))
    starts = models.TimeField(gettext_lazy("开始时间"))
    ends = models.TimeField(gettext_lazy("结束时间"))
    deputies = models.ManyToManyField(
        Deputy, verbose_name=gettext_lazy("进站代表"), blank=True, related_name="reception_slots"
    )
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)

    objects = ReceptionSlotQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("接待安排")
        verbose_name_plural = gettext_lazy("接待安排")
        ordering = ["date", "starts"]
        indexes = [models.Index(fields=["station", "date"], name="slot_station_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="slot_ends_after_start"),
            models.UniqueConstraint(fields=["station", "date", "starts"], name="slot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.date:%Y-%m-%d} {self.starts:%H:%M}–{self.ends:%H:%M}"


def attachment_path(instance: "ReceptionAttachment", filename: str) -> str:
    # Never the uploader's file name in the path: it may carry a citizen's name.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"receptions/{instance.session_id}/{uuid.uuid4().hex}.{ext}"


def thumbnail_path(instance: "ReceptionAttachment", filename: str) -> str:
    return f"receptions/{instance.session_id}/thumbs/{uuid.uuid4().hex}.jpg"


@audited()
class ReceptionAttachment(SyncedModel):
    """A photo or a scanned sign-in sheet of a session, stored through Django's storage."""

    class Kind(models.TextChoices):
        PHOTO = "photo", gettext_lazy("照片")
        SIGN_IN = "sign_in", gettext_lazy("签到表")
        OTHER = "other", gettext_lazy("其他")

    session = models.ForeignKey(
        ReceptionSession,
        verbose_name=gettext_lazy("接待活动"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(gettext_lazy("文件"), upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(gettext_lazy("缩略图"), upload_to=thumbnail_path, max_length=200, blank=True)
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=200)
    content_type = models.CharField(gettext_lazy("文件类型"), max_length=50)
    size = models.PositiveIntegerField(gettext_lazy("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("附件")
        verbose_name_plural = gettext_lazy("附件")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ExportJob(SyncedModel):
    """An export running in the background: status, progress and the file. One machinery
    for every kind (``visits.services.EXPORT_KINDS``): a ledger (station, book, period)
    or a dashboard's tables (``params`` says which dashboard and period)."""

    class Kind(models.TextChoices):
        LEDGER = "ledger", gettext_lazy("登记簿")
        DASHBOARD = "dashboard", gettext_lazy("数据看板表格")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("排队中")
        RUNNING = "running", gettext_lazy("生成中")
        DONE = "done", gettext_lazy("已完成")
        FAILED = "failed", gettext_lazy("失败")

    class Book(models.TextChoices):
        RECEPTION = "reception", gettext_lazy("人大代表接待群众意见建议登记簿")
        DOOR_TO_DOOR = "door_to_door", gettext_lazy("人大代表走访群众意见建议登记簿")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        PDF = "pdf", "PDF"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("申请人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=12, choices=Kind.choices, default=Kind.LEDGER)
    title = models.CharField(
        gettext_lazy("名称"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("登记簿以外的导出：所导出的内容"),
    )
    params = models.JSONField(
        gettext_lazy("参数"), default=dict, blank=True, help_text=gettext_lazy("登记簿以外的导出：看板与期间")
    )
    station = models.ForeignKey(
        Station,
        verbose_name=gettext_lazy("联络站"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    book = models.CharField(gettext_lazy("登记簿"), max_length=20, choices=Book.choices, blank=True)
    format = models.CharField(gettext_lazy("格式"), max_length=4, choices=Format.choices)
    date_from = models.DateField(gettext_lazy("起始日期"), null=True, blank=True)
    date_to = models.DateField(gettext_lazy("截止日期"), null=True, blank=True)
    status = models.CharField(
        gettext_lazy("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(gettext_lazy("进度（%）"), default=0)
    row_count = models.PositiveIntegerField(gettext_lazy("行数"), default=0)
    file = models.FileField(gettext_lazy("文件"), upload_to="exports/%Y/%m/", max_length=200, blank=True)
    error = models.TextField(gettext_lazy("错误信息"), blank=True)
    finished_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)
    # tickets whose citizen details the file shows in full: a download re-checks that the
    # user may still see each of them so, and logs the view
    full_ticket_ids = models.JSONField(
        gettext_lazy("完整显示的意见建议"), default=list, blank=True, editable=False
    )

    class Meta:
        verbose_name = gettext_lazy("导出任务")
        verbose_name_plural = gettext_lazy("导出任务")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="ledger")
                | Q(station__isnull=False, date_from__isnull=False, date_to__isnull=False) & ~Q(book=""),
                name="exportjob_ledger_has_station_book_period",
            )
        ]

    @property
    def label(self) -> str:
        return self.get_book_display() if self.kind == self.Kind.LEDGER else self.title

    @property
    def summary(self) -> str:
        if self.kind == self.Kind.LEDGER:
            return _("%(station)s · %(start)s 至 %(end)s · %(format)s") % {
                "station": self.station.name,
                "start": f"{self.date_from:%Y-%m-%d}",
                "end": f"{self.date_to:%Y-%m-%d}",
                "format": self.get_format_display(),
            }
        return f"{self.get_kind_display()} · {self.get_format_display()}"

    def __str__(self) -> str:
        if self.kind != self.Kind.LEDGER:
            return self.title
        return f"{self.get_book_display()} {self.date_from}–{self.date_to}"
