"""The print stylesheet in Chromium: the ticket, reception and dashboard pages emulated as
print media at 1366 px and 390 px, and printed with ``page.pdf()``. On paper: no header,
navigation, buttons, forms or filter panels; black on white; a print header with the
page's title and the print time; rows never split; no URL after a link. Screenshots go
to ``BROWSER_SHOTS_DIR`` (default: the temp directory) as ``print_*.png``.

Needs /usr/bin/chromium (apt: chromium, fonts-noto-cjk); never ``playwright install``."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from suggestions.models import Ticket
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import (
    DeputyFactory,
    HandlingUnitFactory,
    ReceptionSessionFactory,
    RoleAssignmentFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)
from tests.printing_helpers import replied

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)"
    ),
]

# What the print stylesheet must give, read back from the page in print media.
PRINT_FACTS = """() => {
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
  };
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(visible).map((e) => e.outerHTML.slice(0, 80));
  const header = document.querySelector('.print-header');
  const body = getComputedStyle(document.body);
  const link = document.querySelector('main a[href]');
  return {
    chrome: shown('.site-header, .main-nav, .mobile-menu, .site-footer, .breadcrumbs'),
    buttons: shown('button, .button, input, select, textarea'),
    forms: shown('form, .filter-form, .period-form, .action-forms'),
    header: header && visible(header) ? header.innerText : null,
    colour: body.color,
    background: body.backgroundColor,
    rowBreak: [...document.querySelectorAll('tr')].map((tr) => getComputedStyle(tr).breakInside),
    linkAfter: link ? getComputedStyle(link, '::after').content : 'none',
    overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


@pytest.fixture
def printed_world(db):
    """An officer's station with a replied ticket, a reception and the station's
    dashboard; the officer's session cookie (made here, before Playwright's loop runs)."""
    tree = make_region_tree()
    station = StationFactory(name="城关镇人大代表联络站", region=tree.townships[0])
    deputy = DeputyFactory(name="王建国", home_station=station)
    reception = ReceptionSessionFactory(station=station, theme="乡村振兴政策宣讲")
    ticket = TicketFactory(
        station=station,
        reception=reception,
        received_by_deputy=deputy,
        content="村东头道路坑洼，雨天无法通行，希望尽快修缮。",
        due_on=dt.date(2024, 6, 7),
        status=Ticket.Status.ACCEPTED,
    )
    replied(
        ticket,
        unit=HandlingUnitFactory(name="甲县交通运输局"),
        text="已安排养护队于五月底前修补。",
        replied_on=dt.date(2024, 5, 20),
        delivered_on=dt.date(2024, 5, 22),
        satisfaction=Ticket.Satisfaction.SATISFIED,
    )
    user = UserFactory(username="liaison_print", full_name="周联络")
    RoleAssignmentFactory(user=user, role=Role.LIAISON_OFFICER, station=station)
    client = Client()
    client.force_login(user)
    return {
        "cookie": client.cookies["sessionid"].value,
        "pages": {
            "ticket": (reverse("suggestions:detail", args=[ticket.pk]), "群众意见建议办理情况"),
            "reception": (
                reverse("visits:detail", args=[reception.pk]),
                "接待活动记录：城关镇人大代表联络站",
            ),
            "dashboard": (reverse("dashboards:station", args=[station.pk]), "城关镇人大代表联络站数据看板"),
        },
    }


@pytest.mark.parametrize("width", [1366, 390])
def test_pages_print_without_the_screen_chrome(django_db_setup, printed_world, live_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": printed_world["cookie"], "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for name, (path, title) in printed_world["pages"].items():
        page.emulate_media(media="screen")
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.locator(".print-header").is_hidden(), f"{name}: the print header shows on screen"
        assert page.locator(".print-tools button[data-print]").is_visible(), f"{name}: no print button"
        page.emulate_media(media="print")
        facts = page.evaluate(PRINT_FACTS)
        page.screenshot(path=str(SHOTS / f"print_{name}_{width}.png"), full_page=True)
        assert facts["chrome"] == [], f"{name}: {facts['chrome']}"
        assert facts["buttons"] == [], f"{name}: {facts['buttons']}"
        assert facts["forms"] == [], f"{name}: {facts['forms']}"
        assert facts["header"] and title in facts["header"] and "打印时间：" in facts["header"], facts[
            "header"
        ]
        assert facts["colour"] == "rgb(0, 0, 0)" and facts["background"] == "rgb(255, 255, 255)"
        assert set(facts["rowBreak"]) <= {"avoid"}, f"{name}: {facts['rowBreak']}"
        assert facts["rowBreak"] or name == "ticket", f"{name}: no table rows to check"
        assert facts["linkAfter"] in ("none", "normal")
        if width > 1000:  # a phone's 390 px is not paper: a 14-column ranking cannot fit it
            assert facts["overflowX"] <= 0, f"{name}: {facts['overflowX']} px wider than the page"
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_the_ticket_page_as_a_pdf(django_db_setup, printed_world, live_server, browser):
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": printed_world["cookie"], "url": live_server.url}])
    page = context.new_page()
    path, title = printed_world["pages"]["ticket"]
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("load")
    content = page.pdf(format="A4", print_background=True)
    (SHOTS / "print_ticket.pdf").write_bytes(content)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    # Chromium's subset of Noto CJK maps some glyphs to radicals (⼈ U+2F08, ⻅ U+2EC5)
    text = unicodedata.normalize("NFKC", text).replace("\u2ec5", "见")
    assert unicodedata.normalize("NFKC", title) in text and "打印时间" in text
    assert "村东头道路坑洼" in text and "已安排养护队于五月底前修补。" in text
    for screen_only in (
        "跳到正文",
        "修改密码",
        "打印本页",
        "交办单（PDF）",
        "人大代表联络站工作平台 · 事事有回音",
    ):
        assert unicodedata.normalize("NFKC", screen_only) not in text
    assert "http://" not in text  # no URL printed after a link
    context.close()
