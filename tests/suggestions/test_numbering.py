"""Ticket numbers (编号 such as 交城-2023-000123): given at registration by every creation
path, one sequence per county and year, no two alike under concurrency, and existing
tickets numbered by the set-based backfill."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from suggestions import services
from suggestions.models import Ticket, TicketNumberCounter
from suggestions.numbering import backfill_ticket_numbers, short_name
from tests.api.concurrency import at_once
from tests.factories import DeputyFactory, StationFactory, TicketFactory, make_region
from tests.pglocks import needs_postgres
from tests.suggestions.factories import make_world

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def seq(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_short_names():
    assert short_name("交城县") == "交城"
    assert short_name("离石区") == "离石"
    assert short_name("孝义市") == "孝义"
    assert short_name("岚县") == "岚县"
    assert short_name("某某自治县") == "某某"


@pytest.mark.django_db
def test_registration_numbers_by_county_and_year():
    w = make_world()
    w.tree.counties[0].name = "交城县"
    w.tree.counties[0].save()
    year = dt.datetime(2023, 12, 31, 23, 30, tzinfo=SHANGHAI)  # 2023 in Shanghai, 15:30 UTC
    first = w.ticket(received_at=year)
    second = w.ticket(received_at=year)
    next_year = w.ticket(received_at=year + dt.timedelta(hours=1))
    other_county = w.ticket(station=w.other_station, received_at=year)
    assert first.number == "交城-2023-000001" and second.number == "交城-2023-000002"
    assert next_year.number == "交城-2024-000001"
    assert other_county.number == "乙县-2023-000001"
    assert Ticket.objects.get(pk=first.pk).number == first.number
    assert TicketNumberCounter.objects.get(county=w.tree.counties[0], year=2023).last == 2


@pytest.mark.django_db
def test_a_city_level_station_numbers_under_its_city():
    w = make_world()
    station = StationFactory(region=w.tree.city)
    assert w.ticket(station=station).number.startswith(f"{short_name(w.tree.city.name)}-")


@pytest.mark.django_db
def test_a_batch_takes_consecutive_numbers_in_order():
    w = make_world()
    at = dt.datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    w.ticket(received_at=at)
    built = [
        services.ticket_registration(
            station=w.station, category=w.category, content=f"第{i}件", citizen_name="李四", received_at=at
        )
        for i in range(5)
    ]
    services.tickets_register_many(tickets=built)
    numbers = list(Ticket.objects.filter(pk__in=[t.pk for t in built]).values_list("number", flat=True))
    assert sorted(seq(n) for n in numbers) == [2, 3, 4, 5, 6]
    assert [seq(t.number) for t in built] == [2, 3, 4, 5, 6]


@pytest.mark.django_db
def test_the_api_shows_the_number_read_only(client):
    w = make_world()
    ticket = w.ticket()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(w.officer)
    body = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert body["number"] == ticket.number
    client.force_login(w.officer)
    assert ticket.number in client.get(reverse("suggestions:list")).content.decode()
    assert ticket.number in client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()


@pytest.mark.django_db
def test_ledger_rows_are_numbered():
    from tests.visits.conftest import reception_input
    from visits.services import reception_record

    w = make_world()
    deputy = DeputyFactory(home_station=w.station)
    data = reception_input(
        station=w.station,
        deputy=deputy,
        category=w.category,
        starts_at=dt.datetime(2024, 5, 1, 9, tzinfo=SHANGHAI),
    )
    session, _ = reception_record(data=data, client_token=uuid.uuid4(), actor=w.officer)
    numbers = sorted(seq(t.number) for t in session.tickets.all())
    assert numbers == [1, 2]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_registrations_get_twenty_consecutive_numbers():
    w = make_world()
    at = dt.datetime(2024, 6, 1, 9, tzinfo=SHANGHAI)

    def register(i: int) -> str:
        return w.ticket(content=f"同时登记的第{i}件", received_at=at).number

    numbers = at_once(20, register)
    assert len(set(numbers)) == 20
    assert sorted(seq(n) for n in numbers) == list(range(1, 21))
    assert Ticket.objects.filter(number__in=numbers).count() == 20
    assert TicketNumberCounter.objects.get(county=w.tree.counties[0], year=2024).last == 20


@needs_postgres
@pytest.mark.django_db
def test_backfill_numbers_existing_tickets_in_received_order():
    w = make_world()
    county = w.tree.counties[0]
    at = dt.datetime(2023, 4, 1, 9, tzinfo=SHANGHAI)
    late = TicketFactory(station=w.station, category=w.category, received_at=at + dt.timedelta(days=2))
    early = TicketFactory(station=w.station, category=w.category, received_at=at)
    other_year = TicketFactory(station=w.station, category=w.category, received_at=at.replace(year=2022))
    township_of_other = TicketFactory(station=w.other_station, category=w.category, received_at=at)
    village_station = StationFactory(region=make_region(parent=w.tree.townships[0], name="新村"))
    in_village = TicketFactory(
        station=village_station, category=w.category, received_at=at + dt.timedelta(days=1)
    )
    assert early.number is None
    assert backfill_ticket_numbers() == 5
    got = dict(Ticket.objects.values_list("pk", "number"))
    assert got[early.pk] == "甲县-2023-000001"
    assert got[in_village.pk] == "甲县-2023-000002"
    assert got[late.pk] == "甲县-2023-000003"
    assert got[other_year.pk] == "甲县-2022-000001"
    assert got[township_of_other.pk] == "乙县-2023-000001"
    assert TicketNumberCounter.objects.get(county=county, year=2023).last == 3
    assert w.ticket(received_at=at).number == "甲县-2023-000004"
    assert backfill_ticket_numbers() == 0
    with connection.cursor() as cursor:  # the statement is set-based: no row-by-row loop
        from suggestions.numbering import BACKFILL_SQL

        cursor.execute("EXPLAIN " + BACKFILL_SQL, ["Asia/Shanghai"] * 2)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert re.search(r"WindowAgg", plan)
