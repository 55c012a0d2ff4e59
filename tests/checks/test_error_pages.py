"""Custom 403 / 404 / 500 pages in both languages; the API keeps its JSON errors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.checks.error_urls")]


def _client(language: str, *, user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


@pytest.mark.parametrize(
    ("language", "title", "home"),
    [("zh-hans", "无权访问", "返回首页"), ("en", "Access denied", "Back to home")],
)
def test_403_shows_the_reason_and_links_home(language, title, home):
    response = _client(language, user=UserFactory()).get("/test-errors/refuse/")
    assert response.status_code == 403
    html = response.content.decode()
    assert f'lang="{language}"' in html and f'<h1 id="error-title">{title}</h1>' in html
    assert "只有本站联络员可以导出登记簿。" in html  # the PermissionDenied's message
    assert f'href="{reverse("home")}">{home}</a>' in html


def test_403_of_a_real_page_for_a_role_that_may_not_use_it(user_with_role):
    unit_staff = user_with_role("handling_unit")
    response = _client("zh-hans", user=unit_staff).get(reverse("visits:create"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode() and "Forbidden" not in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "未找到页面"), ("en", "Page not found")])
def test_404_in_both_languages(language, title):
    response = _client(language, user=UserFactory()).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert title in html and 'href="/"' in html
    assert "Not Found" not in html  # not Django's bare page


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "系统出错"), ("en", "Something went wrong")])
def test_500_with_debug_off(settings, language, title):
    settings.DEBUG = False
    response = _client(language, user=UserFactory()).get("/test-errors/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert f'lang="{language}"' in html and title in html and 'href="/"' in html
    assert "boom" not in html and "Traceback" not in html


def test_the_api_keeps_json_errors(settings):
    settings.DEBUG = False
    client = _client("zh-hans", user=UserFactory())
    response = client.get("/api/test-errors/broken/")
    assert response.status_code == 500 and response.json() == {"detail": "服务器内部错误。"}
    assert client.get("/api/v1/no-such-thing/").json()["detail"]
