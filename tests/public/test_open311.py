"""Open311 GeoReport v2 (read-only): the standard's fields, its filters, only stations that
publish, personal data stripped, and no way to list or guess what is not published."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from public.models import StationPublication
from tests.factories import TicketFactory
from tests.public.conftest import ID_NUMBER, NAME, PHONE

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


@pytest.fixture
def tickets(w):
    now = timezone.now()
    pii = {"citizen_name": NAME, "citizen_phone": PHONE, "citizen_id_number": ID_NUMBER}
    return {
        "open": TicketFactory(
            station=w.station, category=w.category, received_at=now, village=w.tree.villages[0], **pii
        ),
        "closed": TicketFactory(
            station=w.station, category=w.category, received_at=now, status="withdrawn", **pii
        ),
        "old": TicketFactory(
            station=w.station, category=w.category, received_at=now - dt.timedelta(days=200), **pii
        ),
        "spam": TicketFactory(station=w.station, category=w.category, received_at=now, is_spam=True, **pii),
        "unpublished": TicketFactory(station=w.other_station, category=w.category, received_at=now, **pii),
    }


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["service_request_id"] for row in response.json()}


def test_services_json(client, w):
    rows = client.get(reverse("public:open311_services")).json()
    assert rows and all(set(r) == SERVICE_FIELDS for r in rows)
    assert {"service_code": "roads", "service_name": "道路交通"}.items() <= rows[0].items()


def test_requests_json_fields_and_default_window(client, w, tickets, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(reverse("public:open311_requests"))
    rows = response.json()
    assert _ids(response) == {
        str(tickets["open"].pk),
        str(tickets["closed"].pk),
    }  # 90 days, published, no spam
    for row in rows:
        assert set(row) == REQUEST_FIELDS
        assert row["status"] in ("open", "closed")
    by_id = {r["service_request_id"]: r for r in rows}
    assert by_id[str(tickets["open"].pk)]["address"] == w.tree.villages[0].name
    assert by_id[str(tickets["closed"].pk)]["status"] == "closed"
    text = response.content.decode()
    for secret in (NAME, PHONE, ID_NUMBER, tickets["open"].content):
        assert secret not in text


def test_requests_json_filters(client, w, tickets):
    url = reverse("public:open311_requests")
    assert _ids(client.get(url, {"status": "open"})) == {str(tickets["open"].pk)}
    assert _ids(client.get(url, {"status": "closed"})) == {str(tickets["closed"].pk)}
    start = (timezone.now() - dt.timedelta(days=365)).isoformat()
    assert str(tickets["old"].pk) in _ids(client.get(url, {"start_date": start}))
    assert _ids(client.get(url, {"service_code": "nothing"})) == set()
    asked = f"{tickets['old'].pk},{tickets['unpublished'].pk}"
    assert _ids(client.get(url, {"service_request_id": asked})) == {str(tickets["old"].pk)}
    assert client.get(url, {"status": "maybe"}).status_code == 400
    assert client.get(url, {"bogus": "1"}).status_code == 400
    assert client.get(url, {"service_request_id": "not-a-uuid"}).status_code == 400


def test_request_detail(client, w, tickets):
    rows = client.get(reverse("public:open311_request", args=[tickets["open"].pk])).json()
    assert len(rows) == 1 and set(rows[0]) == REQUEST_FIELDS
    for hidden in ("unpublished", "spam"):
        assert client.get(reverse("public:open311_request", args=[tickets[hidden].pk])).status_code == 404
    assert client.get(reverse("public:open311_request", args=["nope"])).status_code == 404
    StationPublication.objects.filter(station=w.station).update(publishes_requests=False)
    assert client.get(reverse("public:open311_request", args=[tickets["open"].pk])).status_code == 404
