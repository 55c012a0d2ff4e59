"""A liaison officer's reception day in a real browser (Playwright driving Debian's
Chromium) on a phone-sized window: sign in, log a reception with two deputies and two
opinions, find them in the lists, download the reception ledger as Excel and PDF.

Needs /usr/bin/chromium (apt: chromium, fonts-noto-cjk for readable screenshots);
never ``playwright install``."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    DeputyFactory,
    DeputyGroupFactory,
    RoleAssignmentFactory,
    StationFactory,
    UserFactory,
    make_region_tree,
)

# screenshots and the downloaded PDF, to look at after a run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)"
    ),
]


@pytest.fixture
def officer_world(db):
    tree = make_region_tree()
    station = StationFactory(name="城关镇人大代表联络站", region=tree.townships[0])
    group = DeputyGroupFactory(station=station, name="第一代表小组")
    DeputyFactory(name="王建国", home_station=station, group=group)
    DeputyFactory(name="李秀英", home_station=station, group=group)
    DeputyFactory(name="陈志强", home_station=station)
    CategoryFactory(code="roads", name="道路交通")
    CategoryFactory(code="water", name="饮水安全")
    user = UserFactory(username="liaison1", full_name="周联络")
    RoleAssignmentFactory(user=user, role=Role.LIAISON_OFFICER, station=station)
    return {"station": station, "village": tree.villages[0], "user": user}


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"reception_day_{name}.png"), full_page=True)


def test_a_reception_day_on_a_phone(django_db_setup, officer_world, live_server, browser_page):
    page = browser_page
    station = officer_world["station"]
    today = timezone.localdate().isoformat()

    # sign in
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "liaison1")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    # the reception form, from the receptions list
    page.goto(f"{live_server.url}/receptions/")
    page.get_by_role("link", name="＋ 登记接待活动").click()
    page.wait_for_selector("#id_station")
    assert page.locator("#id_station").input_value() == str(station.pk)  # the only station: chosen
    page.select_option("#id_kind", label="进站接待")
    page.fill("#id_theme", "乡村振兴政策宣讲与群众接待")
    page.select_option("#id_theme_kind", label="必选")
    page.fill("#id_date", today)
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "11:30")
    page.get_by_label("王建国").check()
    page.get_by_label("李秀英").check()
    page.fill("#id_citizens_received", "8")
    page.fill("#id_notes", "群众反映集中在道路和饮水。")

    # ledger row 1
    page.fill("#id_rows-0-citizen_name", "张三丰")
    page.fill("#id_rows-0-citizen_phone", "13912345678")
    page.select_option("#id_rows-0-village", label=officer_world["village"].name)
    page.fill("#id_rows-0-citizen_address", "三组12号")
    page.select_option("#id_rows-0-category", label="道路交通")
    page.select_option("#id_rows-0-receiver", label="代表 王建国")
    page.fill("#id_rows-0-content", "村东头道路坑洼，雨天无法通行，希望尽快硬化。")
    page.fill("#id_rows-0-on_the_spot_action", "代表当场记录，承诺一周内答复")
    page.check("#id_rows-0-consent_to_share")
    # ledger row 2, added with the button
    page.get_by_role("button", name="＋ 再登记一条").click()
    page.wait_for_selector("#id_rows-1-citizen_name")
    page.fill("#id_rows-1-citizen_name", "刘翠花")
    page.fill("#id_rows-1-citizen_phone", "13800001111")
    page.select_option("#id_rows-1-category", label="饮水安全")
    page.select_option("#id_rows-1-receiver", label="代表 李秀英")
    page.fill("#id_rows-1-content", "自来水水压不足，高层住户用水困难。")
    _shot(page, "1_form")

    # a mistake first: the second row loses its content; everything typed comes back
    page.fill("#id_rows-1-content", "")
    page.get_by_role("button", name="完成登记").click()
    page.wait_for_selector("#form-errors")
    assert page.locator("#id_rows-0-content").input_value() == "村东头道路坑洼，雨天无法通行，希望尽快硬化。"
    assert page.locator("#id_rows-1-citizen_name").input_value() == "刘翠花"
    assert page.get_by_label("王建国").is_checked() and page.get_by_label("李秀英").is_checked()
    assert page.locator("#id_rows-1-content").locator("xpath=..").locator(".errorlist").is_visible()
    _shot(page, "2_errors")
    page.fill("#id_rows-1-content", "自来水水压不足，高层住户用水困难。")
    page.get_by_role("button", name="完成登记").click()
    page.wait_for_selector("text=接待活动已登记")
    assert page.locator("text=2 条意见建议已进入办理流程").is_visible()
    _shot(page, "3_detail")

    # the receptions list and the tickets list
    page.goto(f"{live_server.url}/receptions/")
    assert page.locator("text=乡村振兴政策宣讲与群众接待").is_visible()
    _shot(page, "4_list")
    page.goto(f"{live_server.url}/tickets/")
    body = page.content()
    assert "村东头道路坑洼" in body and "自来水水压不足" in body
    _shot(page, "5_tickets")

    # the reception ledger, Excel then PDF
    page.goto(f"{live_server.url}/receptions/stations/{station.pk}/ledger/")
    page.select_option("#id_book", label="人大代表接待群众意见建议登记簿")
    page.select_option("#id_format", label="Excel")
    _shot(page, "6_ledger_form")
    with page.expect_download() as info:
        page.get_by_role("button", name="导出").click()
    xlsx = Path(info.value.path()).read_bytes()
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert rows[0][0] == "人大代表接待群众意见建议登记簿"
    body_rows = rows[3:]
    assert len(body_rows) == 2
    by_name = {r[3]: r for r in body_rows}
    assert by_name["张三丰"][2] == "王建国" and "道路坑洼" in by_name["张三丰"][6]
    assert by_name["刘翠花"][2] == "李秀英" and "水压不足" in by_name["刘翠花"][6]

    page.select_option("#id_format", label="PDF")
    with page.expect_download() as info:
        page.get_by_role("button", name="导出").click()
    pdf = Path(info.value.path()).read_bytes()
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "人大代表接待群众意见建议登记簿" in text and station.name in text
    assert "张三丰" in text and "刘翠花" in text and "王建国" in text
    assert "第 1 页 共 1 页" in text
    (SHOTS / "reception_day_ledger.pdf").write_bytes(pdf)
    assert os.path.getsize(SHOTS / "reception_day_ledger.pdf") > 1000
