"""Citizen opinions (群众意见建议) as tickets, their categories, and handling units (承办单位)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from deputies.models import Deputy, LeadingCadre
from liaison.audit import audited
from liaison.db import SyncedModel
from liaison.masking import mask_address, mask_id_number, mask_name, mask_phone
from stations.models import Region, Station
from visits.models import ReceptionSession


class Category(models.Model):
    """Opinion category (roads, water, education…); editable by admins."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "意见类别"
        verbose_name_plural = "意见类别"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


@audited()
class HandlingUnit(SyncedModel):
    """A body that handles referred opinions: a township government, a county
    department, a utility…, with the region it serves."""

    class Kind(models.TextChoices):
        TOWNSHIP_GOVERNMENT = "township_gov", "乡镇政府（街道办）"
        COUNTY_DEPARTMENT = "county_dept", "县级部门"
        CITY_DEPARTMENT = "city_dept", "市级部门"
        UTILITY = "utility", "公用事业单位"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name="服务区域", on_delete=models.PROTECT, related_name="handling_units"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "承办单位"
        verbose_name_plural = "承办单位"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="handling_unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "TicketQuerySet":
        return self.filter(station__region__path__startswith=region.path)

    def received_between(self, start, end) -> "TicketQuerySet":
        return self.filter(received_at__gte=start, received_at__lt=end)

    def open(self) -> "TicketQuerySet":
        return self.exclude(status__in=Ticket.FINAL_STATUSES)


@audited()
class Ticket(SyncedModel):
    """One citizen opinion, handled as a ticket until it is closed with a reply.

    First version: enough to carry the demo data and the closure-rate figures. The
    state machine (allowed transitions, events, replies) lives in suggestions/services."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        ACCEPTED = "accepted", "已受理"
        ASSIGNED = "assigned", "已交办"
        REPLIED = "replied", "已答复"
        DELIVERED = "delivered", "已反馈群众"
        CLOSED = "closed", "已办结"
        WITHDRAWN = "withdrawn", "已撤回"
        MERGED = "merged", "已合并"

    class Tier(models.TextChoices):
        ON_THE_SPOT = "on_the_spot", "代表当场答复"
        TOWNSHIP = "township", "村（社区）、乡镇办理"
        COUNTY_DEPARTMENT = "county_dept", "县级部门办理"
        STANDING_COMMITTEE = "standing_committee", "提交人大常委会"
        DEPUTY_SUGGESTION = "deputy_suggestion", "转为代表建议"

    FINAL_STATUSES = (Status.CLOSED, Status.WITHDRAWN, Status.MERGED)

    station = models.ForeignKey(
        Station, verbose_name="联络站（点）", on_delete=models.PROTECT, related_name="tickets"
    )
    reception = models.ForeignKey(
        ReceptionSession,
        verbose_name="接待活动",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    village = models.ForeignKey(
        Region, verbose_name="村（社区）", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Citizen's personal information (PIPL): masked outside the ticket's own page.
    citizen_name = models.CharField("群众姓名", max_length=50)
    citizen_phone = models.CharField("联系电话", max_length=20, blank=True)
    citizen_address = models.CharField("住址", max_length=200, blank=True)
    citizen_id_number = models.CharField("身份证号", max_length=18, blank=True)
    consent_to_share = models.BooleanField(
        "同意向承办单位提供个人信息", default=False, help_text="未同意的，按匿名方式交办"
    )

    category = models.ForeignKey(
        Category, verbose_name="类别", on_delete=models.PROTECT, related_name="tickets"
    )
    content = models.TextField("意见建议内容")
    on_the_spot_action = models.TextField("现场处理情况", blank=True)
    received_by_deputy = models.ForeignKey(
        Deputy,
        verbose_name="接待代表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    received_by_cadre = models.ForeignKey(
        LeadingCadre,
        verbose_name="接待领导干部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    received_at = models.DateTimeField("收集时间", db_index=True)

    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    tier = models.CharField("分级处理", max_length=20, choices=Tier.choices, blank=True)
    handling_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    due_on = models.DateField("办理期限", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = "群众意见建议"
        verbose_name_plural = "群众意见建议"
        indexes = [
            models.Index(fields=["station", "received_at"], name="ticket_station_received_idx"),
            models.Index(fields=["status", "due_on"], name="ticket_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_by_deputy__isnull=True) | Q(received_by_cadre__isnull=True),
                name="ticket_one_receiver",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="ticket_closed_iff_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.content[:20]}"

    @property
    def receiver(self):
        return self.received_by_deputy or self.received_by_cadre

    # Masked forms for lists, exports and reports; the full values only on the
    # ticket page for entitled users (liaison.scoping.can_see_citizen_data).
    @property
    def masked_citizen_name(self) -> str:
        return mask_name(self.citizen_name)

    @property
    def masked_citizen_phone(self) -> str:
        return mask_phone(self.citizen_phone)

    @property
    def masked_citizen_address(self) -> str:
        return mask_address(self.citizen_address)

    @property
    def masked_citizen_id_number(self) -> str:
        return mask_id_number(self.citizen_id_number)
