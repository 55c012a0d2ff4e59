"""等保 password rules: character classes, not the username, not common, not one of the
last five; expiry; the forced change (first sign-in, reset by staff) on pages and the API;
the idle timeout."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from rest_framework.authtoken.models import Token

from accounts.middleware import IDLE_STAMP_KEY
from accounts.models import AccountEvent, AccountEventKind, PasswordHistory, User
from tests.factories import PASSWORD, UserFactory


def errors(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("abcdefghijkl", "password_too_few_classes"),  # one class
        ("abcdefgh1234", "password_too_few_classes"),  # two classes
        ("Ab1!", "password_too_short"),
        ("Password123!", None),  # three classes... but common? no: accepted below if not common
        ("12345678901", "password_entirely_numeric"),
    ],
)
def test_complexity(db, password, code):
    found = errors(password)
    if code:
        assert code in found
    else:
        assert "password_too_few_classes" not in found and "password_too_short" not in found


def test_common_and_username(db):
    assert "password_too_common" in errors("Password1")  # Django's list, also too short
    user = User(username="zhangsan88")
    assert "password_contains_username" in errors("Xx-zhangsan88-2026", user)
    assert "password_contains_username" in errors("Xx-88nasgnahz-2026", user)
    assert errors("Liaison-Blue-Sky-7", user) == []


def test_messages_in_chinese_and_english(db):
    with override("zh-hans"):
        assert any("至少 3 类" in m for m in _messages("abcdefghijkl"))
    with override("en"):
        assert any("at least 3" in m for m in _messages("abcdefghijkl"))


def _messages(password):
    try:
        validate_password(password)
    except ValidationError as exc:
        return exc.messages
    return []


def test_history_refuses_the_last_five(db, settings):
    user = UserFactory()  # first: the factories cache their password's hash (tests/factories.py)
    # a fast hasher: the rule is the same whatever hashes the passwords (Argon2 in production)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    passwords = [f"Liaison-Hist-{i}-Ok!" for i in range(6)]
    for password in passwords:
        validate_password(password, user)
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 6
    assert not any(user.password in h for h in AccountEvent.objects.values_list("detail", flat=True))
    for recent in passwords[1:]:
        assert "password_reused" in errors(recent, user), recent
    assert "password_reused" not in errors(passwords[0], user)  # six changes ago
    user.refresh_from_db()
    assert user.password_changed_at is not None


def test_forced_change_on_pages_then_done(client, db):
    user = UserFactory(must_change_password=True)
    client.force_login(user)
    response = client.get(reverse("suggestions:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:password_change"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and "请先修改密码" in page.content.decode()
    # a weak new password: refused with the rule, still forced
    weak = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "abcdefghijkl", "new_password2": "abcdefghijkl"},
    )
    assert weak.status_code == 200 and "至少 3 类" in weak.content.decode()
    done = client.post(
        reverse("accounts:password_change") + "?next=/tickets/",
        {
            "old_password": PASSWORD,
            "new_password1": "New-Liaison-9x",
            "new_password2": "New-Liaison-9x",
            "next": "/tickets/",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/tickets/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert AccountEvent.objects.filter(user=user, kind=AccountEventKind.PASSWORD_CHANGED).count() == 1
    assert client.get(reverse("suggestions:list")).status_code == 200


def test_forced_change_on_the_api(client, db):
    user = UserFactory(must_change_password=True)
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required" and "修改密码" in response.json()["detail"]
    client.force_login(user)
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"


def test_expiry_by_setting(client, db, settings):
    user = UserFactory(password_changed_at=timezone.now() - timezone.timedelta(days=100))
    client.force_login(user)
    assert client.get(reverse("suggestions:list")).status_code == 200  # expiry off by default
    settings.PASSWORD_EXPIRY_DAYS = 90
    assert client.get(reverse("suggestions:list"))["Location"].startswith(reverse("accounts:password_change"))


def test_idle_timeout_signs_out_with_a_message(client, db, settings):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("suggestions:list")).status_code == 200
    session = client.session
    session[IDLE_STAMP_KEY] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get(reverse("suggestions:list"))
    assert response.status_code == 302 and "idle=1" in response["Location"]
    login = client.get(response["Location"])
    assert "30 分钟未操作" in login.content.decode()
    assert client.get(reverse("suggestions:list"))["Location"].startswith(reverse("accounts:login"))
    # the API: signed out, answered as to an anonymous client
    client.force_login(user)
    session = client.session
    session[IDLE_STAMP_KEY] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    assert client.get("/api/v1/tickets/").status_code in (401, 403)


def test_an_active_session_is_not_rewritten_on_every_request(client, db, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("home"))
    stamp = client.session[IDLE_STAMP_KEY]
    client.get(reverse("home"))
    assert client.session[IDLE_STAMP_KEY] == stamp
