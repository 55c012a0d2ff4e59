"""A township chair's dashboard in a real browser (Playwright driving Debian's Chromium)
on seed_demo's data: sign in, choose the first half of 2023 with the period picker, see
the cards and the charts drawn (the canvas pixels are read back: not blank, the bars in
their colours), drill into one station with the period kept. Screenshots are written to
``BROWSER_SHOTS_DIR`` (default: the temp directory) as ``dashboard_*.png``.

Needs /usr/bin/chromium (apt: chromium, fonts-noto-cjk); never ``playwright install``."""

from __future__ import annotations

import pytest

from accounts.models import User
from liaison.demo.seed import DEMO_PASSWORD, audit_paused, delete_demo_data, seed_demo
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from tests.browser.conftest import CHROMIUM, SHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)"
    ),
]

# Counts the pixels of a chart's canvas that are drawn (not transparent, not near-white),
# and those near a colour (r, g, b), read back with getImageData.
CANVAS_PIXELS = """([selector, rgb]) => {
  const canvas = document.querySelector(selector + ' canvas');
  if (!canvas) return null;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0, coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 0 && (r < 235 || g < 235 || b < 235)) drawn++;
    if (a > 200 && Math.abs(r - rgb[0]) < 12 && Math.abs(g - rgb[1]) < 12 && Math.abs(b - rgb[2]) < 12) coloured++;
  }
  return {drawn, coloured, total: canvas.width * canvas.height};
}"""
BLUE = (29, 79, 145)  # the trend chart's "collected" bars and the rate ranking's bars
RED = (183, 28, 28)  # "closed" bars


@pytest.fixture
def demo(django_db_setup):
    """seed_demo, its rollups, and the chair's township with its report: read here,
    before Playwright starts, so no database work runs under its event loop (a connection
    opened there outlives the test and blocks dropping the test database)."""
    with audit_paused(True):
        delete_demo_data()
    seed_demo(scale=1, progress=False)
    rollups_refresh(full=True)
    township = User.objects.get(username="chair").roles.get().region
    yield township, figures(scope=Scope(region=township), period=Period.half(2023, 1))
    # the transactional test case empties every table afterwards


@pytest.fixture
def desk_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def _assert_drawn(page, selector: str, colour: tuple[int, int, int]) -> None:
    page.wait_for_selector(f"{selector} canvas")
    pixels = page.evaluate(CANVAS_PIXELS, [selector, list(colour)])
    assert pixels is not None, f"no canvas in {selector}"
    assert pixels["drawn"] > 0.02 * pixels["total"], f"{selector} looks blank: {pixels}"
    assert pixels["coloured"] > 200, f"{selector} has no bars in {colour}: {pixels}"


def test_a_township_chair_reviews_the_dashboard(demo, live_server, desk_page):
    page = desk_page
    township, report = demo

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "chair")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    # from the navigation to the dashboard, then the period picker: 2023, first half
    page.get_by_role("link", name="数据看板").first.click()
    page.wait_for_load_state("load")  # the scripts have run
    page.locator("select[name=quarter]").wait_for(state="hidden")  # only the year shows for "年"
    page.select_option("select[name=period]", "half")
    page.locator("select[name=half]").wait_for(state="visible")
    assert page.locator("select[name=month]").is_hidden()
    page.select_option("select[name=year]", "2023")
    page.select_option("select[name=half]", "1")
    page.get_by_role("button", name="查询").click()
    # the period's label on screen (the print header, hidden on screen, names the period too)
    page.wait_for_selector("[data-period-label]:has-text('2023年上半年')")

    # the cards: the township's own numbers
    assert page.locator("h1").inner_text().startswith(township.name)
    assert page.locator("[data-figure=collected]").inner_text() == f"{report.collected:,}"
    assert page.locator("[data-figure=deputy_entries]").inner_text() == f"{report.deputy_entries:,}"
    assert page.locator("[data-figure=closure_rate]").inner_text() == f"{report.closure_rate * 100:.1f}%"

    # the charts are drawn
    _assert_drawn(page, "#trend-chart", BLUE)
    _assert_drawn(page, "#trend-chart", RED)
    _assert_drawn(page, "#rate-chart", BLUE)
    page.screenshot(path=str(SHOTS / "dashboard_township.png"), full_page=True)

    # drill into one station: its dashboard, same period
    link = page.locator("#ranking-table a[data-drill]").first
    station_name = link.inner_text()
    link.click()
    page.wait_for_url("**/dashboards/stations/**")
    assert "period=half" in page.url and "on=2023-01-01" in page.url
    assert page.locator("h1").inner_text().startswith(station_name)
    assert "联络站数据看板" in page.locator("h1").inner_text()
    assert page.locator("[data-period-label]").inner_text() == "2023年上半年"
    _assert_drawn(page, "#trend-chart", BLUE)
    page.screenshot(path=str(SHOTS / "dashboard_station.png"), full_page=True)
