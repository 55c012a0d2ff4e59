"""The mandate lifecycle page in a real browser at 390 px (a phone) and 1366 px: county
staff open a deputy, follow 代表资格变动, record a resignation with its date and reason,
and see it on the deputy's page; nothing scrolls sideways. Screenshots go to
``BROWSER_SHOTS_DIR`` as ``mandates_<width>.png``."""

from __future__ import annotations

import pytest

from deputies.models import Mandate
from onboarding import services
from onboarding.models import DeputyKey
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.onboarding.helpers import build_world, deputy_rows, roster, station_rows

PASSWORD = "Mandate-pages-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


@pytest.fixture
def deputy(django_db_setup):
    world = build_world()
    world.staff.set_password(PASSWORD)
    world.staff.save()
    for kind, rows in (("stations", station_rows()), ("deputies", deputy_rows())):
        job = services.import_start(user=world.staff, kind=kind, name="x.xlsx", content=roster(kind, rows))
        services.import_confirm(job=job, user=world.staff)
    return DeputyKey.objects.get(code="LS-0002").deputy


@pytest.mark.parametrize("width", [390, 1366])
def test_county_staff_record_a_resignation(deputy, live_server, browser, width):
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
    page.goto(f"{live_server.url}/deputies/{deputy.pk}/")
    page.get_by_role("link", name="代表资格变动（补选、终止、辞职）").click()
    page.wait_for_url(f"**/onboarding/deputies/{deputy.pk}/mandates/")
    page.select_option("#mandate-end select[name=status]", "resigned")
    page.fill("#mandate-end input[name=ended_on]", "2025-05-20")
    page.fill("#mandate-end input[name=reason]", "因工作调动辞去代表职务")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(SHOTS / f"mandates_{width}.png"), full_page=True)
    page.get_by_role("button", name="结束该代表资格").click()
    page.wait_for_url(f"**/onboarding/deputies/{deputy.pk}/mandates/")
    assert "辞职" in page.locator("#mandates").inner_text()
    assert Mandate.objects.get(deputy=deputy).status == Mandate.Status.RESIGNED
    page.goto(f"{live_server.url}/deputies/{deputy.pk}/")
    assert "因工作调动辞去代表职务" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not errors
    context.close()
