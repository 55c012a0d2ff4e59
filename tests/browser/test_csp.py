"""The Content-Security-Policy holds on every kind of page, in a real browser.

The policy (``CONTENT_SECURITY_POLICY`` in settings) allows no inline script and no style
attribute. Chromium loads each kind of page as the role that uses it (the officer's
pages with the reception form's added ledger row, the county's dashboard with its charts,
a deputy's dashboard, the admin, the browsable API, the API docs) and the test fails on
any ``securitypolicyviolation`` event or CSP console message, and on any script error.
Screenshots: ``BROWSER_SHOTS_DIR`` (default: the temp directory) as ``csp_*.png``.

Needs /usr/bin/chromium (apt: chromium); never ``playwright install``."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    DeputyFactory,
    ReceptionSessionFactory,
    RoleAssignmentFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def world(db):
    tree = make_region_tree()
    station = StationFactory(name="城关镇人大代表联络站", region=tree.townships[0])
    deputy = DeputyFactory(name="王建国", home_station=station)
    CategoryFactory(code="roads", name="道路交通")
    session = ReceptionSessionFactory(station=station)
    ticket = TicketFactory(station=station, content="村东头道路坑洼")
    officer = UserFactory(username="officer")
    RoleAssignmentFactory(user=officer, role=Role.LIAISON_OFFICER, station=station)
    county = UserFactory(username="county")
    RoleAssignmentFactory(user=county, role=Role.COUNTY_STAFF, region=tree.counties[0])
    deputy_user = UserFactory(username="deputy")
    RoleAssignmentFactory(user=deputy_user, role=Role.DEPUTY, deputy=deputy)
    UserFactory(username="root", is_staff=True, is_superuser=True)
    return {
        "station": station,
        "session": session,
        "ticket": ticket,
        "county": tree.counties[0],
        "deputy": deputy,
    }


def _visit_as(browser, live_server, username: str, paths: list[str], *, before_check=None) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}") if "Content Security Policy" in msg.text else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        if before_check:
            before_check(page, path)
        page.wait_for_timeout(300)  # let late violations arrive
        violations = page.evaluate("window.__csp")
        problems += [f"{path}: {v}" for v in violations]
        page.screenshot(
            path=str(SHOTS / f"csp_{username}_{path.strip('/').replace('/', '_')[:60] or 'home'}.png")
        )
    context.close()
    assert not problems, "\n".join(problems)


def test_officer_pages(world, live_server, browser):
    def add_a_ledger_row(page, path):
        if path.startswith("/receptions/new/"):
            button = page.locator("[data-add-row], button:has-text('添加'), button:has-text('增加')").first
            if button.count():
                button.click()

    _visit_as(
        browser,
        live_server,
        "officer",
        [
            "/",
            "/receptions/",
            f"/receptions/new/?station={world['station'].pk}",
            f"/receptions/{world['session'].pk}/",
            "/tickets/",
            f"/tickets/{world['ticket'].pk}/",
            "/notifications/",
        ],
        before_check=add_a_ledger_row,
    )


def test_county_dashboard_and_deputy_dashboard(world, live_server, browser):
    _visit_as(browser, live_server, "county", ["/dashboards/", f"/dashboards/regions/{world['county'].pk}/"])
    _visit_as(browser, live_server, "deputy", [f"/dashboards/deputies/{world['deputy'].pk}/"])


def test_admin_browsable_api_and_api_docs(world, live_server, browser):
    def swagger_drawn(page, path):
        if path == "/api/v1/docs/":
            page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)

    _visit_as(
        browser,
        live_server,
        "root",
        [
            "/admin/",
            "/admin/suggestions/ticket/",
            f"/admin/suggestions/ticket/{world['ticket'].pk}/change/",
            "/api/v1/tickets/?format=api",
            "/api/v1/docs/",
        ],
        before_check=swagger_drawn,
    )
