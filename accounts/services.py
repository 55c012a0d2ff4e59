"""Writes of the accounts app."""

import secrets
import string
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pghistory.models import Event

from accounts.middleware import request_client
from accounts.models import (
    ROLE_REGION_LEVEL,
    ROLE_SCOPE_FIELD,
    SCOPE_FIELDS,
    AccountEvent,
    AccountEventKind,
    PersonalDataAccess,
    Role,
    RoleAssignment,
    User,
)
from accounts.password_validation import character_classes
from liaison import scoping
from liaison.masking import CITIZEN_FIELDS
from liaison.proxies import client_ip


def personal_data_access_record_many(
    *,
    user: User,
    tickets: Iterable[tuple[Any, str]],
    fields: tuple[str, ...] = CITIZEN_FIELDS,
    client: str = "browser",
    ip_address=None,
) -> int:
    """Log full views of many tickets' citizen data at once (``(ticket id, citizen name)``
    pairs; an API page), in one insert."""
    rows = [
        PersonalDataAccess(
            user=user,
            ticket_id=pk,
            citizen_name=name,
            fields=",".join(fields),
            client=client,
            ip_address=ip_address,
        )
        for pk, name in tickets
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)


def full_views_log(
    *, request, tickets: Iterable[tuple[Any, str]], fields: tuple[str, ...] = CITIZEN_FIELDS, client: str = ""
) -> int:
    """The one call every response showing citizens' data in full makes (a page, an API
    read or write, the audit page, a ledger file): who (the request's user), from where
    (``liaison.proxies.client_ip``), through which client (browser / api_token, or
    ``client``), one row per ticket."""
    tickets = list(tickets)
    if not tickets:
        return 0
    return personal_data_access_record_many(
        user=request.user,
        tickets=tickets,
        fields=fields,
        client=client or request_client(request),
        ip_address=client_ip(request),
    )


MIN_AUDIT_RETENTION_DAYS = 183  # six months at least (Cybersecurity Law, art. 21)


def audit_prune(*, older_than_days: int) -> dict[str, int]:
    """Delete audit events, sign-in logs and personal-data access logs older than the
    retention period; refuses anything shorter than six months. Set-based deletes."""
    if older_than_days < MIN_AUDIT_RETENTION_DAYS:
        raise ValueError(
            gettext("审计记录至少保存 {MIN_AUDIT_RETENTION_DAYS} 天（六个月）。").format(
                MIN_AUDIT_RETENTION_DAYS=MIN_AUDIT_RETENTION_DAYS
            )
        )
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted: dict[str, int] = {}
    for model in apps.get_models():
        if issubclass(model, Event) and not model._meta.abstract:
            deleted[model._meta.label] = model.objects.filter(pgh_created_at__lt=cutoff).delete()[0]
    deleted["axes.AccessLog"] = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted["axes.AccessFailureLog"] = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted["accounts.PersonalDataAccess"] = PersonalDataAccess.objects.filter(viewed_at__lt=cutoff).delete()[
        0
    ]
    return deleted


# --- user and role management (issue 16) and the 等保 account rules (issue 21) ----------

NOT_ALLOWED = _("您无权为该范围授予这一角色。")
NOT_YOUR_USER = _("该账号不在您的管理范围内。")


def account_event_record(
    *, user: User, actor: User | None, kind: str, detail: str = "", assignment: RoleAssignment | None = None
) -> AccountEvent:
    """One line in the account's log: never a password, a hash or a secret. A role's
    grant or revocation names its ``assignment`` (whose scope decides who sees the line)."""
    return AccountEvent.objects.create(
        user=user, actor=actor, kind=kind, detail=detail[:300], assignment=assignment
    )


def temporary_password() -> str:
    """A random first password (12 characters, at least three classes) that the user
    must change at first sign-in."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if character_classes(candidate) >= 3:
            return candidate


def password_change_due(user: User) -> bool:
    """Must ``user`` choose a new password before anything else (first sign-in, a reset by
    staff, or older than ``PASSWORD_EXPIRY_DAYS``)?"""
    if getattr(user, "must_change_password", False):
        return True
    days = settings.PASSWORD_EXPIRY_DAYS
    changed = getattr(user, "password_changed_at", None)
    return bool(days and changed and changed < timezone.now() - timedelta(days=days))


@transaction.atomic
def password_changed_by_user(*, user: User) -> None:
    """The user chose a new password themself (the change page): the forced step is done."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
    account_event_record(user=user, actor=user, kind=AccountEventKind.PASSWORD_CHANGED)


def _scope_label(role: str, scope: dict) -> str:
    target = next((v for v in scope.values() if v is not None), None)
    return f"{Role(role).label}" + (f" · {target}" if target is not None else "")


def _check_scope_shape(role: str, scope: dict) -> None:
    """The scope fits the role (``ROLE_SCOPE_FIELD``, ``ROLE_REGION_LEVEL``): a clear
    message rather than the check constraint's error."""
    if role not in Role.values:
        raise ValidationError({"role": gettext("未知的角色。")})
    field = ROLE_SCOPE_FIELD[Role(role)]
    extra = [name for name in SCOPE_FIELDS if name != field and scope.get(name) is not None]
    if extra:
        raise ValidationError({extra[0]: f"角色“{Role(role).label}”不使用这一范围。"})
    if field and scope.get(field) is None:
        raise ValidationError({field: f"角色“{Role(role).label}”须指定范围。"})
    level = ROLE_REGION_LEVEL.get(Role(role))
    region = scope.get("region")
    if level and region is not None and region.level != level:
        raise ValidationError({"region": f"角色“{Role(role).label}”的区域应为{level.label}一级。"})


def _grant(*, actor: User, user: User, role: str, scope: dict) -> tuple[RoleAssignment, bool]:
    _check_scope_shape(role, scope)
    if not scoping.can_grant_role(actor, role, **scope):
        raise PermissionDenied(NOT_ALLOWED)
    fields = {name: scope.get(name) for name in SCOPE_FIELDS}
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, **fields)
    if not created:
        # a concurrent or repeated grant: reactivate at most once (row lock)
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.is_active:
            return assignment, False
        assignment.is_active = True
        assignment.save(update_fields=["is_active"])
    account_event_record(
        user=user,
        actor=actor,
        kind=AccountEventKind.ROLE_GRANTED,
        detail=_scope_label(role, scope),
        assignment=assignment,
    )
    return assignment, True


def _check_manages(actor: User, user: User) -> None:
    if not scoping.can_manage_user(actor, user):
        raise PermissionDenied(NOT_YOUR_USER)


@transaction.atomic
def role_grant(*, actor: User, user: User, role: str, **scope) -> tuple[RoleAssignment, bool]:
    """Grant ``role`` over ``scope`` to a user ``actor`` manages; idempotent (a repeated
    or concurrent grant finds the one assignment). Returns it and whether it changed."""
    _check_manages(actor, user)
    return _grant(actor=actor, user=user, role=role, scope=scope)


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> bool:
    """End an assignment ``actor`` could have granted (kept, inactive, for the record)."""
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related(
            "user", "station__region", "region", "deputy__home_station__region", "handling_unit__region"
        )
        .get(pk=assignment.pk)
    )
    scope = {name: getattr(assignment, name) for name in SCOPE_FIELDS}
    if not scoping.can_grant_role(actor, assignment.role, **scope) or assignment.user_id == actor.pk:
        raise PermissionDenied(NOT_ALLOWED)
    if not assignment.is_active:
        return False
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    account_event_record(
        user=assignment.user,
        actor=actor,
        kind=AccountEventKind.ROLE_REVOKED,
        detail=_scope_label(assignment.role, scope),
        assignment=assignment,
    )
    return True


@transaction.atomic
def account_create(
    *, actor: User, username: str, full_name: str = "", phone: str = "", role: str, **scope
) -> tuple[User, str]:
    """A new account with one role inside ``actor``'s scope and a temporary password,
    which the user must change at first sign-in. Returns the user and that password
    (shown once to the staff member)."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": gettext("请填写用户名。")})
    _check_scope_shape(role, scope)
    if not scoping.can_grant_role(actor, role, **scope):
        raise PermissionDenied(NOT_ALLOWED)
    password = temporary_password()
    try:
        with transaction.atomic():
            user = User(username=username, full_name=full_name.strip(), phone=phone.strip())
            user.set_password(password)
            user.must_change_password = True
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"username": gettext("该用户名已被使用，请换一个。")}) from exc
    account_event_record(user=user, actor=actor, kind=AccountEventKind.USER_CREATED)
    _grant(actor=actor, user=user, role=role, scope=scope)
    return user, password


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool) -> bool:
    """Deactivate (or reactivate) an account ``actor`` manages (an inactive user's
    sessions stop working: Django's backend refuses them)."""
    _check_manages(actor, user)
    changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
    if changed:
        user.is_active = active
        kind = AccountEventKind.REACTIVATED if active else AccountEventKind.DEACTIVATED
        account_event_record(user=user, actor=actor, kind=kind)
    return bool(changed)


@transaction.atomic
def password_reset_by_staff(*, actor: User, user: User) -> str:
    """A new temporary password for an account ``actor`` manages: the user must change it
    at their next sign-in (their open sessions end: the session hash follows the
    password). Returns it (shown once)."""
    _check_manages(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save()
    account_event_record(user=user, actor=actor, kind=AccountEventKind.PASSWORD_RESET)
    return password


# --- two-factor sign-in (django-otp: a TOTP device, and a static device of recovery codes) ---

RECOVERY_CODE_COUNT = 10


def totp_device_unconfirmed(*, user: User) -> TOTPDevice:
    """The user's device being enrolled (a new secret each time enrolment starts over)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


@transaction.atomic
def two_factor_enrol(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm an enrolment with a code from the authenticator app; returns the new
    recovery codes (shown once), or ``None`` if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    account_event_record(user=user, actor=user, kind=AccountEventKind.TWO_FACTOR_ENROLLED)
    return recovery_codes_generate(user=user)


@transaction.atomic
def recovery_codes_generate(*, user: User) -> list[str]:
    """Ten new single-use recovery codes (the old ones stop working)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    account_event_record(user=user, actor=user, kind=AccountEventKind.RECOVERY_CODES)
    return codes


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> bool:
    """Remove a user's authenticator and recovery codes (they enrol again at next
    sign-in); for staff who manage the account. Audited."""
    _check_manages(actor, user)
    deleted = (
        TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    )
    account_event_record(user=user, actor=actor, kind=AccountEventKind.TWO_FACTOR_RESET)
    return bool(deleted)


def two_factor_failure_record(*, request, user: User) -> None:
    """A wrong second-factor code, in the failed sign-in log beside wrong passwords (the
    audit page's 登录失败 tab): the path names the step."""
    AccessFailureLog.objects.create(
        username=user.username,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        http_accept=request.META.get("HTTP_ACCEPT", "")[:1025],
        path_info=request.path[:255],
        locked_out=False,
    )
