"""A citizen who comes back: their earlier opinions on the ticket page (same phone, in scope,
newest first, bounded), and a warning (not a refusal) after registering a ledger row whose
citizen or text already exists in the county in the last months."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from suggestions.selectors import EARLIER_LIMIT, registration_warnings
from tests.factories import DeputyFactory
from tests.pglocks import needs_postgres
from tests.suggestions.factories import World, make_world
from tests.visits.conftest import reception_input
from visits.services import reception_record

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def w() -> World:
    return make_world()


def test_ticket_page_lists_the_citizens_earlier_opinions(client, w, django_assert_max_num_queries):
    now = timezone.now()
    earlier = [
        w.ticket(
            content=f"第{i}次反映路灯不亮", citizen_phone=PHONE, received_at=now - dt.timedelta(days=i + 1)
        )
        for i in range(EARLIER_LIMIT + 2)
    ]
    w.ticket(station=w.other_station, content="外县的件", citizen_phone=PHONE)  # not in the officer's scope
    w.ticket(content="别人的件", citizen_phone="15800001111")
    current = w.ticket(content="又来反映路灯", citizen_phone=PHONE)
    client.force_login(w.officer)
    r = client.get(reverse("suggestions:detail", args=[current.pk]))
    shown = [t.pk for t in r.context["earlier"]]
    assert shown == [t.pk for t in earlier[:EARLIER_LIMIT]]  # newest first, bounded
    html = r.content.decode()
    assert "该群众的其他意见" in html and earlier[0].number in html and "外县的件" not in html


@needs_postgres
def test_registering_a_returning_citizen_warns_with_links(client, w):
    first = w.ticket(content="村东头道路坑洼严重，雨天积水，希望尽快修缮", citizen_phone=PHONE)
    other_text = w.ticket(content="村东头道路坑洼严重，雨天积水，希望尽快修缮好", citizen_phone="")
    far = w.ticket(station=w.other_station, content="村东头道路坑洼严重，雨天积水，希望尽快修缮")
    deputy = DeputyFactory(home_station=w.station)
    data = reception_input(
        station=w.station, deputy=deputy, category=w.category, starts_at=timezone.now(), rows=2
    )
    data = dataclasses.replace(
        data,
        rows=[
            dataclasses.replace(data.rows[0], citizen_phone=PHONE, content="反映自来水停水"),
            dataclasses.replace(data.rows[1], content="村东头道路坑洼严重，雨天积水，希望尽快修缮！"),
        ],
    )
    session, _ = reception_record(data=data, client_token=uuid.uuid4(), actor=w.officer)
    tickets = list(session.tickets.order_by("created_at"))
    warnings = registration_warnings(user=w.officer, station=w.station, tickets=tickets)
    by_ticket = {x.ticket.pk: x for x in warnings}
    phone_row, text_row = tickets
    assert [t.pk for t in by_ticket[phone_row.pk].same_phone] == [first.pk]
    assert {t.pk for t in by_ticket[text_row.pk].similar} == {first.pk, other_text.pk}
    assert far.pk not in {t.pk for x in warnings for t in x.same_phone + x.similar}  # another county
    client.force_login(w.officer)
    html = client.get(reverse("visits:detail", args=[session.pk])).content.decode()
    assert "可能是重复登记" in html and reverse("suggestions:detail", args=[first.pk]) in html
    assert session.tickets.count() == 2  # a warning, not a refusal


@needs_postgres
def test_warnings_take_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    tickets = [w.ticket(content=f"路灯不亮第{i}处", citizen_phone=PHONE) for i in range(6)]
    with django_assert_max_num_queries(4):  # the user's roles, phones, similar texts, the found in scope
        registration_warnings(user=w.officer, station=w.station, tickets=tickets[3:])
    old = w.ticket(content="很久以前的件", citizen_phone="15800002222")
    type(old).objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=400))
    again = w.ticket(content="完全不同的内容", citizen_phone="15800002222")
    assert registration_warnings(user=w.officer, station=w.station, tickets=[again]) == []
