"""The roster import in a real browser at 390 px (a phone) and 1366 px: county staff
upload a stations file with a problem (shown as row + column), then the corrected file,
and confirm it. Screenshots go to ``BROWSER_SHOTS_DIR`` as ``import_<page>_<width>.png``.

Needs /usr/bin/chromium (apt: chromium, fonts-noto-cjk); never ``playwright install``."""

from __future__ import annotations

import pytest

from onboarding.models import StationKey
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.onboarding.helpers import build_world, roster, station_rows

PASSWORD = "Roster-import-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)"
    ),
]


@pytest.fixture
def files(django_db_setup, tmp_path):
    world = build_world()
    world.staff.set_password(PASSWORD)
    world.staff.save()
    bad = station_rows()
    bad[1]["parent_code"] = "LS-XX-99"
    (tmp_path / "bad.xlsx").write_bytes(roster("stations", bad))
    (tmp_path / "good.xlsx").write_bytes(roster("stations", station_rows()))
    return tmp_path


@pytest.mark.parametrize("width", [390, 1366])
def test_county_staff_import_their_stations(files, live_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "lishi_staff")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/onboarding/")
    assert page.locator("h1").inner_text() == "名册导入"
    page.screenshot(path=str(SHOTS / f"import_index_{width}.png"), full_page=True)

    page.select_option("select[name=kind]", "stations")
    page.set_input_files("input[name=file]", str(files / "bad.xlsx"))
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/onboarding/jobs/**")
    problem = page.locator(".onboarding-problems tbody tr").first
    assert problem.is_visible()
    assert "4" in problem.inner_text() and "上级站点编号" in problem.inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0
    page.screenshot(path=str(SHOTS / f"import_problems_{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    page.goto(f"{live_server.url}/onboarding/")
    page.select_option("select[name=kind]", "stations")
    page.set_input_files("input[name=file]", str(files / "good.xlsx"))
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/onboarding/jobs/**")
    page.screenshot(path=str(SHOTS / f"import_preview_{width}.png"), full_page=True)
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector(".onboarding-status-applied")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert StationKey.objects.count() == 2
    assert not errors, errors
    context.close()
