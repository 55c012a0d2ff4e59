"""The API goes through the same scoping and services as the pages, and its changes
land in the audit trail with the token's user and the client."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from stations.models import Station, StationEvent
from tests.factories import DeputyFactory, PointFactory, StationFactory, UserFactory, make_region_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    tree = make_region_tree()
    mine = StationFactory(name="本站", region=tree.townships[0])
    other = StationFactory(name="他站", region=tree.townships[2])
    return {"tree": tree, "mine": mine, "other": other}


def api_for(role, **scope):
    user = UserFactory()
    user.roles.create(role=role, **scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return user, client


def test_list_is_scoped_and_paged_without_count(world, django_assert_max_num_queries):
    _, client = api_for(Role.LIAISON_OFFICER, station=world["mine"])
    PointFactory(name="本站东村点", parent=world["mine"], region=world["tree"].villages[0])
    with django_assert_max_num_queries(4) as ctx:
        response = client.get("/api/v1/stations/")
    assert response.status_code == 200
    assert {s["name"] for s in response.json()["results"]} == {"本站", "本站东村点"}
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_patch_goes_through_the_service_and_is_audited_with_the_api_client(world):
    user, client = api_for(Role.LIAISON_OFFICER, station=world["mine"])
    response = client.patch(
        f"/api/v1/stations/{world['mine'].pk}/", {"address": "新址", "has_venue": True}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    event = (
        StationEvent.objects.filter(pgh_obj_id=world["mine"].pk, pgh_label="update")
        .select_related("pgh_context")
        .get()
    )
    assert event.address == "新址"
    assert event.pgh_context.metadata["user"] == user.pk
    assert event.pgh_context.metadata["client"] == "api_token"


def test_out_of_scope_is_404_and_a_read_only_role_is_403(world):
    _, officer = api_for(Role.LIAISON_OFFICER, station=world["mine"])
    assert officer.patch(f"/api/v1/stations/{world['other'].pk}/", {"address": "x"}).status_code == 404
    deputy = DeputyFactory(home_station=world["mine"])
    _, as_deputy = api_for(Role.DEPUTY, deputy=deputy)
    assert as_deputy.get(f"/api/v1/stations/{world['mine'].pk}/").status_code == 200
    response = as_deputy.patch(f"/api/v1/stations/{world['mine'].pk}/", {"address": "x"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 403
    assert "detail" in response.json()


def test_bad_input_is_a_json_400_and_nothing_is_saved(world):
    _, client = api_for(Role.COUNTY_STAFF, region=world["tree"].counties[0])
    response = client.patch(f"/api/v1/stations/{world['mine'].pk}/", {"status": "bogus", "name": ""})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "name"}
    assert Station.objects.get(pk=world["mine"].pk).version == 1


def test_anonymous_gets_401():
    assert APIClient().get("/api/v1/stations/").status_code == 401


def test_patch_needs_if_match_and_a_stale_one_is_412(world):
    _, client = api_for(Role.LIAISON_OFFICER, station=world["mine"])
    url = f"/api/v1/stations/{world['mine'].pk}/"
    assert client.patch(url, {"address": "新址"}).status_code == 428
    assert client.patch(url, {"address": "新址"}, HTTP_IF_MATCH='"1"').status_code == 200
    stale = client.patch(url, {"address": "又一个"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["version"] == 2
    assert client.get(url)["ETag"] == '"2"'
