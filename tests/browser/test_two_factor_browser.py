"""Two-factor sign-in in a real browser (issue 21): county staff, for whom it is required,
sign in with the password, set up an authenticator from the QR code (the code computed
here with django-otp's own TOTP function), keep the recovery codes, and on the next
sign-in give a code; then the user-management pages at 390 px and 1366 px, no page
scrolling sideways. Screenshots go to BROWSER_SHOTS_DIR as accounts_*.png."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, RoleAssignment
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import PASSWORD, StationFactory, UserFactory, make_region_tree

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def _code(device: TOTPDevice, drift: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.viewport(390, 844)
def test_two_factor_sign_in_and_user_pages(live_server, browser_page, settings):
    settings.TWO_FACTOR_REQUIRED = True
    tree = make_region_tree()
    staff = UserFactory(username="county.staff", full_name="赵县干")
    RoleAssignment.objects.create(user=staff, role=Role.COUNTY_STAFF, region=tree.counties[0])
    station = StationFactory(name="甲县1镇人大代表联络站", region=tree.townships[0])
    for i in range(3):
        officer = UserFactory(username=f"officer{i}", full_name=f"联络员{i}")
        RoleAssignment.objects.create(user=officer, role=Role.LIAISON_OFFICER, station=station)
    page, base = browser_page, live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "county.staff")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/accounts/two-factor/**")  # required for the role: set it up first
    assert page.locator(".qr-code svg").is_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "accounts_2fa_enrol_390.png"), full_page=True)
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    page.fill("input[name=token]", _code(device))
    page.get_by_role("button", name="启用两步验证").click()
    assert page.locator("#recovery-codes li").count() == 10
    page.screenshot(path=str(SHOTS / "accounts_recovery_codes_390.png"), full_page=True)
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url(f"{base}/")

    # the next sign-in: password, then the code
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "county.staff")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/accounts/two-factor/verify/")
    page.fill("input[name=token]", _code(device, drift=1))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/accounts/users/")
    assert page.locator("table.table-cards tbody tr").count() == 3
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "accounts_users_390.png"), full_page=True)
    page.goto(f"{base}/accounts/users/new/")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "accounts_user_create_390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/accounts/users/")
    page.screenshot(path=str(SHOTS / "accounts_users_1366.png"), full_page=True)
    page.get_by_role("link", name="officer0").click()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "accounts_user_detail_1366.png"), full_page=True)
