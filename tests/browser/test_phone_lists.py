"""Phone-first pages of issue 15 in a real browser at 390 px and 1366 px: the officer's
reception form with errors (a summary at the top naming and linking every field, a ledger
row's error included; the sticky submit bar), the ticket list as the officer and the
chair's decision queue as the station head, each row a card on the phone with its key
fields visible, and no page scrolling sideways.

Screenshots go to BROWSER_SHOTS_DIR (default: the temp dir) as phone_*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from suggestions import services
from suggestions.models import Category
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    DeputyFactory,
    DeputyGroupFactory,
    HandlingUnitFactory,
    RoleAssignmentFactory,
    StationFactory,
    UserFactory,
    make_region_tree,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _page(browser, viewport, errors):
    phone = viewport["width"] < 640
    context = browser.new_context(
        viewport=viewport, device_scale_factor=1, is_mobile=phone, has_touch=phone, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    client = page.evaluate("document.documentElement.clientWidth")
    assert width <= client, f"the page scrolls sideways: {width} > {client}"


def _shot(page, name):
    page.screenshot(path=str(SHOTS / f"phone_{name}.png"), full_page=True)


def _visible_in_card(page, row_selector: str, labels: list[str]):
    """Each label's cell of the first card is on screen, inside the viewport's width."""
    width = page.viewport_size["width"]
    for label in labels:
        cell = page.locator(f"{row_selector} td[data-label='{label}']").first
        assert cell.is_visible(), label
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (label, box)


@pytest.fixture
def officer_world(db):
    tree = make_region_tree()
    station = StationFactory(name="城关镇人大代表联络站", region=tree.townships[0])
    group = DeputyGroupFactory(station=station, name="第一代表小组")
    DeputyFactory(name="王建国", home_station=station, group=group)
    DeputyFactory(name="李秀英", home_station=station, group=group)
    CategoryFactory(code="roads", name="道路交通")
    user = UserFactory(username="liaison1", full_name="周联络")
    RoleAssignmentFactory(user=user, role=Role.LIAISON_OFFICER, station=station)
    return {"station": station, "user": user, "tree": tree}


@pytest.fixture
def tickets_world(officer_world):
    station = officer_world["station"]
    officer = officer_world["user"]
    head = UserFactory(username="chair1", full_name="孙主席")
    RoleAssignmentFactory(user=head, role=Role.STATION_HEAD, region=station.region)
    unit = HandlingUnitFactory(name="县交通运输局", region=officer_world["tree"].counties[0])
    category = Category.objects.get(code="roads")
    for i in range(3):
        t = services.ticket_register(
            station=station,
            category=category,
            content=f"第{i + 1}件：村东头道路坑洼严重，雨天积水无法通行，希望尽快修缮硬化",
            citizen_name="张三丰",
            citizen_phone="13912345678",
            actor=officer,
            received_at=timezone.now() - dt.timedelta(days=3),
        )
        if i:
            services.ticket_accept(ticket=t, actor=officer, tier="county_dept")
            services.ticket_assign(ticket=t, actor=officer, handling_unit=unit)
    return {**officer_world, "head": head}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_the_reception_form_with_errors(django_db_setup, officer_world, live_server, browser, viewport):
    errors: list[str] = []
    page = _page(browser, viewport, errors)
    _sign_in(page, live_server.url, "liaison1")
    page.goto(f"{live_server.url}/receptions/new/")
    page.wait_for_selector("#id_station")
    next_year = timezone.localdate().year + 1
    page.fill("#id_date", f"{next_year}-03-01")
    page.fill("#id_start_time", "09:00")
    page.fill("#id_citizens_received", "0")
    # a ledger row missing its content, far down the page
    page.fill("#id_rows-0-citizen_name", "张三丰")
    page.select_option("#id_rows-0-category", label="道路交通")
    page.get_by_role("button", name="完成登记").click()
    page.wait_for_selector("#form-errors")

    summary = page.locator("#form-errors")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "form-errors"  # the summary has the focus
    text = summary.inner_text()
    for expected in ("日期", "出席代表", "接待群众（人次）", "登记簿第 1 条：意见建议内容"):
        assert expected in text, (expected, text)
    box = summary.bounding_box()
    assert box["y"] < viewport["height"]  # in view after the reload
    _no_sideways_scroll(page)
    _shot(page, f"form_errors_{viewport['width']}")

    # the ledger row's link leads to its field, thousands of pixels further down
    page.locator("#form-errors a[href='#id_rows-0-content']").click()
    assert page.evaluate("document.activeElement.id") == "id_rows-0-content"
    field = page.locator("#id_rows-0-content").bounding_box()
    assert 0 <= field["y"] < viewport["height"]
    # the submit bar stays at the bottom of the screen while the form scrolls
    bar = page.locator(".sticky-actions").bounding_box()
    assert bar["y"] + bar["height"] <= viewport["height"] + 1 and bar["y"] > viewport["height"] / 2
    _shot(page, f"form_row_error_{viewport['width']}")
    assert not errors, errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_the_ticket_list_and_the_chairs_queue(django_db_setup, tickets_world, live_server, browser, viewport):
    errors: list[str] = []
    phone = viewport["width"] < 640
    page = _page(browser, viewport, errors)
    _sign_in(page, live_server.url, "liaison1")
    page.goto(f"{live_server.url}/tickets/")
    page.wait_for_selector("table.table-cards")
    panel = page.locator("details.filter-panel")
    assert panel.get_attribute("open") is None if phone else panel.get_attribute("open") is not None
    labels = ["收集时间", "联络站（点）", "群众", "内容", "承办单位", "状态", "期限"]
    _visible_in_card(page, "table.table-cards tbody tr", labels)
    if phone:
        # a card: the header row is hidden, the content cell spans the card
        assert (
            not page.locator("table.table-cards thead").is_visible()
            or page.locator("table.table-cards thead").bounding_box()["height"] <= 1
        )
        content = page.locator("table.table-cards tbody tr td[data-label='内容']").first.bounding_box()
        assert content["width"] > viewport["width"] * 0.7
    _no_sideways_scroll(page)
    _shot(page, f"tickets_{viewport['width']}")

    chair = _page(browser, viewport, errors)
    _sign_in(chair, live_server.url, "chair1")
    chair.goto(f"{live_server.url}/tickets/queue/station/")
    chair.wait_for_selector("table.table-cards")
    _visible_in_card(
        chair, "table.table-cards tbody tr", ["收集时间", "联络站（点）", "内容", "状态", "期限"]
    )
    _no_sideways_scroll(chair)
    _shot(chair, f"decision_queue_{viewport['width']}")
    assert not errors, errors
