"""Format suffixes and the browsable API: every route answers with every suffix (no 500 on
a custom handler), and the HTML view of the API never renders a form or a choice list."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import mixins

from liaison.api import ScopedViewSet
from stations.models import Station
from tests.api.test_writes import body
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def _api_patterns() -> list[str]:
    """Every /api/v1/ pattern the router made with a format suffix, as a regex string."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and "(?P<format>" in str(p.pattern):
                found.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    return [p for p in found if p.startswith("api/v1/")]


def _url(pattern: str, pk, suffix: str) -> str:
    """A concrete URL of a suffixed route pattern."""
    url = pattern.replace("^", "").replace("$", "").replace("/?", "").replace("\\.", ".")
    url = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), url)
    url = re.sub(r"\(\?P<format>[^)]*\)", suffix, url)
    return "/" + url


def test_every_suffixed_route_answers_every_method_in_json(api_world):
    client = api_world["officer_api"]
    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    patterns = _api_patterns()
    assert len(patterns) > 25  # the router's detail, list and action routes
    for pattern in patterns:
        pk = api_world["station"].pk if "stations" in pattern else ticket.pk
        url = _url(pattern, pk, "json")
        for method in ("get", "put", "patch", "post", "delete", "options"):
            data = body(api_world) if method in ("put", "post") else {"name": "新名"}
            response = getattr(client, method)(url, data, format="json", HTTP_IF_MATCH='"1"')
            assert response.status_code < 500, (method, url, response.status_code)
            assert response["Content-Type"].startswith("application/json"), (method, url)


def test_suffixed_writes_do_what_the_plain_ones_do(api_world):
    client, pk = api_world["officer_api"], uuid.uuid4()
    created = client.put(f"/api/v1/tickets/{pk}.json", body(api_world), format="json")
    assert created.status_code == 201, created.content
    moved = client.post(
        f"/api/v1/tickets/{pk}/transitions.json", {"action": "accept", "tier": "county_dept"}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["status"] == "accepted"
    station = api_world["station"]
    patched = client.patch(
        f"/api/v1/stations/{station.pk}.json", {"name": "改名站"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert patched.status_code == 200 and Station.objects.get(pk=station.pk).name == "改名站"
    feed = client.get("/api/v1/tickets/sync.json")
    assert feed.status_code == 200 and "results" in feed.json()
    batch = client.post(
        "/api/v1/tickets/batch.json",
        {"records": [{"id": str(uuid.uuid4()), **body(api_world)}]},
        format="json",
    )
    assert batch.status_code == 200 and batch.json()["results"][0]["status"] == "created"


def test_a_handler_without_format_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="format=None"):

        class Careless(mixins.UpdateModelMixin, ScopedViewSet):  # noqa: F841
            def update(self, request, pk=None):
                raise AssertionError


@pytest.mark.parametrize("suffix", [".api", "/?format=api"])
def test_the_browsable_api_renders_no_form_and_no_choice_list(client, api_world, suffix):
    """A user with no role at all: the HTML view shows the (404/empty) answer, never a
    form listing stations, deputies, tickets… (DRF builds those from unscoped querysets)."""
    from tests.factories import UserFactory

    ticket = TicketFactory(station=api_world["other"], category=api_world["category"], content="他站的意见")
    client.force_login(UserFactory(username="nobody"))
    for path in (
        "/api/v1/tickets",
        f"/api/v1/tickets/{ticket.pk}",
        f"/api/v1/tickets/{ticket.pk}/transitions",
        "/api/v1/tickets/batch",
        f"/api/v1/stations/{api_world['other'].pk}",
    ):
        url = path + (suffix if suffix == ".api" else suffix)
        response = client.get(url)
        html = response.content.decode()
        assert response["Content-Type"].startswith("text/html"), url
        assert "<select" not in html and "<option" not in html and "<textarea" not in html, url
        echo = html.replace(path, "")  # the page names the URL asked for
        assert "他站" not in html and str(api_world["other"].pk) not in echo, url
