"""Strict input: every query parameter and header either parses or answers 400 with a field
message naming it (JSON), never a 5xx and never a silently ignored value."""

import datetime as dt

import pytest

from tests.api.test_reads import ENDPOINTS
from tests.factories import CategoryFactory, ReceptionSessionFactory, TicketFactory

pytestmark = pytest.mark.django_db


def assert_field_error(response, field: str):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert field in body and body[field] and all(isinstance(m, str) and m for m in body[field]), body


# --- date-times ----------------------------------------------------------------------------------


def test_a_utc_offset_beyond_postgresqls_range_is_read_as_the_instant_it_names(api_world):
    """``+19:12`` is a valid RFC 3339 offset but PostgreSQL refuses offsets past ±15:59 (the
    issue's DataError, a 500). The filter now sends the instant in UTC."""
    session = ReceptionSessionFactory(
        station=api_world["station"], starts_at=dt.datetime(1621, 12, 23, 17, 37, 47, tzinfo=dt.UTC)
    )
    client = api_world["admin_api"]
    # 1621-12-24T12:49:47.2+19:12 is 1621-12-23T17:37:47.2Z: the session (17:37:47Z) starts before it
    before = client.get("/api/v1/receptions/", {"starts_before": "1621-12-24T12:49:47.2+19:12"})
    assert before.status_code == 200, before.content
    assert [r["id"] for r in before.json()["results"]] == [str(session.pk)]
    after = client.get("/api/v1/receptions/", {"starts_after": "1621-12-24T12:49:47.2+19:12"})
    assert after.status_code == 200 and after.json()["results"] == []
    # the same on tickets
    assert client.get("/api/v1/tickets/", {"received_after": "2024-01-01T00:00:00-23:59"}).status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    ],
)
def test_a_bound_outside_the_representable_years_selects_what_it_says(api_world, value):
    ReceptionSessionFactory(station=api_world["station"])
    for name in ("starts_after", "starts_before"):
        response = api_world["admin_api"].get("/api/v1/receptions/", {name: value})
        assert response.status_code == 200, response.content
    everything = api_world["admin_api"].get(
        "/api/v1/receptions/", {"starts_after": "0001-01-01T00:00:00+01:00"}
    )
    assert len(everything.json()["results"]) == 1


@pytest.mark.parametrize(
    "value",
    [
        "10000-01-01T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T10:00:00+24:00",
        "2024-01-01T10:00:00",  # no offset: the instant is ambiguous
        "2024-01-01",
        "2024-01-01 10:00:00+08:00",
        "２０２４-01-01T10:00:00Z",
        "yesterday",
    ],
)
@pytest.mark.parametrize(
    ("resource", "name"), [("receptions", "starts_before"), ("tickets", "received_after")]
)
def test_a_date_time_that_is_not_rfc_3339_is_a_400(api_world, resource, name, value):
    assert_field_error(api_world["admin_api"].get(f"/api/v1/{resource}/", {name: value}), name)


@pytest.mark.parametrize("value", ["2024-1-1", "2024-02-30", "01/02/2024", "0000-01-01"])
def test_a_bad_date_is_a_400(api_world, value):
    assert_field_error(
        api_world["admin_api"].get("/api/v1/calendar-days/", {"date_from": value}), "date_from"
    )


# --- the sync feeds' limit -------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ENDPOINTS)
@pytest.mark.parametrize("limit", ["²", "0", "1001", "-1", "1.0", "abc", "١٠"])
def test_every_sync_feeds_limit_is_an_integer_from_1_to_1000(api_world, resource, limit):
    """``"²".isdigit()`` is true and ``int("²")`` raises: a 500 on every feed before."""
    assert_field_error(api_world["admin_api"].get(f"/api/v1/{resource}/sync/?limit={limit}"), "limit")


def test_an_empty_sync_cursor_is_a_400(api_world):
    assert_field_error(api_world["admin_api"].get("/api/v1/tickets/sync/?cursor="), "cursor")


# --- If-Match --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"\xb2"', "\xb2", '"3\xe9"', '"-1"', '"99999999999"', "*", '"1.0"', "W/x"])
def test_if_match_that_is_not_a_version_is_a_400(api_world, value):
    """A non-ASCII byte in If-Match (a latin-1 character in WSGI) was a 500 (``"²".isdigit()``)."""
    officer = api_world["officer_api"]
    station = api_world["station"]
    patch = officer.patch(
        f"/api/v1/stations/{station.pk}/", {"name": "新名"}, format="json", HTTP_IF_MATCH=value
    )
    assert_field_error(patch, "If-Match")
    ticket = TicketFactory(station=station, category=api_world["category"])
    transition = officer.post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "accept", "tier": "township"},
        format="json",
        HTTP_IF_MATCH=value,
    )
    assert_field_error(transition, "If-Match")


@pytest.mark.parametrize("value", ['"1"', "1", 'W/"1"', ' "1" '])
def test_if_match_forms_of_a_version_are_accepted(api_world, value):
    station = api_world["station"]
    response = api_world["officer_api"].patch(
        f"/api/v1/stations/{station.pk}/", {"name": "新名"}, format="json", HTTP_IF_MATCH=value
    )
    assert response.status_code == 200, response.content


# --- filters: ids, numbers, choices, booleans ----------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "name", "value"),
    [
        ("tickets", "station", "0.5"),
        ("tickets", "station", "{3f2b8c1e-0d4a-4c8e-9b1a-2f6d5e7c9a01}"),
        ("tickets", "station", "urn:uuid:3f2b8c1e-0d4a-4c8e-9b1a-2f6d5e7c9a01"),
        ("tickets", "station", "3f2b8c1e0d4a4c8e9b1a2f6d5e7c9a01"),
        ("tickets", "category", "0.5"),
        ("tickets", "category", "1e3"),
        ("tickets", "category", "²"),
        ("tickets", "category", "0"),
        ("tickets", "category", "99999999999999999999999"),
        ("stations", "region", "1.0"),
        ("handling-units", "region", "-5"),
        ("tickets", "status", "bogus"),
        ("tickets", "status", "null"),
        ("tickets", "status", "%s%(x)d"),  # the message must not %-format the value
        ("deputies", "level", "galactic"),
        ("deputies", "gender", "x"),
        ("regions", "level", "9"),
        ("regions", "level", "01"),
        ("categories", "is_active", "maybe"),
        ("categories", "is_active", "1"),
        ("attendances", "present", "yes"),
        ("calendar-days", "is_working_day", "none"),
    ],
)
def test_an_odd_filter_value_is_a_400(api_world, resource, name, value):
    """Before: ``0.5`` for an id was truncated to 0, ``maybe`` for a boolean meant no filter,
    ``null`` for a choice filtered on NULL."""
    assert_field_error(api_world["admin_api"].get(f"/api/v1/{resource}/", {name: value}), name)


def test_strict_filters_still_filter(api_world):
    inactive = CategoryFactory(code="old", is_active=False)
    client = api_world["admin_api"]
    rows = client.get("/api/v1/categories/", {"is_active": "false"}).json()["results"]
    assert [r["id"] for r in rows] == [inactive.pk]
    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    rows = client.get(
        "/api/v1/tickets/", {"station": str(api_world["station"].pk), "category": api_world["category"].pk}
    ).json()["results"]
    assert [r["id"] for r in rows] == [str(ticket.pk)]
    assert client.get("/api/v1/regions/", {"level": "1"}).json()["results"]
    assert client.get("/api/v1/tickets/", {"status": "registered"}).json()["results"]


@pytest.mark.parametrize(
    "query",
    [
        "statuss=registered",  # a misspelt filter listed everything before
        "status=registered&status=accepted",
        "status=",
        "station=",
        "cursor=",
        "page_size=",
    ],
)
def test_unknown_repeated_or_empty_query_parameters_are_a_400(api_world, query):
    name = query.split("=")[0]
    assert_field_error(api_world["admin_api"].get(f"/api/v1/tickets/?{query}"), name)


def test_a_detail_takes_no_query_parameters(api_world):
    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    assert_field_error(api_world["admin_api"].get(f"/api/v1/tickets/{ticket.pk}/?expand=all"), "expand")
    assert_field_error(api_world["admin_api"].get("/api/v1/token/?x=1"), "x")


def test_the_report_refuses_unknown_parameters(api_world):
    region = api_world["tree"].city.pk
    assert api_world["admin_api"].get("/api/v1/reports/", {"region": region}).status_code == 200
    assert_field_error(
        api_world["admin_api"].get("/api/v1/reports/", {"region": region, "perod": "half"}), "perod"
    )


def test_a_nul_character_in_a_text_filter_matches_nothing(api_world):
    response = api_world["admin_api"].get("/api/v1/regions/", {"code": "a\x00b"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_any_utc_offset_reaches_postgresql_as_the_instant(api_world):
    """Whatever path an aware datetime takes (a form, a serializer, the ORM), an offset past
    PostgreSQL's ±15:59 was a DataError; it is sent in UTC now (liaison.db)."""
    offset = dt.timezone(dt.timedelta(hours=19, minutes=12))
    moment = dt.datetime(2024, 5, 1, 12, 0, tzinfo=offset)
    session = ReceptionSessionFactory(station=api_world["station"], starts_at=moment)
    session.refresh_from_db()
    assert session.starts_at == moment


def test_a_transition_form_date_time_with_a_large_offset_is_not_a_500(api_world):
    """The transitions endpoint hands the body to the page's form, which keeps the offset."""
    from suggestions import services

    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    officer = api_world["officer"]
    services.ticket_transition(ticket=ticket, action="accept", actor=officer, tier="on_the_spot")
    ticket = services.ticket_transition(ticket=ticket, action="reply", actor=officer, text="已当场答复")
    response = api_world["officer_api"].post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"action": "deliver_reply", "channel": "phone", "delivered_at": "2024-05-01T12:00:00+19:12"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "delivered"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("consent_to_share", 0),
        ("consent_to_share", "yes"),
        ("category", "1"),
        ("category", True),
        ("content", 5),
        ("station", 5),
        ("received_at", "2024-05-01"),
        ("received_at", "2024-05-01T10:00:00"),
    ],
)
def test_a_body_field_of_the_wrong_json_type_is_a_400(api_world, field, value):
    """DRF takes 0 for false, "1" for 1 and 5 for "5"; the schema says otherwise."""
    body = {
        "station": str(api_world["station"].pk),
        "category": api_world["category"].pk,
        "content": "路灯坏了",
        "citizen_name": "李四",
        field: value,
    }
    assert_field_error(api_world["officer_api"].post("/api/v1/tickets/", body, format="json"), field)


def test_a_station_flag_must_be_a_boolean(api_world):
    station = api_world["station"]
    response = api_world["officer_api"].patch(
        f"/api/v1/stations/{station.pk}/", {"funding_in_place": 0}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert_field_error(response, "funding_in_place")
