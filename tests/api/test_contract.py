"""The contract around the records: JSON errors for every path under /api/v1/, sync feeds
without list filters (and what a client filtering locally gets instead), and a schema that
lists what the API answers, built without a warning."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from suggestions import services
from tests.api.conftest import sync_all
from tests.factories import TicketFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/0.5/transitions/",  # the router's id pattern refuses dots: no route at all
        "/api/v1/nothing-here/",
        "/api/v1/tickets/abc/def/ghi/",
        "/api/v2/tickets/",
        "/api/",
    ],
)
def test_a_path_no_route_matches_answers_json_under_api(api_world, path):
    response = api_world["admin_api"].get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到该记录，或您无权查看。"}


@pytest.mark.django_db
def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_method_the_resource_lacks_is_a_json_405_with_allow(api_world, method):
    response = getattr(api_world["admin_api"], method)("/api/v1/categories/")
    assert response.status_code == 405 and response.json()["detail"] and response["Allow"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["status", "station", "received_after", "tier"])
def test_sync_feeds_refuse_list_filters(api_world, name):
    response = api_world["officer_api"].get("/api/v1/tickets/sync/", {name: "registered"})
    assert response.status_code == 400
    assert "同步接口不支持筛选" in response.json()[name][0]


@pytest.mark.django_db(transaction=True)
def test_a_ticket_accepted_after_a_sync_does_not_stay_registered_in_the_clients_copy(api_world):
    """The issue's case: a client syncing ``tickets/sync/?status=registered`` kept a ticket
    that was then accepted as "registered" forever (it left the filter: no record, no
    tombstone). Filters are refused on feeds; the client syncs the whole feed, filters its
    copy, and the accepted ticket comes again with its new status."""
    client = api_world["officer_api"]
    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    assert client.get("/api/v1/tickets/sync/", {"status": "registered"}).status_code == 400

    copy: dict[str, dict] = {}
    records, cursor = sync_all(client, "tickets")
    copy.update({r["id"]: r for r in records})
    registered = {i for i, r in copy.items() if r["status"] == "registered"}
    assert registered == {str(ticket.pk)}

    services.ticket_transition(ticket=ticket, action="accept", actor=api_world["officer"], tier="township")
    records, cursor = sync_all(client, "tickets", cursor)
    copy.update({r["id"]: r for r in records})
    assert copy[str(ticket.pk)]["status"] == "accepted"
    assert not {i for i, r in copy.items() if r["status"] == "registered"}


def test_the_schema_builds_without_a_warning(tmp_path):
    """drf-spectacular's warnings (enum name collisions, unguessable filter types…) fail."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@pytest.fixture
def schema(api_world):
    return api_world["admin_api"].get("/api/v1/schema/", {"format": "json"}).json()


def responses_of(schema, path: str, method: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


@pytest.mark.django_db
def test_every_operation_documents_its_error_statuses(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "put", "patch", "post", "delete"):
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "406", "429"} <= codes, (method, path, codes)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method != "get":
                assert {"403", "415"} <= codes, (method, path)
            for code, response in operation["responses"].items():
                if code >= "400":
                    assert "application/json" in response["content"], (method, path, code)
            if path.endswith("/sync/"):
                assert "410" in codes
                names = {p["name"] for p in operation.get("parameters", [])}
                assert names == {"cursor", "limit"}, (path, names)


@pytest.mark.django_db
def test_the_paging_and_sync_parameters_carry_their_bounds(schema):
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]}
    assert params["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
    assert params["cursor"]["type"] == "string"
    assert params["station"]["format"] == "uuid"
    assert params["category"]["type"] == "integer"
    assert params["received_after"]["format"] == "date-time"
    assert "bogus" not in params["status"]["enum"]
    sync = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/tickets/sync/"]["get"]["parameters"]}
    assert sync["limit"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 500}


@pytest.mark.django_db
def test_the_statuses_the_api_answers_are_in_the_schema(api_world, schema):
    """Each (operation, status) these requests observe is documented."""
    officer, admin = api_world["officer_api"], api_world["admin_api"]
    station = api_world["station"]
    ticket = TicketFactory(station=station, category=api_world["category"])
    observed = [
        ("/api/v1/tickets/", "get", admin.get("/api/v1/tickets/", {"cursor": "x"})),
        ("/api/v1/tickets/", "get", admin.get("/api/v1/tickets/", {"page_size": "0"})),
        ("/api/v1/tickets/sync/", "get", admin.get("/api/v1/tickets/sync/", {"limit": "²"})),
        ("/api/v1/tickets/{id}/", "get", admin.get("/api/v1/tickets/3f2b8c1e-0d4a-4c8e-9b1a-2f6d5e7c9a01/")),
        (
            "/api/v1/stations/{id}/",
            "patch",
            officer.patch(f"/api/v1/stations/{station.pk}/", {}, format="json"),
        ),
        (
            "/api/v1/stations/{id}/",
            "patch",
            officer.patch(f"/api/v1/stations/{station.pk}/", {}, format="json", HTTP_IF_MATCH='"9"'),
        ),
        (
            "/api/v1/tickets/{id}/",
            "put",
            officer.put(f"/api/v1/tickets/{ticket.pk}/", {"station": "x"}, format="json"),
        ),
        (
            "/api/v1/tickets/{id}/transitions/",
            "post",
            officer.generic(
                "POST",
                f"/api/v1/tickets/{ticket.pk}/transitions/",
                "a=b",
                "application/x-www-form-urlencoded",
            ),
        ),
        (
            "/api/v1/categories/",
            "get",
            APIClient().get("/api/v1/categories/", HTTP_AUTHORIZATION="Token nope"),
        ),
        ("/api/v1/categories/", "get", officer.get("/api/v1/categories/", HTTP_ACCEPT="application/xml")),
    ]
    for path, method, response in observed:
        assert str(response.status_code) in responses_of(schema, path, method), (
            path,
            method,
            response.status_code,
        )
    assert {r.status_code for _, _, r in observed} >= {400, 401, 404, 406, 412, 415, 428}
