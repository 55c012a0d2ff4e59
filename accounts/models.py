"""Accounts, the roles a user acts in (each bound to a scope), and the log of every
full view of a citizen's personal data (PIPL)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.audit import audited
from liaison.masking import mask_name
from stations.models import Region, Station
from suggestions.models import HandlingUnit


class User(AbstractUser):
    """A staff account. Its roles live in RoleAssignment."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    LIAISON_OFFICER = "liaison_officer", _("联络员")
    STATION_HEAD = "station_head", _("站长（乡镇人大主席）")
    DEPUTY = "deputy", _("人大代表")
    COUNTY_STAFF = "county_staff", _("县级人大工作人员")
    CITY_STAFF = "city_staff", _("市级人大工作人员")
    HANDLING_UNIT = "handling_unit", _("承办单位工作人员")
    ADMIN = "admin", _("系统管理员")


# Which scope field each role is bound to: the one table the constraint, the admin
# form and liaison.scoping read.
ROLE_SCOPE_FIELD: dict[str, str | None] = {
    Role.LIAISON_OFFICER: "station",
    Role.STATION_HEAD: "region",
    Role.DEPUTY: "deputy",
    Role.COUNTY_STAFF: "region",
    Role.CITY_STAFF: "region",
    Role.HANDLING_UNIT: "handling_unit",
    Role.ADMIN: None,
}
SCOPE_FIELDS = ("station", "region", "deputy", "handling_unit")


def _scope_condition() -> Q:
    condition = Q()
    for role, field in ROLE_SCOPE_FIELD.items():
        fields = {f"{f}__isnull": f != field for f in SCOPE_FIELDS}
        condition |= Q(role=role, **fields)
    return condition


@audited()
class RoleAssignment(models.Model):
    """A user acting in one role over one scope: a liaison officer over a station and its
    points, a station head over a township, county/city staff over a region subtree, a
    deputy over their own records, handling-unit staff over their unit's tickets."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    station = models.ForeignKey(
        Station, verbose_name=_("联络站"), null=True, blank=True, on_delete=models.CASCADE
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), null=True, blank=True, on_delete=models.CASCADE
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("代表"), null=True, blank=True, on_delete=models.CASCADE
    )
    handling_unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(condition=_scope_condition(), name="role_assignment_scope_matches_role"),
            models.UniqueConstraint(
                fields=["user", "role", "station", "region", "deputy", "handling_unit"],
                name="role_assignment_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        scope = self.station or self.region or self.deputy or self.handling_unit
        return f"{self.user} · {self.get_role_display()}" + (f" · {scope}" if scope else "")


class PersonalDataAccess(models.Model):
    """One full view of a citizen's personal data: who saw whose data, when (PIPL)."""

    user = models.ForeignKey(User, verbose_name=_("查看人"), on_delete=models.PROTECT, related_name="+")
    ticket_id = models.UUIDField(_("意见建议"), db_index=True)
    citizen_name = models.CharField(_("群众姓名"), max_length=50)
    fields = models.CharField(_("查看字段"), max_length=200)
    client = models.CharField(_("来源"), max_length=20, default="browser")
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        # shown in the admin's titles and breadcrumbs: masked, as everywhere outside the ticket page
        return f"{self.user} → {mask_name(self.citizen_name)} @ {self.viewed_at:%Y-%m-%d %H:%M}"
