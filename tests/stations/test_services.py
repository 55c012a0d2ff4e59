"""Station and point rules: a point hangs under a station that is not a point."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from stations.models import Station
from stations.services import station_close, station_create, station_update
from tests.factories import PointFactory

pytestmark = pytest.mark.django_db


def test_station_create(region_tree):
    station = station_create(
        name="甲县1镇人大代表联络站",
        kind=Station.Kind.STATION,
        region=region_tree.townships[0],
        has_venue=True,
        has_staff=True,
    )
    station.refresh_from_db()
    assert station.status == Station.Status.ACTIVE
    assert station.six_haves_count == 2
    assert station.version == 1


def test_point_under_a_station(station, region_tree):
    point = station_create(
        name="1村联络点", kind=Station.Kind.POINT, region=region_tree.villages[0], parent=station
    )
    assert point.parent == station


def test_point_without_parent_refused(region_tree):
    with pytest.raises(ValidationError) as exc:
        station_create(name="孤立联络点", kind=Station.Kind.POINT, region=region_tree.villages[0])
    assert exc.value.message_dict["parent"] == ["联络点必须隶属于一个联络站。"]
    assert not Station.objects.exists()


def test_point_under_a_point_refused(point, region_tree):
    with pytest.raises(ValidationError) as exc:
        station_create(name="点下之点", kind=Station.Kind.POINT, region=region_tree.villages[0], parent=point)
    assert exc.value.message_dict["parent"] == ["联络点下不能再设站点。"]


def test_station_under_a_point_refused(point, region_tree):
    with pytest.raises(ValidationError):
        station_create(
            name="点下之站", kind=Station.Kind.STATION, region=region_tree.villages[0], parent=point
        )


def test_station_cannot_be_its_own_parent(station):
    with pytest.raises(ValidationError) as exc:
        station_update(station=station, parent=station)
    assert "parent" in exc.value.message_dict


def test_unknown_field_refused(region_tree):
    with pytest.raises(TypeError):
        station_create(name="x", kind=Station.Kind.STATION, region=region_tree.townships[0], version=7)


def test_database_rejects_a_point_without_parent_even_in_bulk(region_tree):
    """bulk_create skips clean(): the check constraint is the last line of defence."""
    orphan = Station(name="孤立联络点", kind=Station.Kind.POINT, region=region_tree.villages[0])
    with pytest.raises(IntegrityError, match="station_point_has_parent"), transaction.atomic():
        Station.objects.bulk_create([orphan])
    assert not Station.objects.exists()


def test_station_update_bumps_version(station):
    station = station_update(station=station, name="新名称", has_rules=True)
    station.refresh_from_db()
    assert (station.name, station.has_rules, station.version) == ("新名称", True, 2)


def test_station_with_points_cannot_become_a_point(station, point, region_tree):
    other = station_create(name="另一站", kind=Station.Kind.STATION, region=region_tree.townships[1])
    with pytest.raises(ValidationError):
        station_update(station=station, kind=Station.Kind.POINT, parent=other)


def test_station_close(station):
    station = station_close(station=station)
    station.refresh_from_db()
    assert station.is_closed
    assert station_close(station=station).is_closed  # closing twice is harmless


def test_station_with_running_points_cannot_be_closed(station, point):
    with pytest.raises(ValidationError):
        station_close(station=station)
    station_close(station=point)
    station_close(station=station)
    station.refresh_from_db()
    assert station.is_closed


def test_points_of_another_station_are_not_counted(station):
    PointFactory()  # a running point of some other station
    station_close(station=station)
