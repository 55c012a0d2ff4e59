"""GET /api/v1/reports/: the report from the rollups, scoped, with clear errors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.reports.test_rollups import World

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


@pytest.fixture
def world():
    w = World(seed=11)
    rollups_refresh(full=True)
    return w


def client_for(role: str, **scope) -> APIClient:
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, **scope)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_report_is_the_rollups_figures(world, django_assert_max_num_queries):
    client = client_for(Role.CITY_STAFF, region=world.tree.city)
    county = world.tree.counties[0]
    with django_assert_max_num_queries(12):
        r = client.get(URL, {"region": county.pk, "period": "half", "on": "2023-03-01", "by": "child"})
    assert r.status_code == 200, r.content
    body = r.json()
    expected = figures(scope=Scope(region=county), period=Period.half(2023, 1))
    assert body["figures"]["collected"] == expected.collected
    assert body["figures"]["closure_rate"] == expected.closure_rate
    assert body["period"]["label"] == "2023年上半年"
    assert set(body["by"]) <= {t.path for t in world.tree.townships_of(county)}

    r = client.get(
        URL, {"station": world.stations[0].pk, "period": "custom", "start": "2023-02", "end": "2023-11"}
    )
    assert r.status_code == 200
    assert (
        r.json()["figures"]["entries"]
        == figures(
            scope=Scope(station=world.stations[0]),
            period=Period(Period.month(2023, 2).start, Period.month(2023, 11).start),
        ).entries
    )


def test_out_of_scope_is_404_and_bad_input_is_400_json(world):
    client = client_for(Role.COUNTY_STAFF, region=world.tree.counties[0])
    assert client.get(URL, {"region": world.tree.counties[1].pk}).status_code == 404
    assert client.get(URL, {"region": 10**12}).status_code == 404
    for params, field in (
        ({}, "region"),
        ({"region": world.tree.counties[0].pk, "period": "week"}, "period"),
        (
            {"region": world.tree.counties[0].pk, "period": "custom", "start": "2023-13", "end": "2023-02"},
            "period",
        ),
        (
            {"region": world.tree.counties[0].pk, "period": "custom", "start": "2023-05", "end": "2023-02"},
            "period",
        ),
        ({"station": world.stations[0].pk, "by": "child"}, "by"),
        ({"station": "not-a-uuid"}, "station"),
    ):
        r = client.get(URL, params)
        assert r.status_code == 400, (params, r.content)
        assert field in r.json(), (params, r.json())
