"""The public pages, as a citizen's phone uses them (no sign-in, no script): find a station,
see its deputies and timetable, submit with the one-time code, track and rate. Plus the
honeypot, the rate limits, the size budget, and a scan of every public response for the
citizen's and the deputies' personal data."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from public import ratelimit
from public.models import OnlineSubmission
from suggestions import services as ticket_services
from suggestions.models import Delivery, Ticket
from tests.public.conftest import ID_NUMBER, NAME, PHONE, last_code

BUDGET = 50 * 1024  # HTML + CSS per page, without images


def _form(client, station):
    page = client.get(reverse("public:submit", args=[station.pk]))
    assert page.status_code == 200
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)


def _post(client, w, token, **extra):
    data = {
        "form_token": token,
        "category": w.category.pk,
        "village": w.tree.villages[0].pk,
        "content": f"村口路灯坏了，身份证 {ID_NUMBER} 的老人夜里摔倒",
        "citizen_name": NAME,
        "citizen_phone": PHONE,
        "consent": "on",
        "consent_to_share": "on",
        "action": "submit",
        **extra,
    }
    return client.post(reverse("public:submit", args=[w.station.pk]), data)


def submit_online(client, w) -> tuple[str, object]:
    token = _form(client, w.station)
    sent = _post(client, w, token, action="send_code")
    assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
    done = _post(client, w, token, code=last_code())
    assert done.status_code == 200, done.content.decode()[:2000]
    code = re.search(r'class="pub-code">([A-Z2-7]{16})<', done.content.decode()).group(1)
    return code, done


@pytest.fixture
def slot(w):
    import datetime as dt

    from django.utils import timezone

    from visits.models import ReceptionSlot

    day = timezone.localdate() + dt.timedelta(days=3)
    s = ReceptionSlot.objects.create(station=w.station, date=day, starts=dt.time(9), ends=dt.time(11, 30))
    s.deputies.add(w.public_deputy)
    return s


def test_find_a_station_by_tree_and_by_place_name(client, w, django_assert_max_num_queries):
    index = client.get(reverse("public:index"))
    assert w.tree.city.name in index.content.decode()
    with django_assert_max_num_queries(6):
        county = client.get(reverse("public:region", args=[w.tree.counties[0].pk]))
    assert w.tree.townships[0].name in county.content.decode() and w.station.name in county.content.decode()
    # a village's name finds its township's station
    found = client.get(reverse("public:index"), {"q": w.tree.villages[1].name})
    assert w.station.name in found.content.decode()
    assert w.other_station.name not in found.content.decode()
    assert client.get(reverse("public:region", args=[999999])).status_code == 404


def test_station_page_shows_the_public_notice(client, w, slot, django_assert_num_queries):
    with django_assert_num_queries(5):  # station, deputies, mandates, slots, their deputies
        page = client.get(reverse("public:station", args=[w.station.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in (w.station.address, "周一至周五", "李代表", "县级", "果农", f"{slot.date:%Y-%m-%d}"):
        assert text in html, text
    assert w.public_deputy.phone not in html
    deputy = client.get(reverse("public:deputy", args=[w.public_deputy.pk]))
    assert deputy.status_code == 200 and f"{slot.date:%Y-%m-%d}" in deputy.content.decode()
    assert w.public_deputy.phone not in deputy.content.decode()


def test_submit_track_and_rate(client, w):
    code, _done = submit_online(client, w)
    ticket = OnlineSubmission.objects.get(tracking_code=code).ticket
    assert ticket.channel == Ticket.Channel.ONLINE and ticket.village == w.tree.villages[0]
    wrong = client.post(reverse("public:track"), {"tracking_code": code, "phone_last4": "0000"})
    assert wrong.status_code == 404
    tracked = client.post(reverse("public:track"), {"tracking_code": code, "phone_last4": PHONE[-4:]})
    assert tracked.status_code == 200 and "已登记，待受理" in tracked.content.decode()
    t = ticket_services.ticket_accept(ticket=ticket, actor=w.officer, tier=Ticket.Tier.COUNTY_DEPARTMENT)
    t = ticket_services.ticket_assign(ticket=t, actor=w.officer, handling_unit=w.unit)
    t = ticket_services.ticket_reply(ticket=t, actor=w.unit_staff, text="路灯已于本周更换")
    ticket_services.ticket_deliver_reply(ticket=t, actor=w.officer, channel=Delivery.Channel.ONLINE)
    tracked = client.post(reverse("public:track"), {"tracking_code": code, "phone_last4": PHONE[-4:]})
    html = tracked.content.decode()
    assert "路灯已于本周更换" in html and w.unit.name in html and 'name="satisfaction"' in html
    rated = client.post(
        reverse("public:rate"),
        {"tracking_code": code, "phone_last4": PHONE[-4:], "satisfaction": "basically", "comment": "还行"},
    )
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    ticket.refresh_from_db()
    assert ticket.satisfaction == "basically"


def test_the_honeypot_saves_nothing(client, w):
    token = _form(client, w.station)
    _post(client, w, token, action="send_code")
    response = _post(client, w, token, code=last_code(), website="http://spam.example")
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_code_requests_are_rate_limited_per_phone(client, w, settings):
    token = _form(client, w.station)
    limit = ratelimit.LIMITS["code_phone"].limit
    statuses = [_post(client, w, token, action="send_code").status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit and statuses[-1] == 429
    assert "操作过于频繁" in _post(client, w, token, action="send_code").content.decode()


def test_tracking_checks_are_rate_limited_per_code(client, w):
    limit = ratelimit.LIMITS["track_code"].limit
    statuses = [
        client.post(
            reverse("public:track"), {"tracking_code": "A" * 16, "phone_last4": f"{i:04d}"}
        ).status_code
        for i in range(limit + 1)
    ]
    assert statuses[:limit] == [404] * limit and statuses[-1] == 429


def test_bad_input_is_named_and_nothing_saved(client, w):
    token = _form(client, w.station)
    response = _post(client, w, token, code="123456", content="", consent="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请检查下面标出的内容" in html
    assert not Ticket.objects.exists()


def _public_urls(w, code) -> list[tuple[str, str, dict]]:
    sub = OnlineSubmission.objects.get(tracking_code=code)
    return [
        ("get", reverse("public:index"), {}),
        ("get", reverse("public:index"), {"q": w.tree.townships[0].name}),
        ("get", reverse("public:region", args=[w.tree.townships[0].pk]), {}),
        ("get", reverse("public:station", args=[w.station.pk]), {}),
        ("get", reverse("public:deputy", args=[w.public_deputy.pk]), {}),
        ("get", reverse("public:submit", args=[w.station.pk]), {}),
        ("get", reverse("public:track"), {}),
        ("get", reverse("public:open311_services"), {}),
        ("get", reverse("public:open311_requests"), {}),
        ("get", reverse("public:open311_request", args=[sub.ticket.pk]), {}),
    ]


def test_no_public_response_carries_personal_data(client, w):
    code, done = submit_online(client, w)
    for text in (done.content.decode(),):
        assert PHONE not in text and NAME not in text and ID_NUMBER not in text
    for method, url, data in _public_urls(w, code):
        response = getattr(client, method)(url, data)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in (PHONE, NAME, ID_NUMBER, w.public_deputy.phone, code):
            assert secret not in text, (url, secret)
        assert not re.search(r"1[3-9]\d{9}", text), url  # no mobile number of anyone


def test_pages_are_light(client, w, slot):
    css = (reverse("public:index"),)
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css_bytes = Path(finders.find("css/public.css")).stat().st_size
    for url in (
        *css,
        reverse("public:station", args=[w.station.pk]),
        reverse("public:submit", args=[w.station.pk]),
        reverse("public:deputy", args=[w.public_deputy.pk]),
        reverse("public:track"),
    ):
        html = client.get(url).content
        assert len(html) + css_bytes < BUDGET, (url, len(html), css_bytes)
        assert b"<script" not in html


def test_english_pages(client, w):
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("public:station", args=[w.station.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Submit an opinion to the deputies" in html


def test_submissions_are_rate_limited_per_phone_but_a_retry_is_free(client, w):
    limit = ratelimit.LIMITS["submit_phone"].limit
    token = _form(client, w.station)
    for _ in range(limit + 3):  # the same form again and again: counted once
        assert _post(client, w, token, code="000000").status_code == 400  # (wrong code)
    statuses = [_post(client, w, _form(client, w.station), code="000000").status_code for _ in range(limit)]
    assert statuses[: limit - 1] == [400] * (limit - 1) and statuses[-1] == 429


def test_tracking_with_a_new_sms_code(client, w):
    code, _done = submit_online(client, w)
    track = reverse("public:track")
    assert client.post(track, {"tracking_code": "A" * 16, "action": "send_code"}).status_code == 200
    sent = client.post(track, {"tracking_code": code, "action": "send_code"})
    assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
    tracked = client.post(track, {"tracking_code": code, "sms_code": last_code()})
    assert tracked.status_code == 200 and "已登记，待受理" in tracked.content.decode()
    again = client.post(track, {"tracking_code": code, "sms_code": last_code()})  # used up
    assert again.status_code == 404
