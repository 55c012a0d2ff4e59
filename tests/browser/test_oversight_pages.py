"""The performance file and the evaluation ranking on a phone (390 px) and a desktop
(1366 px): nothing scrolls sideways; screenshots to ``SHOTS`` for a look."""

from __future__ import annotations

import pytest

from accounts.models import Role
from oversight import services
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from tests.oversight.world import YEAR, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


@pytest.mark.parametrize("width", [390, 1366], ids=["390", "1366"])
def test_file_and_evaluation_fit_the_screen(live_server, browser, width):
    world = build_world()
    staff = UserFactory(username="county1")
    RoleAssignmentFactory(user=staff, role=Role.COUNTY_STAFF, region=world.county_a)
    services.evaluation_run(region=world.county_a, year=YEAR, actor=staff)
    mobile = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": 900}, is_mobile=mobile, has_touch=mobile, locale="zh-CN"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "county1")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    for name, path, ready in [
        ("file", f"/oversight/files/{world.d1.pk}/?year={YEAR}", "[data-figure=station_entries]"),
        ("evaluation", f"/oversight/evaluations/{world.county_a.pk}/?year={YEAR}", "#results-table"),
        # h18: inspections, their follow-up, category statistics and snapshots
        ("inspection-new", f"/oversight/inspections/{world.county_a.pk}/new/", "#checklist"),
        ("inspections", f"/oversight/inspections/{world.county_a.pk}/", "#inspections-table"),
        ("problems", f"/oversight/inspections/{world.county_a.pk}/problems/", "#problems-table"),
        (
            "categories",
            f"/dashboards/regions/{world.county_a.pk}/categories/?period=year&year={YEAR}",
            "#category-table",
        ),
        (
            "snapshots",
            f"/oversight/snapshots/{world.county_a.pk}/?year={YEAR}&on={YEAR}-12-31",
            "#as-of-table",
        ),
        ("evaluation", f"/oversight/evaluations/{world.county_a.pk}/?year={YEAR}", "#results-table"),
    ]:
        page.goto(base + path)
        page.wait_for_selector(ready)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        client = page.evaluate("document.documentElement.clientWidth")
        page.screenshot(path=str(SHOTS / f"oversight-{name}-{width}.png"), full_page=True)
        assert scroll <= client + 1, f"{name} scrolls sideways at {width}px ({scroll} > {client})"
    assert page.locator("[data-figure=station_entries]").count() == 0  # on the evaluation page now
    assert page.get_by_text("79.44").count() >= 1
    context.close()
    assert not errors, errors
