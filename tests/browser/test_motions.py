"""Deputy suggestions in a real browser at 390 px and 1366 px: the office assigns a
registered suggestion from its page (the step's form, then the new status), the suggestion
page, the figures page, the county dashboard's motions block and the submit form (joint
deputies picked by name) read without sideways scrolling. Screenshots go to
BROWSER_SHOTS_DIR as motions_*.png."""

from __future__ import annotations

import pytest

from motions import services
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import PASSWORD
from tests.motions.factories import make_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _pick(page, name, query, label):
    """Type into the picker over ``select[name=…]`` and choose the option ``label``."""
    page.locator(f".picker-box:has(select[name='{name}']) input.picker-input").fill(query)
    page.locator(f".picker-box:has(select[name='{name}']) .picker-option", has_text=label).first.click()
    assert label in page.locator(f"select[name='{name}'] option:checked").all_inner_texts()


def test_the_office_assigns_a_suggestion_and_reads_the_figures(live_server, browser):
    w = make_world()
    s = services.suggestion_submit(
        actor=w.lead_user,
        session=w.session,
        submitted_by=w.lead,
        co_signers=[w.joint],
        title="关于修缮县乡公路、改善群众出行条件的建议",
        content="县乡公路年久失修，雨季坑洼积水，建议列入年度计划。",
    )
    s = services.suggestion_transition(suggestion=s, action="register", actor=w.office, category="urban")
    errors: list[str] = []
    for width, height in ((390, 844), (1366, 900)):
        phone = width < 640
        context = browser.new_context(
            viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone, locale="zh-CN"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(page, live_server.url, w.office.username)
        page.goto(f"{live_server.url}/motions/{s.pk}/")
        if width == 390:
            page.locator("summary", has_text="交办").first.click()
            # the units through the autocomplete pickers (liaison.pickers), not long selects
            _pick(page, "assign-lead_unit", "交通", "县交通运输局")
            _pick(page, "assign-co_units", "财政", "县财政局")
            page.locator("form:has(input[value=assign]) button[type=submit]").click()
            page.wait_for_url(f"{live_server.url}/motions/{s.pk}/")
            assert page.locator("h1 .status").inner_text() == "已交办"
            assert "县财政局" in page.content()
        _no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"motions_detail_{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/motions/figures/")
        assert "县交通运输局" in page.content()
        _no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"motions_figures_{width}.png"), full_page=True)
        # the county dashboard's block beside the stations' figures
        page.goto(f"{live_server.url}/dashboards/regions/{w.county.pk}/?period=year&year=2026")
        block = page.locator("#motions")
        assert "代表建议和督办事项" in block.inner_text() and "县交通运输局" in block.inner_text()
        _no_sideways_scroll(page)
        block.screenshot(path=str(SHOTS / f"motions_dashboard_{width}.png"))
        # the joint deputies of a new suggestion, picked by name
        page.goto(f"{live_server.url}/motions/new/")
        _pick(page, "co_signers", "联名", "联名代表")
        assert page.locator("select[name=co_signers] option:checked").all_inner_texts() == ["联名代表"]
        _no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"motions_submit_{width}.png"), full_page=True)
        context.close()
    assert not errors
