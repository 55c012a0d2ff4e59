"""Picking a leading cadre on the reception form by name (liaison.pickers): the page
carries none of the station's 70 cadres, the officer types a name, picks one, names them
as a ledger row's receiver and saves. At 390 px and 1366 px."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Role
from deputies.models import LeadingCadre
from suggestions.models import Ticket
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    DeputyFactory,
    LeadingCadreFactory,
    RoleAssignmentFactory,
    StationFactory,
    UserFactory,
    make_region_tree,
)
from visits.models import Attendance, ReceptionSession

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


@pytest.fixture
def world(db):
    tree = make_region_tree()
    station = StationFactory(name="城关镇人大代表联络站", region=tree.townships[0])
    DeputyFactory(name="王建国", home_station=station)
    county = tree.counties[0]
    LeadingCadre.objects.bulk_create(
        [
            LeadingCadreFactory.build(name=f"干部{i:02d}", title="县直部门负责人", region=county)
            for i in range(70)
        ]
    )
    cadre = LeadingCadreFactory(name="赵明远", title="县委副书记", region=county)
    LeadingCadreFactory(name="赵外县", title="县长", region=tree.counties[1])
    CategoryFactory(code="roads", name="道路交通")
    user = UserFactory(username="liaison1")
    RoleAssignmentFactory(user=user, role=Role.LIAISON_OFFICER, station=station)
    return {"station": station, "cadre": cadre}


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((390, 844), marks=pytest.mark.viewport(390, 844), id="390"),
        pytest.param((1366, 900), marks=pytest.mark.viewport(1366, 900), id="1366"),
    ],
)
def test_an_officer_picks_a_cadre_by_name_and_saves(world, live_server, browser_page, size):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "liaison1")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    response = page.goto(f"{live_server.url}/receptions/new/")
    html = response.body()
    assert len(html) < 200_000 and "干部05".encode() not in html  # no cadre listed in the page
    page.select_option("#id_kind", label="进站接待")
    page.fill("#id_theme", "领导干部进站接待")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "11:00")
    page.get_by_label("王建国").check()
    page.fill("#id_citizens_received", "3")

    box = page.locator("#cadres .picker-input")
    box.scroll_into_view_if_needed()
    assert box.is_visible()
    box.fill("赵")
    option = page.locator("#cadres .picker-option", has_text="赵明远")
    option.wait_for()
    assert page.locator("#cadres .picker-option", has_text="赵外县").count() == 0  # another county's
    option.dispatch_event("mousedown")
    assert page.locator("#cadres .picker-tag", has_text="赵明远").is_visible()
    page.screenshot(path=str(SHOTS / f"cadre_picker_{size[0]}_picked.png"), full_page=False)

    page.fill("#id_rows-0-citizen_name", "张三丰")
    page.select_option("#id_rows-0-category", label="道路交通")
    # the cadre just picked is offered as the row's receiver
    page.select_option("#id_rows-0-receiver", label="领导干部 赵明远（县委副书记）")
    page.fill("#id_rows-0-content", "村东头道路坑洼，希望尽快硬化。")
    page.get_by_role("button", name="完成登记").click()
    page.wait_for_selector("text=接待活动已登记")
    assert page.locator("text=赵明远").first.is_visible()
    page.screenshot(path=str(SHOTS / f"cadre_picker_{size[0]}_saved.png"), full_page=True)

    session = ReceptionSession.objects.get()
    assert list(
        session.attendances.filter(role=Attendance.Role.LEADING_CADRE).values_list("cadre", flat=True)
    ) == [world["cadre"].pk]
    assert Ticket.objects.get(reception=session).received_by_cadre == world["cadre"]
