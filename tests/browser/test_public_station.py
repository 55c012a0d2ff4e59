"""The online liaison station in a real browser at 390 px (a phone), no script needed:
the poster's scan link → the station page → submit with the one-time code read from the
console SMS backend → the ticket in the station head's (the chair's) decision queue →
handled through the services → the citizen tracks it and rates it → the rating counts in
the station's satisfaction rate. Screenshots (390 px and 1366 px) go to ``SHOTS`` as
``public_*.png``.

Needs /usr/bin/chromium (apt: chromium, fonts-noto-cjk); never ``playwright install``."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from notifications.sms import ConsoleSmsBackend
from public import ratelimit
from public.models import OnlineSubmission, StationPublication
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from suggestions import services as ticket_services
from suggestions.models import Delivery, Ticket
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import DeputyFactory, MandateFactory
from tests.suggestions.factories import make_world

PASSWORD = "Public-station-2026"
PHONE = "13987654321"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)"
    ),
]


@pytest.fixture
def world(django_db_setup, settings):
    settings.SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"
    ratelimit.reset_all()
    ConsoleSmsBackend.outbox.clear()
    w = make_world()
    w.head.set_password(PASSWORD)
    w.head.save()
    StationPublication.objects.create(station=w.station, opening_hours="周一至周五 9:00–17:00")
    MandateFactory(deputy=DeputyFactory(home_station=w.station, name="王代表", occupation="教师"))
    return w


def _sms_code() -> str:
    return re.search(r"验证码是 (\d{6})", ConsoleSmsBackend.outbox[-1][1]).group(1)


def test_a_citizen_is_heard_and_rates_the_reply(world, live_server, browser):
    w = world
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # the scan link on the station's poster opens the submit page; the station page first
    page.goto(f"{live_server.url}/public/station/{w.station.pk}/")
    assert page.locator("h1").inner_text() == w.station.name
    assert "王代表" in page.content()
    page.screenshot(path=str(SHOTS / "public_station_390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.get_by_role("link", name="向代表反映意见建议").click()
    page.select_option("select[name=category]", str(w.category.pk))
    page.fill("textarea[name=content]", "村口路灯坏了三个月，晚上看不见路")
    page.fill("input[name=citizen_name]", "欧阳明月")
    page.fill("input[name=citizen_phone]", PHONE)
    page.get_by_role("button", name="获取短信验证码").click()
    assert "验证码已发送" in page.content()
    page.fill("input[name=code]", _sms_code())
    page.check("input[name=consent]")
    page.screenshot(path=str(SHOTS / "public_submit_390.png"), full_page=True)
    page.get_by_role("button", name="提交", exact=True).click()
    code = page.locator(".pub-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16}", code)
    page.screenshot(path=str(SHOTS / "public_submitted_390.png"), full_page=True)

    # the ticket is in the station head's decision queue
    staff = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    office = staff.new_page()
    office.goto(f"{live_server.url}/accounts/login/")
    office.fill("input[name=username]", w.head.username)
    office.fill("input[name=password]", PASSWORD)
    office.get_by_role("button", name="登录").click()
    office.wait_for_url(f"{live_server.url}/")
    office.goto(f"{live_server.url}/tickets/queue/station/")
    assert "村口路灯坏了三个月" in office.content()
    office.goto(f"{live_server.url}/public/station/{w.station.pk}/")
    office.screenshot(path=str(SHOTS / "public_station_1366.png"), full_page=True)
    staff.close()

    # handled (the services, as the staff pages call them)
    ticket = OnlineSubmission.objects.get(tracking_code=code).ticket
    t = ticket_services.ticket_accept(ticket=ticket, actor=w.head, tier=Ticket.Tier.COUNTY_DEPARTMENT)
    t = ticket_services.ticket_assign(ticket=t, actor=w.head, handling_unit=w.unit)
    t = ticket_services.ticket_reply(ticket=t, actor=w.unit_staff, text="路灯已于本周更换，感谢反映")
    ticket_services.ticket_deliver_reply(ticket=t, actor=w.head, channel=Delivery.Channel.ONLINE)

    # the citizen tracks it with the code and the phone's last four digits, and rates it
    page.goto(f"{live_server.url}/public/track/?code={code}")
    page.fill("input[name=phone_last4]", PHONE[-4:])
    page.get_by_role("button", name="查询", exact=True).click()
    assert "路灯已于本周更换" in page.content() and w.unit.name in page.content()
    page.check("input[name=satisfaction][value=satisfied]")
    page.screenshot(path=str(SHOTS / "public_tracked_390.png"), full_page=True)
    page.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in page.content()
    assert PHONE not in page.content() and "欧阳明月" not in page.content()
    context.close()
    assert not errors

    ticket.refresh_from_db()
    assert ticket.satisfaction == Ticket.Satisfaction.SATISFIED
    rollups_refresh(full=True)
    got = figures(scope=Scope(station=w.station), period=Period.year(timezone.localdate().year))
    assert (got.collected, got.rated, got.satisfied, got.satisfaction_rate) == (1, 1, 1, 1.0)
