"""Region subtrees and the stations in them: one indexed query, nothing of the neighbours."""

import itertools

import pytest
from django.db import connection

from stations.models import Region, RegionLevel
from stations.selectors import region_subtree, station_points, stations_in_region
from tests.factories import PointFactory, StationFactory

pytestmark = pytest.mark.django_db


def test_county_subtree_holds_its_townships_and_villages_only(region_tree, django_assert_num_queries):
    county, other = region_tree.counties
    with django_assert_num_queries(1):
        subtree = list(region_subtree(region=county))
    townships = region_tree.townships_of(county)
    villages = [v for t in townships for v in region_tree.villages_of(t)]
    assert set(subtree) == {county, *townships, *villages}
    assert len(subtree) == 7
    assert subtree[0] == county  # tree order: the region first
    assert not set(subtree) & {other, *region_tree.townships_of(other), region_tree.city}


def test_village_subtree_is_the_village(region_tree):
    village = region_tree.villages[3]
    assert list(region_subtree(region=village)) == [village]


def test_city_subtree_is_the_whole_tree(region_tree):
    assert set(region_subtree(region=region_tree.city)) == set(region_tree.all)


def test_stations_in_region(region_tree, django_assert_num_queries):
    county_a, county_b = region_tree.counties
    in_a = StationFactory(region=region_tree.townships[0])
    point_in_a = PointFactory(parent=in_a, region=region_tree.villages[1])
    in_a_too = StationFactory(region=region_tree.townships[1])
    in_b = StationFactory(region=region_tree.townships[2])

    with django_assert_num_queries(1):
        stations = list(stations_in_region(region=county_a))
        # region and parent come with the stations: no query per row
        [(s.region.name, s.parent and s.parent.name) for s in stations]
    assert set(stations) == {in_a, point_in_a, in_a_too}
    assert set(stations_in_region(region=county_b)) == {in_b}
    assert set(stations_in_region(region=region_tree.villages[1])) == {point_in_a}
    assert set(stations_in_region(region=region_tree.city)) == {in_a, point_in_a, in_a_too, in_b}


def test_station_points(station, point, region_tree):
    other_point = PointFactory(parent=station, region=region_tree.villages[1])
    PointFactory()  # under some other station
    assert set(station_points(station=station)) == {point, other_point}
    assert list(station_points(station=point)) == []


def _bulk_region_tree(*, counties: int, townships: int, villages: int) -> Region:
    """A city tree built with bulk_create, paths computed the way treebeard does."""
    codes = (f"8{n:011d}" for n in itertools.count(1))
    nodes: list[Region] = []

    def node(path: str, depth: int, level: int, numchild: int) -> Region:
        region = Region(
            path=path, depth=depth, numchild=numchild, code=next(codes), name=f"区域{path}", level=level
        )
        nodes.append(region)
        return region

    city = node(Region._get_path("", 1, 1), 1, RegionLevel.CITY, counties)
    for c in range(1, counties + 1):
        county_path = Region._get_path(city.path, 2, c)
        node(county_path, 2, RegionLevel.COUNTY, townships)
        for t in range(1, townships + 1):
            township_path = Region._get_path(county_path, 3, t)
            node(township_path, 3, RegionLevel.TOWNSHIP, villages)
            for v in range(1, villages + 1):
                node(Region._get_path(township_path, 4, v), 4, RegionLevel.VILLAGE, 0)
    Region.objects.bulk_create(nodes, batch_size=1000)
    return city


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_subtree_query_uses_the_path_index():
    city = _bulk_region_tree(counties=13, townships=12, villages=20)
    assert Region.objects.count() == 1 + 13 + 13 * 12 + 13 * 12 * 20  # 3,290
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stations_region")
    assert Region.objects.get_children(city).count() == 13
    county = Region.objects.get_children(city)[5]
    assert Region.objects.get_parent(Region.objects.get_children(county).last()) == county

    subtree = region_subtree(region=county)
    assert subtree.count() == 1 + 12 + 12 * 20
    plan = subtree.explain()
    assert "Index" in plan and "stations_region_path" in plan, plan
    assert "Seq Scan" not in plan, plan

    stations_plan = stations_in_region(region=county).explain()
    assert "stations_region_path" in stations_plan, stations_plan
