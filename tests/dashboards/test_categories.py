"""意见建议分类统计: opinions by category and tier for a region or a station, counted as
the dashboard counts (merged left out, closed by the one rule), with the trend per
category, the share per region, drill-down, Excel and a fixed number of queries."""

import io

import pytest
from django.urls import reverse

from accounts.models import Role
from reports.categories import category_stats
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from suggestions.models import Category, Ticket
from tests.factories import TicketFactory
from tests.oversight.world import YEAR, at, build_world


@pytest.fixture
def world(db):
    w = build_world()
    roads = Category.objects.create(code="roads-h18", name="道路交通", sort_order=1)
    water = Category.objects.create(code="water-h18", name="供水供暖", sort_order=2)
    Ticket.objects.update(category=Category.objects.create(code="other-h18", name="其他事项", sort_order=9))
    t1, reopened, t3 = (
        Ticket.objects.filter(station=w.station_a, received_at__year=YEAR)
        .exclude(status=Ticket.Status.MERGED)
        .order_by("received_at")
    )
    Ticket.objects.filter(pk__in=[t1.pk, reopened.pk]).update(category=roads, tier=Ticket.Tier.TOWNSHIP)
    Ticket.objects.filter(pk=t3.pk).update(category=water)
    TicketFactory(
        station=w.station_b,
        received_at=at(YEAR, 7, 1),
        category=water,
        tier=Ticket.Tier.COUNTY_DEPARTMENT,
        status=Ticket.Status.CLOSED,
        closed_at=at(YEAR, 7, 20),
    )
    rollups_refresh(full=True)
    w.roads, w.water = roads, water
    return w


def test_counts_by_category_tier_month_and_county(world):
    stats = category_stats(
        scope=Scope(region=world.city),
        period=Period.year(YEAR),
        children={world.county_a.path: "甲县", world.county_b.path: "乙县"},
    )
    by = {c["name"]: c for c in stats.categories}
    # the merged duplicate is left out; the ticket reopened in 2026 is not closed (one rule)
    assert (by["道路交通"]["collected"], by["道路交通"]["closed"]) == (2, 1)
    assert (by["供水供暖"]["collected"], by["供水供暖"]["closed"]) == (2, 1)
    assert [c["name"] for c in stats.categories] == ["供水供暖", "道路交通"]  # ties by name
    assert by["道路交通"]["share"] == 0.5
    tiers = {t["key"]: t["collected"] for t in stats.tiers}
    assert tiers == {"township": 2, "county_dept": 1, "": 1}
    # the same totals as the dashboard's
    f = figures(scope=Scope(region=world.city), period=Period.year(YEAR))
    assert (stats.total.collected, stats.total.closed) == (f.collected, f.closed) == (4, 2)
    # the trend: roads in March and June, water in September and July
    trend = {t["name"]: t["counts"] for t in stats.trend}
    assert trend["道路交通"][2] == 1 and trend["道路交通"][5] == 1 and sum(trend["道路交通"]) == 2
    assert trend["供水供暖"][6] == 1 and trend["供水供暖"][8] == 1
    # the share per county: 甲县 has roads 2 / water 1, 乙县 water 1
    rows = {r["name"]: r for r in stats.children}
    order = [t["name"] for t in stats.trend]
    a = dict(zip(order, rows["甲县"]["shares"], strict=True))
    assert rows["甲县"]["collected"] == 3 and a["道路交通"] == (2, pytest.approx(2 / 3))
    b = dict(zip(order, rows["乙县"]["shares"], strict=True))
    assert b == {"供水供暖": (1, 1.0), "道路交通": (0, 0.0)}


def test_the_page_drills_down_and_exports(client, world, user_with_role, django_assert_max_num_queries):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    client.force_login(staff)
    url = reverse("dashboards:region_categories", args=[world.city.pk])
    query = {"period": "year", "year": YEAR}
    client.get(url, query)
    with django_assert_max_num_queries(14):
        page = client.get(url, query).content.decode()
    assert f'data-category="{world.roads.pk}"' in page and "道路交通" in page
    # the dashboard links here
    dash = client.get(reverse("dashboards:region", args=[world.city.pk]), query).content.decode()
    assert "data-categories-link" in dash
    # drill into one category: only its tickets; a county links to its own page, same category
    narrowed = client.get(url, {**query, "category": world.roads.pk}).content.decode()
    assert "供水供暖" not in narrowed[narrowed.index('id="category-table"') :]
    county_url = reverse("dashboards:region_categories", args=[world.county_a.pk])
    assert f"{county_url}?" in narrowed and f"category={world.roads.pk}" in narrowed
    # Excel: four sheets, the category rows
    response = client.get(url, {**query, "format": "xlsx"})
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按类别", "按分级处理", "分类趋势", "各地占比"]
    rows = [[c.value for c in r] for r in wb["按类别"].iter_rows(min_row=4)]
    assert ["供水供暖", 2, 1, 0.5, 0.5] in rows
    # a station's page, and another county's staff cannot see 甲县's
    station_url = reverse("dashboards:station_categories", args=[world.station_a.pk])
    assert client.get(station_url, query).status_code == 200
    client.force_login(user_with_role(Role.COUNTY_STAFF, region=world.county_b))
    assert (
        client.get(reverse("dashboards:region_categories", args=[world.county_a.pk]), query).status_code
        == 404
    )


def test_queries_do_not_grow_with_categories(client, world, user_with_role, django_assert_max_num_queries):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    client.force_login(staff)
    url = reverse("dashboards:region_categories", args=[world.city.pk])
    client.get(url, {"period": "year", "year": YEAR})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url, {"period": "year", "year": YEAR})
    for i in range(12):
        c = Category.objects.create(code=f"c{i}-h18", name=f"类别{i}")
        TicketFactory(station=world.station_b, received_at=at(YEAR, 8, 1), category=c)
    with django_assert_max_num_queries(len(before)):
        client.get(url, {"period": "year", "year": YEAR})
