"""django-axes behind Django's LoginView: five failures lock username+address for 30 minutes."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.models import User

PASSWORD = "Lianluo-zhan-2024"


@pytest.fixture
def user(db):
    return User.objects.create_user(username="zhanzhang", password=PASSWORD)


def login(client, password, username="zhanzhang", **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def test_sixth_attempt_is_locked_out_even_with_right_password(client, user):
    for attempt in range(5):
        response = login(client, f"wrong-{attempt}-password")
        # The fifth failure itself already answers with the lockout page.
        assert response.status_code == (200 if attempt < 4 else 429)

    response = login(client, PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已暂时锁定" in html
    assert "30 分钟" in html
    assert "人大常委会" in html
    assert "zhanzhang" in html
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="zhanzhang").failures_since_start == 6


def test_four_failures_then_success_resets_the_count(client, user):
    for attempt in range(4):
        assert login(client, f"wrong-{attempt}-password").status_code == 200
    assert login(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="zhanzhang").exists()


def test_lockout_is_per_username_and_address(client, user):
    User.objects.create_user(username="lianluoyuan", password=PASSWORD)
    for attempt in range(5):
        login(client, f"wrong-{attempt}-password")
    assert login(client, PASSWORD).status_code == 429
    # Another account from the same address, and the same account from another address, still work.
    assert login(client, PASSWORD, username="lianluoyuan").status_code == 302
    client.post(reverse("accounts:logout"))
    assert login(client, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302
