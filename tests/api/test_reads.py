"""Reads: a fixed number of queries per endpoint, masking of personal data, scoping of
the records that hang off the matrix's records, throttling, tokens, the docs page."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from accounts.models import PersonalDataAccess, Role
from tests.api.conftest import api_client_for
from tests.factories import (
    AttendanceFactory,
    DeputyFactory,
    DeputyGroupFactory,
    HandlingUnitFactory,
    MandateFactory,
    ReceptionSessionFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def fill(w, n: int) -> None:
    """``n`` of everything at the officer's station (and one elsewhere)."""
    for station in (w["station"], w["other"]):
        for _ in range(n):
            deputy = DeputyFactory(home_station=station)
            MandateFactory(deputy=deputy)
            session = ReceptionSessionFactory(station=station)
            AttendanceFactory(session=session, deputy=deputy)
            DeputyGroupFactory(station=station)
            TicketFactory(station=station, category=w["category"], received_by_deputy=deputy)
        HandlingUnitFactory()


ENDPOINTS = [
    "regions",
    "stations",
    "deputies",
    "mandates",
    "deputy-groups",
    "receptions",
    "attendances",
    "tickets",
    "handling-units",
    "categories",
    "calendar-days",
]


@pytest.mark.parametrize("resource", ENDPOINTS)
@pytest.mark.parametrize("kind", ["list", "sync"])
def test_queries_do_not_grow_with_the_rows(api_world, resource, kind, django_assert_max_num_queries):
    """The same number of queries for 2 and for 6 records of each kind (no query per row)."""
    client = api_world["officer_api"]
    url = f"/api/v1/{resource}/" + ("sync/" if kind == "sync" else "")
    counts = []
    for n in (2, 4):
        fill(api_world, n)
        with django_assert_max_num_queries(12) as ctx:
            response = client.get(url)
        assert response.status_code == 200, response.content
        assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
        assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("resource", "queries"),
    # a reception's detail reads its ledger rows too (its tickets, or a draft's stored rows)
    [("tickets", 6), ("deputies", 4), ("receptions", 5), ("stations", 3)],
)
def test_detail_query_counts(api_world, resource, queries, django_assert_num_queries):
    fill(api_world, 2)
    client = api_world["officer_api"]
    first = client.get(f"/api/v1/{resource}/").json()["results"][0]
    with django_assert_num_queries(queries):
        response = client.get(f"/api/v1/{resource}/{first['id']}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{first["version"]}"'


def test_citizen_data_is_masked_unless_the_user_handles_the_ticket(api_world):
    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    officer, admin = api_world["officer_api"], api_world["admin_api"]
    # the station's officer handles it: in full, and the view is logged
    shown = officer.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert shown["citizen_phone"] == "13912345678" and shown["citizen_data_masked"] is False
    assert PersonalDataAccess.objects.filter(ticket_id=ticket.pk, client="api_token").count() == 1
    # an admin oversees the system, not the citizen: masked everywhere
    for body in (
        admin.get(f"/api/v1/tickets/{ticket.pk}/").json(),
        admin.get("/api/v1/tickets/").json()["results"][0],
    ):
        assert body["citizen_phone"] == "139****5678" and body["citizen_name"] == "张**"
        assert body["citizen_data_masked"] is True


def test_a_deputys_phone_is_masked_for_a_handling_unit(api_world):
    deputy = DeputyFactory(home_station=api_world["station"], phone="13700001111")
    officer = api_world["officer_api"]
    assert officer.get(f"/api/v1/deputies/{deputy.pk}/").json()["phone"] == "13700001111"
    other_deputy_user = UserFactory()
    other_deputy_user.roles.create(role=Role.DEPUTY, deputy=DeputyFactory(home_station=api_world["station"]))
    # a fellow deputy of the station sees the station's deputies but not their phones
    fellow = api_client_for(other_deputy_user)
    response = fellow.get(f"/api/v1/deputies/{deputy.pk}/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.json()["phone"] == "137****1111"


def test_records_hanging_off_others_follow_their_parents_scope(api_world):
    fill(api_world, 1)
    client = api_world["officer_api"]
    for resource, parent_field, parent_ids in [
        (
            "mandates",
            "deputy",
            set(client.get("/api/v1/deputies/").json()["results"][i]["id"] for i in range(1)),
        ),
        ("attendances", "session", {r["id"] for r in client.get("/api/v1/receptions/").json()["results"]}),
        ("deputy-groups", "station", {str(api_world["station"].pk)}),
    ]:
        results = client.get(f"/api/v1/{resource}/").json()["results"]
        assert results, resource
        assert {r[parent_field] for r in results} <= parent_ids | {str(api_world["station"].pk)}, resource
    theirs = MandateFactory(deputy=DeputyFactory(home_station=api_world["other"]))
    assert client.get(f"/api/v1/mandates/{theirs.pk}/").status_code == 404


def test_filters_narrow_the_lists(api_world):
    fill(api_world, 2)
    admin = api_world["admin_api"]
    station = str(api_world["station"].pk)
    rows = admin.get("/api/v1/tickets/", {"station": station}).json()["results"]
    assert rows and {r["station"] for r in rows} == {station}
    assert admin.get("/api/v1/tickets/", {"status": "bogus"}).status_code == 400
    # sync feeds take no list filters (tests/api/test_contract.py)
    assert admin.get("/api/v1/tickets/sync/", {"station": station}).status_code == 400


def test_throttled_per_token_with_a_json_429(api_world, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    client = api_world["officer_api"]
    statuses = [client.get("/api/v1/categories/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/categories/")
    assert "detail" in response.json() and response["Retry-After"]
    # another token (another user) is not slowed down by this one
    assert api_world["admin_api"].get("/api/v1/categories/").status_code == 200


def test_a_user_creates_rotates_and_revokes_their_own_token(api_world):
    session = APIClient()
    session.force_login(api_world["officer"])
    created = session.post("/api/v1/token/")
    assert created.status_code == 201
    key = created.json()["key"]
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert with_token.get("/api/v1/stations/").status_code == 200
    assert session.get("/api/v1/token/").json() == {
        "exists": True,
        "key_prefix": key[:6],
        "created": session.get("/api/v1/token/").json()["created"],
    }
    assert session.delete("/api/v1/token/").status_code == 204
    assert with_token.get("/api/v1/stations/").status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_the_docs_page_is_served_from_our_static_files(api_world):
    html = api_world["admin_api"].get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    schema = api_world["admin_api"].get(reverse("api:schema"), {"format": "json"}).json()
    assert "/api/v1/tickets/sync/" in schema["paths"]
