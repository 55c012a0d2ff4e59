"""The home page as a to-do list, in a real browser at 390 px (a phone) and 1366 px, for a
liaison officer and a handling unit: the groups and counts are visible, each links to its
filtered list, the officer's quick action is there, and the navigation (the phone's menu
too) shows only what the role can use. Screenshots go to ``BROWSER_SHOTS_DIR`` (default:
the temp directory) as ``home_<who>_<width>.png``.

Needs /usr/bin/chromium (apt: chromium, fonts-noto-cjk); never ``playwright install``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suggestions.models import Ticket
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.suggestions.factories import make_world, ticket_in
from visits.models import ReceptionSlot

PASSWORD = "Todo-list-2026"
S = Ticket.Status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)"
    ),
]


@pytest.fixture
def world(django_db_setup):
    """Work waiting for the officer and the unit; all database work before Playwright."""
    w = make_world()
    for user in (w.officer, w.unit_staff):
        user.set_password(PASSWORD)
        user.save()
    for status in (S.REGISTERED, S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.ASSIGNED, S.REPLIED):
        ticket_in(w, status)
    late = ticket_in(w, S.ASSIGNED)
    Ticket.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    slot = ReceptionSlot.objects.create(
        station=w.station, date=timezone.localdate(), starts=dt.time(9), ends=dt.time(11, 30)
    )
    slot.deputies.add(w.deputy.roles.get().deputy)
    return w


def _home(browser, live_server, username: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page, errors


def _visible_count(page, key: str) -> str:
    item = page.locator(f"[data-todo={key}]")
    assert item.is_visible(), key
    box = item.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1, key
    return item.locator(".todo-count").inner_text()


def _nav_labels(page, width: int) -> list[str]:
    if width < 700:
        page.locator("details.mobile-menu summary").click()
        labels = page.locator(".mobile-nav a").all_inner_texts()
        page.locator("details.mobile-menu summary").click()  # close it again
        return labels
    return page.locator("nav.main-nav a").all_inner_texts()


@pytest.mark.parametrize("width", [390, 1366])
def test_the_officers_home_is_a_to_do_list(world, live_server, browser, width):
    context, page, errors = _home(browser, live_server, "officer", width)
    assert page.locator("h1").inner_text() == "我的待办"
    assert _visible_count(page, "station-to_accept") == "2"
    assert _visible_count(page, "station-to_deliver") == "1"
    assert _visible_count(page, "station-overdue") == "1"
    assert _visible_count(page, "receptions-today") == "1"
    action = page.get_by_role("link", name="登记接待活动")
    assert action.is_visible()
    page.screenshot(path=str(SHOTS / f"home_officer_{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # nothing sideways
    labels = _nav_labels(page, width)
    assert "决定待办" in labels and "办理待办" not in labels
    page.locator("[data-todo=station-to_accept]").click()
    page.wait_for_url("**/tickets/?status=registered")
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_the_units_home_is_a_to_do_list(world, live_server, browser, width):
    context, page, errors = _home(browser, live_server, "unitstaff", width)
    assert _visible_count(page, "unit-to_reply") == "3"
    assert _visible_count(page, "unit-overdue") == "1"
    assert page.get_by_role("link", name="登记接待活动").count() == 0
    assert page.locator("#todo-station").count() == 0
    page.screenshot(path=str(SHOTS / f"home_unit_{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert _nav_labels(page, width) == ["工作台", "意见建议", "代表建议", "办理待办"]
    page.locator("[data-todo=unit-to_reply]").click()
    page.wait_for_url("**/tickets/queue/unit/#assigned")
    assert not errors, errors
    context.close()
