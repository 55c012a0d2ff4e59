"""Regions and liaison stations (人大代表联络站/点)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from liaison.audit import audited
from liaison.db import SyncedModel, SyncTracked, sync_index, sync_triggers

# --- where a deleted record was: the scope its sync tombstone carries (liaison.db.sync_triggers) ---


def region_path_sql(region_id: str) -> str:
    """SQL: the path of region ``region_id`` (an expression over the deleted row, ``OLD``)."""
    return f"(SELECT path FROM stations_region WHERE id = {region_id})"  # noqa: S608 (trigger SQL written here)


def station_tombstone_scope(station_id: str) -> dict[str, str]:
    """A tombstone's scope for a record kept at station ``station_id`` (an SQL expression
    over ``OLD``): the station, the station it hangs under, its region's path. (S608: SQL
    of the models' own triggers, no input in it.)"""
    return {
        "station_id": station_id,
        "station_parent_id": f"(SELECT parent_id FROM stations_station WHERE id = {station_id})",  # noqa: S608
        "region_path": f"(SELECT r.path FROM stations_station s JOIN stations_region r ON r.id = s.region_id WHERE s.id = {station_id})",  # noqa: S608
    }


class RegionLevel(models.IntegerChoices):
    CITY = 1, _("市（州）")
    COUNTY = 2, _("县（市、区）")
    TOWNSHIP = 3, _("乡镇（街道）")
    VILLAGE = 4, _("村（社区）")


class RegionQuerySet(MP_NodeQuerySet):
    def subtree(self, region: "Region") -> "RegionQuerySet":
        """The region and everything under it: one indexed prefix match on ``path``."""
        return self.filter(path__startswith=region.path)


class RegionManager(MP_NodeManager.from_queryset(RegionQuerySet)):
    def get_queryset(self) -> RegionQuerySet:
        return RegionQuerySet(self.model, using=self._db).order_by("path")


@audited()
class Region(SyncTracked, MP_Node):
    """An administrative division (行政区划), kept as a materialized-path tree
    (django-treebeard), so a whole subtree is one indexed ``LIKE 'path%'`` query
    (on PostgreSQL the unique ``path`` gets a ``varchar_pattern_ops`` index too)."""

    code = models.CharField(
        _("行政区划代码"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("行政区划代码应为12位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices, db_index=True)

    steplen = 4
    node_order_by = ["code"]
    objects = RegionManager()

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        indexes = [sync_index("region")]
        triggers = sync_triggers("regions", scope={"region_path": "OLD.path"})

    def __str__(self) -> str:
        return self.name

    @classmethod
    def path_and_ancestors(cls, path: str) -> list[str]:
        """The paths of the region at ``path`` and of every region above it, widest first
        (a materialized path is its ancestors' paths end to end)."""
        return [path[:end] for end in range(cls.steplen, len(path) + 1, cls.steplen)]


class StationQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "StationQuerySet":
        return self.filter(region__path__startswith=region.path)

    def active(self) -> "StationQuerySet":
        return self.filter(status=Station.Status.ACTIVE)


@audited()
class Station(SyncTracked, SyncedModel):
    """A liaison station (联络站), point (联络点), deputies' home (代表之家) or liaison room
    (代表联络室). Points hang under a station; stations may nest too (the grid model:
    central station → area station → village station)."""

    class Kind(models.TextChoices):
        STATION = "station", _("联络站")
        POINT = "point", _("联络点")
        HOME = "home", _("代表之家")
        ROOM = "room", _("代表联络室")

    class Status(models.TextChoices):
        ACTIVE = "active", _("运行中")
        SUSPENDED = "suspended", _("暂停")
        CLOSED = "closed", _("已撤销")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STATION)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="stations"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    themed_base = models.CharField(
        _("主题基地"), max_length=100, blank=True, help_text=_("如“九大基地”之一；无则留空")
    )
    established_on = models.DateField(_("建站日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )

    # 六有: venue, staff, rules, activities, funding, equipment.
    has_venue = models.BooleanField(_("有场地"), default=False)
    has_staff = models.BooleanField(_("有人员"), default=False)
    has_rules = models.BooleanField(_("有制度"), default=False)
    has_activities = models.BooleanField(_("有活动"), default=False)
    has_funding = models.BooleanField(_("有经费"), default=False)
    has_equipment = models.BooleanField(_("有设备"), default=False)
    # 五到任: deputies, staff, service support, ledger management, funding in place.
    deputies_in_place = models.BooleanField(_("代表到任"), default=False)
    staff_in_place = models.BooleanField(_("人员到任"), default=False)
    service_in_place = models.BooleanField(_("服务保障到任"), default=False)
    ledger_in_place = models.BooleanField(_("台账管理到任"), default=False)
    funding_in_place = models.BooleanField(_("经费到任"), default=False)

    objects = StationQuerySet.as_manager()

    SIX_HAVES = ("has_venue", "has_staff", "has_rules", "has_activities", "has_funding", "has_equipment")
    FIVE_IN_PLACE = (
        "deputies_in_place",
        "staff_in_place",
        "service_in_place",
        "ledger_in_place",
        "funding_in_place",
    )

    class Meta:
        verbose_name = _("联络站（点）")
        verbose_name_plural = _("联络站（点）")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="point") | Q(parent__isnull=False), name="station_point_has_parent"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="station_not_own_parent"),
        ]
        indexes = [sync_index("station")]
        triggers = sync_triggers(
            "stations",
            scope={
                "station_id": "OLD.id",
                "station_parent_id": "OLD.parent_id",
                "region_path": region_path_sql("OLD.region_id"),
            },
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.POINT and not self.parent_id:
            raise ValidationError({"parent": gettext("联络点必须隶属于一个联络站。")})
        if self.parent_id:
            if self.parent_id == self.id:
                raise ValidationError({"parent": gettext("不能以自身为上级站。")})
            if self.parent.kind == self.Kind.POINT:
                raise ValidationError({"parent": gettext("联络点下不能再设站点。")})

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def six_haves_count(self) -> int:
        return sum(getattr(self, f) for f in self.SIX_HAVES)

    @property
    def five_in_place_count(self) -> int:
        return sum(getattr(self, f) for f in self.FIVE_IN_PLACE)


@audited()
class StationStaff(SyncedModel):
    """The station head (站长: the township congress chair or street working-committee
    director) and the liaison officers (联络员, one or two, full- or part-time)."""

    class Role(models.TextChoices):
        HEAD = "head", _("站长")
        LIAISON_OFFICER = "liaison_officer", _("联络员")

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("专职")
        PART_TIME = "part_time", _("兼职")

    station = models.ForeignKey(
        Station, verbose_name=_("联络站"), on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(_("职责"), max_length=20, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    employment = models.CharField(
        _("专兼职"), max_length=10, choices=Employment.choices, default=Employment.PART_TIME
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("站点工作人员")
        verbose_name_plural = _("站点工作人员")
        constraints = [
            models.UniqueConstraint(
                fields=["station"], condition=Q(role="head", is_active=True), name="station_one_active_head"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


@audited()
class StationFunding(SyncedModel):
    """A year's earmarked funding for a station (county budgets 20,000–50,000 yuan per year)."""

    class Source(models.TextChoices):
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡镇")

    station = models.ForeignKey(
        Station, verbose_name=_("联络站"), on_delete=models.CASCADE, related_name="funding"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.COUNTY)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("经费保障")
        verbose_name_plural = _("经费保障")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "year", "source"], name="station_funding_unique_year_source"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="station_funding_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.year} {self.amount}"
