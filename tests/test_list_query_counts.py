"""Every list page runs a fixed number of queries, however many rows it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.factories import (
    AttendanceFactory,
    DeputyFactory,
    MandateFactory,
    PointFactory,
    ReceptionSessionFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)

pytestmark = pytest.mark.django_db

LIST_ROUTES = ["home", "stations:list", "deputies:list", "visits:list", "suggestions:list", "accounts:audit"]


def add_rows(tree, n):
    for i in range(n):
        station = StationFactory(region=tree.townships[i % 2])
        PointFactory(parent=station, region=tree.villages[i % 2])
        deputy = DeputyFactory(home_station=station)
        MandateFactory(deputy=deputy)
        session = ReceptionSessionFactory(station=station)
        AttendanceFactory(session=session, deputy=deputy)
        TicketFactory(station=station, reception=session, received_by_deputy=deputy)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_list_query_count_is_constant(client, route):
    tree = make_region_tree()
    user = UserFactory()
    user.roles.create(role=Role.CITY_STAFF, region=tree.city)
    client.force_login(user)
    add_rows(tree, 2)
    url = reverse(route)
    few = count_queries(client, url)
    add_rows(tree, 15)
    many = count_queries(client, url)
    assert many == few, f"{route}: {few} queries with few rows, {many} with many"
