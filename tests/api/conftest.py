import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import CategoryFactory, StationFactory, UserFactory, make_region_tree


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api_world(db):
    tree = make_region_tree()
    station = StationFactory(name="本站", region=tree.townships[0])
    other = StationFactory(name="他站", region=tree.townships[2])
    officer = UserFactory(username="officer")
    officer.roles.create(role=Role.LIAISON_OFFICER, station=station)
    admin = UserFactory(username="admin")
    admin.roles.create(role=Role.ADMIN)
    return {
        "tree": tree,
        "station": station,
        "other": other,
        "category": CategoryFactory(code="roads", name="道路"),
        "officer": officer,
        "admin": admin,
        "officer_api": api_client_for(officer),
        "admin_api": api_client_for(admin),
    }


def sync_all(client, resource: str, cursor: str | None = None, *, limit: int = 500, **params):
    """Page through a feed to its end: (records by id, in order of arrival; final cursor)."""
    seen: list[dict] = []
    while True:
        query = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        response = client.get(f"/api/v1/{resource}/sync/", query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(body["results"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen, cursor
