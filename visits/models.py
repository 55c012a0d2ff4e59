"""Reception sessions (接待活动): reception days at a station, door-to-door visits, online
receptions and themed "station +" activities, with who was there."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from deputies.models import Deputy, LeadingCadre
from liaison.audit import audited
from liaison.db import SyncedModel
from stations.models import Region, Station


class ReceptionSessionQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "ReceptionSessionQuerySet":
        return self.filter(station__region__path__startswith=region.path)

    def between(self, start, end) -> "ReceptionSessionQuerySet":
        """Sessions starting in [start, end) (aware datetimes)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def held(self) -> "ReceptionSessionQuerySet":
        return self.filter(status=ReceptionSession.Status.DONE)


@audited()
class ReceptionSession(SyncedModel):
    class Kind(models.TextChoices):
        STATION_RECEPTION = "station_reception", "进站接待"
        DOOR_TO_DOOR = "door_to_door", "走访"
        ONLINE = "online", "网上接待"
        THEMED = "themed", "主题活动"

    class ThemeKind(models.TextChoices):
        MANDATORY = "mandatory", "必选"
        OPTIONAL = "optional", "自选"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        DONE = "done", "已完成"

    # Kinds held at the station: a deputy or cadre present at one of these is a
    # "station entry" (进站人次). The counting rules live in suggestions/selectors.py.
    AT_STATION_KINDS = (Kind.STATION_RECEPTION, Kind.THEMED)

    station = models.ForeignKey(
        Station, verbose_name="联络站（点）", on_delete=models.PROTECT, related_name="receptions"
    )
    kind = models.CharField("活动类型", max_length=20, choices=Kind.choices, default=Kind.STATION_RECEPTION)
    theme = models.CharField("主题", max_length=200, blank=True)
    theme_kind = models.CharField("主题类别", max_length=10, choices=ThemeKind.choices, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    citizens_received = models.PositiveIntegerField("接待群众（人次）", default=0)
    notes = models.TextField("情况记录", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DONE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ReceptionSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "接待活动"
        verbose_name_plural = "接待活动"
        indexes = [models.Index(fields=["station", "starts_at"], name="reception_station_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="reception_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.get_kind_display()} {self.starts_at:%Y-%m-%d}"


@audited()
class Attendance(SyncedModel):
    """One person at one reception session: a deputy, a leading cadre, or an invited
    official or legal expert (by name)."""

    class Role(models.TextChoices):
        DEPUTY = "deputy", "人大代表"
        LEADING_CADRE = "leading_cadre", "领导干部"
        OFFICIAL = "official", "特邀部门人员"
        LEGAL_EXPERT = "legal_expert", "法律专家"

    session = models.ForeignKey(
        ReceptionSession, verbose_name="接待活动", on_delete=models.CASCADE, related_name="attendances"
    )
    role = models.CharField("身份", max_length=20, choices=Role.choices)
    deputy = models.ForeignKey(
        Deputy,
        verbose_name="代表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    cadre = models.ForeignKey(
        LeadingCadre,
        verbose_name="领导干部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    guest_name = models.CharField("姓名", max_length=50, blank=True)
    guest_title = models.CharField("单位职务", max_length=100, blank=True)
    present = models.BooleanField("出席", default=True)

    class Meta:
        verbose_name = "参加人员"
        verbose_name_plural = "参加人员"
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

    def __str__(self) -> str:
        return str(self.deputy or self.cadre or self.guest_name)
