"""The counting rules behind the work figures (suggestions.selectors.work_figures)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from deputies.models import Deputy, LeadingCadre
from stations.models import Region, RegionLevel, Station
from suggestions.models import Category, Ticket
from suggestions.selectors import WorkFigures, period_bounds, work_figures
from visits.models import Attendance, ReceptionSession

TZ = ZoneInfo("Asia/Shanghai")
H1 = {"start": dt.date(2023, 1, 1), "end": dt.date(2023, 6, 30)}
YEAR = {"start": dt.date(2023, 1, 1), "end": dt.date(2023, 12, 31)}


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2023) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def world(db):
    """A city with two counties, a station (with a point) in each, two deputies and a cadre."""
    city = Region.objects.add_root({"code": "990100000000", "name": "测试市", "level": RegionLevel.CITY})
    county_a = Region.objects.add_child(
        city, {"code": "990101000000", "name": "甲县", "level": RegionLevel.COUNTY}
    )
    county_b = Region.objects.add_child(
        city, {"code": "990102000000", "name": "乙县", "level": RegionLevel.COUNTY}
    )
    town_a = Region.objects.add_child(
        county_a, {"code": "990101100000", "name": "甲镇", "level": RegionLevel.TOWNSHIP}
    )
    town_b = Region.objects.add_child(
        county_b, {"code": "990102100000", "name": "乙镇", "level": RegionLevel.TOWNSHIP}
    )
    village_a = Region.objects.add_child(
        town_a, {"code": "990101100201", "name": "甲村", "level": RegionLevel.VILLAGE}
    )
    station_a = Station.objects.create(name="甲镇联络站", region=town_a)
    point_a = Station.objects.create(
        name="甲村联络点", kind=Station.Kind.POINT, parent=station_a, region=village_a
    )
    station_b = Station.objects.create(name="乙镇联络站", region=town_b)
    d1 = Deputy.objects.create(name="王一", gender="M", home_station=station_a)
    d2 = Deputy.objects.create(name="李二", gender="F", home_station=station_a)
    d3 = Deputy.objects.create(name="张三", gender="M", home_station=station_b)
    cadre = LeadingCadre.objects.create(name="赵副县长", title="副县长", level="county", region=county_a)
    category, _ = Category.objects.get_or_create(code="roads", defaults={"name": "道路交通"})
    return {
        "city": Region.objects.get(pk=city.pk),
        "county_a": Region.objects.get(pk=county_a.pk),
        "station_a": station_a,
        "point_a": point_a,
        "station_b": station_b,
        "d1": d1,
        "d2": d2,
        "d3": d3,
        "cadre": cadre,
        "category": category,
    }


def session(
    station,
    starts_at,
    *,
    kind="station_reception",
    citizens=0,
    status="done",
    deputies=(),
    cadres=(),
    absent=(),
) -> ReceptionSession:
    s = ReceptionSession.objects.create(
        station=station, kind=kind, starts_at=starts_at, citizens_received=citizens, status=status
    )
    for d in deputies:
        Attendance.objects.create(session=s, role="deputy", deputy=d)
    for d in absent:
        Attendance.objects.create(session=s, role="deputy", deputy=d, present=False)
    for c in cadres:
        Attendance.objects.create(session=s, role="leading_cadre", cadre=c)
    return s


def ticket(w, s, *, deputy=None, cadre=None, received_at=None, closed_at=None, status=None) -> Ticket:
    if status is None:
        status = "closed" if closed_at else "assigned"
    return Ticket.objects.create(
        station=s.station,
        reception=s,
        citizen_name="群众",
        category=w["category"],
        content="村道坑洼",
        received_by_deputy=deputy,
        received_by_cadre=cadre,
        received_at=received_at or s.starts_at,
        closed_at=closed_at,
        status=status,
    )


def test_period_bounds_are_local_days():
    lower, upper = period_bounds(dt.date(2023, 1, 1), dt.date(2023, 6, 30))
    assert lower == at(1, 1, 0)
    assert upper == at(7, 1, 0)
    assert lower.utcoffset() == dt.timedelta(hours=8)


def test_nothing_recorded_gives_zero_and_zero_rate(world):
    figures = work_figures(group="deputies", **H1)
    assert figures == WorkFigures(0, 0, 0, 0)
    assert figures.closure_rate == 0


def test_joint_session_counts_in_both_rows(world):
    w = world
    session(w["station_a"], at(3, 1), citizens=10, deputies=[w["d1"], w["d2"]], cadres=[w["cadre"]])
    deputies = work_figures(group="deputies", **H1)
    cadres = work_figures(group="cadres", **YEAR)
    assert (deputies.entries, deputies.citizens_received) == (2, 10)
    assert (cadres.entries, cadres.citizens_received) == (1, 10)


def test_door_to_door_and_online_count_citizens_not_entries(world):
    w = world
    session(
        w["station_a"], at(3, 2), kind="door_to_door", citizens=4, deputies=[w["d1"]], cadres=[w["cadre"]]
    )
    session(w["station_a"], at(3, 3), kind="online", citizens=6, deputies=[w["d2"]])
    session(w["station_a"], at(3, 4), kind="themed", citizens=1, deputies=[w["d2"]])
    deputies = work_figures(group="deputies", **H1)
    assert (deputies.entries, deputies.citizens_received) == (1, 11)
    cadres = work_figures(group="cadres", **YEAR)
    assert (cadres.entries, cadres.citizens_received) == (0, 4)


def test_absent_attendees_drafts_and_other_groups_do_not_count(world):
    w = world
    session(w["station_a"], at(3, 5), citizens=3, absent=[w["d1"]])  # nobody present
    session(w["station_a"], at(3, 6), citizens=7, status="draft", deputies=[w["d1"]])
    session(w["station_a"], at(3, 7), citizens=5, cadres=[w["cadre"]])  # cadres only
    deputies = work_figures(group="deputies", **H1)
    assert (deputies.entries, deputies.citizens_received) == (0, 0)
    assert work_figures(group="cadres", **YEAR).citizens_received == 5


def test_period_edges_are_local_midnight(world):
    w = world
    session(w["station_a"], at(6, 30, 23, 30), citizens=2, deputies=[w["d1"]])
    session(w["station_a"], at(7, 1, 0, 0), citizens=9, deputies=[w["d1"]])
    session(w["station_a"], at(12, 31, 23, 59, year=2022), citizens=9, deputies=[w["d1"]])
    figures = work_figures(group="deputies", **H1)
    assert (figures.entries, figures.citizens_received) == (1, 2)


def test_issues_collected_and_closed_by_period_end(world):
    w = world
    s = session(w["station_a"], at(6, 20), citizens=10, deputies=[w["d1"]], cadres=[w["cadre"]])
    ticket(w, s, deputy=w["d1"], closed_at=at(6, 20, 10))  # on the spot
    ticket(w, s, deputy=w["d1"], closed_at=at(6, 30, 17))  # referred, closed in time
    ticket(w, s, deputy=w["d1"], closed_at=at(7, 10))  # closed after the period: not closed for H1
    ticket(w, s, deputy=w["d1"])  # still open
    ticket(w, s, deputy=w["d1"], status="merged")  # merged: not counted at all
    ticket(w, s, cadre=w["cadre"], closed_at=at(7, 10))  # a cadre's: the cadres' row only
    deputies = work_figures(group="deputies", **H1)
    assert (deputies.issues_collected, deputies.issues_closed) == (4, 2)
    assert deputies.closure_rate == pytest.approx(0.5)
    cadres = work_figures(group="cadres", **YEAR)
    assert (cadres.issues_collected, cadres.issues_closed) == (1, 1)
    # Over the whole year the July closure counts.
    assert work_figures(group="deputies", **YEAR).issues_closed == 3


def test_region_and_station_scope(world):
    w = world
    session(w["station_a"], at(3, 1), citizens=1, deputies=[w["d1"]])
    session(w["point_a"], at(3, 2), citizens=2, deputies=[w["d2"]])
    session(w["station_b"], at(3, 3), citizens=4, deputies=[w["d3"]])
    assert work_figures(group="deputies", region=w["city"], **H1).citizens_received == 7
    assert work_figures(group="deputies", region=w["county_a"], **H1).citizens_received == 3
    assert work_figures(group="deputies", station=w["station_a"], **H1).citizens_received == 3
    assert work_figures(group="deputies", station=w["point_a"], **H1).entries == 1


def test_work_figures_query_count_is_constant(world, django_assert_num_queries):
    w = world
    for day in range(1, 6):
        s = session(w["station_a"], at(4, day), citizens=3, deputies=[w["d1"], w["d2"]], cadres=[w["cadre"]])
        ticket(w, s, deputy=w["d1"], closed_at=at(4, day, 10))
        ticket(w, s, cadre=w["cadre"])
    with django_assert_num_queries(3):
        figures = work_figures(group="deputies", region=w["city"], **H1)
    assert figures == WorkFigures(entries=10, citizens_received=15, issues_collected=5, issues_closed=5)
    with django_assert_num_queries(3):
        work_figures(group="cadres", station=w["station_a"], **YEAR)
