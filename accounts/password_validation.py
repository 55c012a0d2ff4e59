"""Password rules of 等保 2.0 level 3, as Django password validators (settings'
``AUTH_PASSWORD_VALIDATORS``): character classes, not the username, not a recent one.

Django's own validators keep the length, similarity and common-password rules. The
history validator also records each new password's hash (``password_changed`` is called
by ``User.save()`` after ``set_password``)."""

from __future__ import annotations

import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and other characters ``password`` uses."""
    upper = any(c.isupper() for c in password)
    lower = any(c.islower() for c in password)
    digit = any(c in string.digits for c in password)
    other = any(not (c.isalpha() or c in string.digits) for c in password) or any(
        c.isalpha() and not (c.isupper() or c.islower())
        for c in password  # e.g. Chinese characters
    )
    return sum((upper, lower, digit, other))


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少 %(min)d 类。")
                % {"min": self.min_classes},
                code="password_too_few_classes",
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少 %(min)d 类。") % {"min": self.min_classes}


class NotUsernameValidator:
    """The username, forwards or backwards, whatever the case, is not a password (Django's
    similarity validator lets a long username with a suffix pass)."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if username and (username in password.lower() or username[::-1] in password.lower()):
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名。")


class PasswordHistoryValidator:
    """Not one of the last ``PASSWORD_HISTORY_COUNT`` passwords (their hashes are kept in
    ``PasswordHistory``, the current one included)."""

    def __init__(self, count: int | None = None):
        self._count = count

    @property
    def count(self) -> int:
        return self._count if self._count is not None else settings.PASSWORD_HISTORY_COUNT

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None) or self.count <= 0:
            return
        from accounts.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-id")
            .values_list("password", flat=True)[: self.count]
        )
        if user.password and user.password not in hashes:
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("新密码不能与最近 %(count)d 次使用过的密码相同。") % {"count": self.count},
                code="password_reused",
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        from django.utils import timezone

        from accounts.models import PasswordHistory, User

        PasswordHistory.objects.create(user=user, password=user.password)
        # a queryset update: save() would call this hook again; the audit trail records the
        # time of the change (not the hash: the user's trail excludes the password field)
        user.password_changed_at = timezone.now()
        User.objects.filter(pk=user.pk).update(password_changed_at=user.password_changed_at)

    def get_help_text(self) -> str:
        return _("新密码不能与最近 %(count)d 次使用过的密码相同。") % {"count": self.count}
