"""The idle timeout in a real browser (issue 21, 等保): a signed-in officer who leaves the
site alone longer than SESSION_IDLE_MINUTES is signed out; the next page goes to the
sign-in page, which says why, and signing in again returns to that page. The idle time is
made by moving the session's last-activity stamp back (no waiting in the test)."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore

from accounts.middleware import IDLE_STAMP_KEY
from accounts.models import Role, RoleAssignment
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import PASSWORD, StationFactory, UserFactory, make_region_tree

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def _sign_in(page, base: str, next_path: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", "idle.officer")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()


def _idle_for(page, minutes: int) -> None:
    """Make the browser's session look untouched for ``minutes``."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[IDLE_STAMP_KEY] = int(time.time()) - minutes * 60
    session.save()


@pytest.mark.viewport(390, 844)
def test_an_idle_session_is_signed_out_and_the_next_page_asks_to_sign_in(live_server, browser_page, settings):
    settings.SESSION_IDLE_MINUTES = 5  # short for the test (the default is 30)
    settings.TWO_FACTOR_REQUIRED = False
    tree = make_region_tree()
    station = StationFactory(name="甲县1镇人大代表联络站", region=tree.townships[0])
    officer = UserFactory(username="idle.officer", full_name="钱联络")
    RoleAssignment.objects.create(user=officer, role=Role.LIAISON_OFFICER, station=station)
    page, base = browser_page, live_server.url

    _sign_in(page, base)
    page.wait_for_url(f"{base}/")
    _idle_for(page, 4)  # under the limit: still signed in
    page.goto(f"{base}/tickets/")
    assert page.url == f"{base}/tickets/"

    _idle_for(page, 6)  # over it
    page.goto(f"{base}/tickets/")
    page.wait_for_url(f"{base}/accounts/login/**")
    assert "idle=1" in page.url
    notice = page.locator("p.form-errors[role=status]")
    assert "5 分钟未操作" in notice.inner_text()
    page.screenshot(path=str(SHOTS / "accounts_idle_signed_out_390.png"), full_page=True)
    # signed out for real: the session is gone, not only this page redirected
    page.goto(f"{base}/tickets/")
    page.wait_for_url(f"{base}/accounts/login/**")

    page.fill("input[name=username]", "idle.officer")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/tickets/")  # back where the user was
