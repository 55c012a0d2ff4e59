"""Search over tickets (content, citizen name, phone, number) and receptions (theme, notes,
station), always inside the user's scope, masked as lists are, on the pages and ``?q=`` of
the API; on PostgreSQL through the trigram GIN indexes, Chinese text included."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from suggestions.models import Ticket
from tests.factories import ReceptionSessionFactory
from tests.pglocks import needs_postgres
from tests.suggestions.factories import World, make_world
from visits.models import ReceptionSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    world = make_world()
    world.road = world.ticket(
        content="村东头道路坑洼严重，雨天积水", citizen_name="张三丰", citizen_phone="13912345678"
    )
    world.water = world.ticket(content="自来水管道老化漏水", citizen_name="李四", citizen_phone="15800001111")
    world.foreign = world.ticket(
        station=world.other_station,
        content="乙县道路坑洼",
        citizen_name="张三丰",
        citizen_phone="13912345678",
    )
    return world


def found(client, q: str, **params) -> set:
    r = client.get(reverse("suggestions:list"), {"q": q, **params})
    assert r.status_code == 200
    return {t.pk for t in r.context["page"]}


def test_ticket_search_by_word_name_phone_and_number(client, w):
    client.force_login(w.county)  # 甲县: sees road and water, not the other county's ticket
    assert found(client, "道路坑洼") == {w.road.pk}
    assert found(client, "水管") == {w.water.pk}
    assert found(client, "张三丰") == {w.road.pk}
    assert found(client, "5678") == {w.road.pk}  # the phone's last digits
    assert found(client, "139-1234-5678") == {w.road.pk}
    assert found(client, w.water.number) == {w.water.pk}
    assert found(client, w.water.number.rsplit("-", 1)[1]) >= {w.water.pk}
    assert found(client, "道路 积水") == {w.road.pk}  # every word must match
    assert found(client, "道路 漏水") == set()
    assert found(client, "") == {w.road.pk, w.water.pk}


def test_search_results_stay_masked_and_scoped(client, w):
    client.force_login(w.county)
    html = client.get(reverse("suggestions:list"), {"q": "13912345678"}).content.decode()
    i = html.find("张三丰")
    assert i < 0, html[i - 300 : i + 50]
    shown = html.replace('value="13912345678"', "").replace("?q=13912345678", "")
    assert "13912345678" not in shown
    assert w.road.masked_citizen_name in html
    client.force_login(w.officer)  # the station's officer
    assert found(client, "乙县") == set()


def test_api_lists_take_q(w):
    api = APIClient()
    api.force_authenticate(w.county)
    body = api.get("/api/v1/tickets/", {"q": "道路坑洼"}).json()
    assert [r["id"] for r in body["results"]] == [str(w.road.pk)]
    assert body["results"][0]["citizen_phone"] != "13912345678"
    assert api.get("/api/v1/tickets/", {"q": "a\x00b"}).json()["results"] == []
    ReceptionSessionFactory(station=w.station, theme="防汛专题接待", notes="讨论河道清淤")
    body = api.get("/api/v1/receptions/", {"q": "清淤"}).json()
    assert [r["theme"] for r in body["results"]] == ["防汛专题接待"]


def test_reception_search_by_theme_notes_and_station(client, w):
    mine = ReceptionSessionFactory(station=w.station, theme="乡村振兴", notes="群众反映灌溉用水")
    ReceptionSessionFactory(station=w.other_station, theme="乡村振兴", notes="群众反映灌溉用水")
    client.force_login(w.county)

    def receptions(q):
        return {s.pk for s in client.get(reverse("visits:list"), {"q": q}).context["page"]}

    assert receptions("灌溉") == {mine.pk}
    assert receptions("乡村振兴") == {mine.pk}
    assert receptions(w.station.name) == {mine.pk}
    assert receptions("没有的词") == set()


@needs_postgres
def test_the_trigram_indexes_serve_chinese_search(w):
    """With enough rows the planner would pick them anyway; here seq scans are switched off
    to see that the index can answer ``ILIKE '%…%'`` on Chinese text."""
    qs = Ticket.objects.search("道路坑洼严重")
    sessions = ReceptionSession.objects.filter(theme__icontains="乡村振兴")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for query in (qs, Ticket.objects.search("13912345678"), sessions):
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(r[0] for r in cursor.fetchall()))
    assert "suggestions_ticket_content_trgm" in plans[0]
    assert "suggestions_ticket_citizen_phone_trgm" in plans[1]
    assert "visits_receptionsession_theme_trgm" in plans[2]
    assert list(qs) == [w.road]
