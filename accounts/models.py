"""Accounts, the roles a user acts in (each bound to a scope), and the log of every
full view of a citizen's personal data (PIPL)."""

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.audit import audited
from liaison.masking import mask_name
from stations.models import Region, RegionLevel, Station
from suggestions.models import HandlingUnit


# The user's row is audited (roles, is_active, staff/superuser flags...) without the
# password hash and the last sign-in time: a password change is an AccountEvent instead.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """A staff account. Its roles live in RoleAssignment."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # 等保: an account created or reset by staff must choose its own password first
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

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
# The region level a role over a region must be at (a station head is the township
# congress chair); read by the admin form and the user-management service.
ROLE_REGION_LEVEL = {
    Role.STATION_HEAD: RegionLevel.TOWNSHIP,
    Role.COUNTY_STAFF: RegionLevel.COUNTY,
    Role.CITY_STAFF: RegionLevel.CITY,
}


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


class PasswordHistory(models.Model):
    """The hashes of a user's previous passwords, so a new one may not repeat the last
    few (``PASSWORD_HISTORY_COUNT``). Never shown anywhere."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d}"


class AccountEventKind(models.TextChoices):
    USER_CREATED = "user_created", _("创建账号")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    PASSWORD_RESET = "password_reset", _("重置密码")
    DEACTIVATED = "deactivated", _("停用账号")
    REACTIVATED = "reactivated", _("启用账号")
    ROLE_GRANTED = "role_granted", _("授予角色")
    ROLE_REVOKED = "role_revoked", _("撤销角色")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("启用两步验证")
    RECOVERY_CODES = "2fa_recovery_codes", _("生成恢复码")
    TWO_FACTOR_RESET = "2fa_reset", _("重置两步验证")


class AccountEvent(models.Model):
    """What was done to an account and by whom, in the domain's words (append-only;
    kept on SQLite too). Holds no password or secret: ``detail`` names roles and scopes."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="account_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("事件"), max_length=30, choices=AccountEventKind.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # A role granted or revoked: which assignment, so the audit shows the event only to
    # those who could grant that role over that scope (liaison.scoping). No index: the
    # lookups go from the events to the assignment, and assignments are never deleted.
    assignment = models.ForeignKey(
        RoleAssignment,
        verbose_name=_("角色分配"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("账号事件")
        verbose_name_plural = _("账号事件")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
