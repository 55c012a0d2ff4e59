"""Deputies (人大代表) of the five levels, their mandates, deputy groups, and the leading
cadres (领导干部) who also enter the stations to receive citizens."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from liaison.audit import audited
from liaison.db import SyncedModel, SyncTracked, sync_index, sync_triggers
from liaison.masking import mask_phone
from stations.models import Region, Station, station_tombstone_scope


class Level(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")


class DeputyQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "DeputyQuerySet":
        return self.filter(home_station__region__path__startswith=region.path)

    def serving_on(self, day, *, level: str | None = None) -> "DeputyQuerySet":
        """Deputies holding a mandate on ``day``: a past day counts the mandates of then,
        so a term that has ended since (换届, status 届满 with its end date) still counts
        for the days it ran; an open-ended mandate counts only while serving."""
        extra = {"mandates__level": level} if level else {}
        return self.filter(
            Q(mandates__started_on__lte=day),
            Q(mandates__ended_on__gte=day)
            | Q(mandates__ended_on__isnull=True, mandates__status=Mandate.Status.SERVING),
            **extra,
        ).distinct()


@audited()
class Deputy(SyncTracked, SyncedModel):
    """A person who holds one or more mandates; assigned to the station nearest them
    (就近编组进站). Contact details are stored whole and masked on display where the
    viewer is not entitled (see ``liaison.scoping``)."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    occupation = models.CharField(_("职业/单位职务"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    home_station = models.ForeignKey(
        Station, verbose_name=_("所在联络站"), on_delete=models.PROTECT, related_name="deputies"
    )
    group = models.ForeignKey(
        "DeputyGroup",
        verbose_name=_("代表小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )

    objects = DeputyQuerySet.as_manager()

    class Meta:
        verbose_name = _("人大代表")
        verbose_name_plural = _("人大代表")
        indexes = [sync_index("deputy")]
        triggers = sync_triggers(
            "deputies", scope={**station_tombstone_scope("OLD.home_station_id"), "deputy_id": "OLD.id"}
        )

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


@audited()
class Mandate(SyncTracked, SyncedModel):
    """One mandate: a level, a term (届), a constituency, start and end."""

    class Status(models.TextChoices):
        SERVING = "serving", _("在任")
        ENDED = "ended", _("届满")
        TERMINATED = "terminated", _("终止")
        RESIGNED = "resigned", _("辞职")

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("代表"), on_delete=models.CASCADE, related_name="mandates"
    )
    level = models.CharField(_("代表层级"), max_length=12, choices=Level.choices, db_index=True)
    term = models.PositiveSmallIntegerField(_("届次"))
    congress_region = models.ForeignKey(
        Region,
        verbose_name=_("所属人大"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("市、县、乡镇级代表所属人大的行政区域；全国、省级可留空"),
    )
    constituency = models.CharField(_("选区/选举单位"), max_length=100, blank=True)
    started_on = models.DateField(_("任期开始"))
    ended_on = models.DateField(_("任期结束"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SERVING)
    # 补选: elected mid-term to fill a vacancy (the term's other mandates started earlier)
    by_election = models.BooleanField(_("补选产生"), default=False)
    # why a mandate ended before its term (终止、辞职): the decision, its number, the reason
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("代表资格")
        verbose_name_plural = _("代表资格")
        constraints = [
            models.UniqueConstraint(fields=["deputy", "level", "term"], name="mandate_unique_level_term"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="mandate_ends_after_start",
            ),
        ]
        indexes = [sync_index("mandate")]
        triggers = sync_triggers(
            "mandates",
            scope={
                **station_tombstone_scope(
                    "(SELECT home_station_id FROM deputies_deputy WHERE id = OLD.deputy_id)"
                ),
                "deputy_id": "OLD.deputy_id",
            },
        )

    def __str__(self) -> str:
        return gettext("{level}第{term}届").format(level=self.get_level_display(), term=self.term)

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": gettext("任期结束不能早于开始。")})


@audited()
class DeputyGroup(SyncTracked, SyncedModel):
    """A deputy group (代表小组) at a station, convened by its leader (组长)."""

    station = models.ForeignKey(
        Station, verbose_name=_("联络站"), on_delete=models.CASCADE, related_name="deputy_groups"
    )
    name = models.CharField(_("小组名称"), max_length=100)
    leader = models.ForeignKey(
        Deputy,
        verbose_name=_("组长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups_led",
    )

    class Meta:
        verbose_name = _("代表小组")
        verbose_name_plural = _("代表小组")
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="deputy_group_unique_name")]
        indexes = [sync_index("deputygroup")]
        triggers = sync_triggers("deputy_groups", scope=station_tombstone_scope("OLD.station_id"))

    def __str__(self) -> str:
        return self.name


@audited()
class LeadingCadre(SyncedModel):
    """A city or county leading cadre (领导干部) who enters stations to receive citizens
    ("领导干部+人大代表+联络站")."""

    class Level(models.TextChoices):
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")

    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="cadres"
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("领导干部")
        verbose_name_plural = _("领导干部")

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
