"""A small world for the dashboards: a city with 2 counties and 4 townships, a station
and a point in each township, deputies, leading cadres, reception sessions and tickets
in the first half of 2024, and the report rollups refreshed over it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest

from accounts.models import Role
from reports.services import rollups_refresh
from stations.models import Region, Station
from suggestions.models import Ticket
from tests.factories import (
    TZ,
    AttendanceFactory,
    CategoryFactory,
    DeputyFactory,
    HandlingUnitFactory,
    LeadingCadreFactory,
    PointFactory,
    ReceptionSessionFactory,
    RoleAssignmentFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)

H1 = {"period": "half", "on": "2024-01-01"}
TODAY = dt.date(2024, 6, 20)


def at(month: int, day: int = 10, hour: int = 9) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=TZ)


@dataclass
class World:
    tree: object
    stations: list[Station] = field(default_factory=list)
    points: list[Station] = field(default_factory=list)
    deputies: list = field(default_factory=list)
    users: dict = field(default_factory=dict)
    category: object = None
    unit: object = None
    rounds: int = 0

    def grow(self, rounds: int = 1) -> None:
        """More of everything in every township (stations, deputies, sessions, tickets)."""
        for _ in range(rounds):
            self.rounds += 1
            for township in self.tree.townships:
                add_township_data(self, township, tag=f"{self.rounds}")
        rollups_refresh(full=True)


def add_township_data(world: World, township: Region, *, tag: str) -> None:
    villages = world.tree.villages_of(township)
    station = StationFactory(name=f"{township.name}联络站{tag}", region=township)
    point = PointFactory(name=f"{villages[0].name}联络点{tag}", parent=station, region=villages[0])
    world.stations.append(station)
    world.points.append(point)
    active = [DeputyFactory(name=f"{township.name}代表{tag}{i}", home_station=station) for i in range(3)]
    idle = [DeputyFactory(name=f"{township.name}未进站{tag}{i}", home_station=point) for i in range(2)]
    world.deputies += active + idle
    cadre = LeadingCadreFactory(region=Region.objects.get_parent(township))
    for month, where in ((1, station), (3, point), (5, station)):
        session = ReceptionSessionFactory(station=where, starts_at=at(month), citizens_received=4)
        for deputy in active[: 1 + month % 3]:
            AttendanceFactory(session=session, deputy=deputy)
        if month == 3:
            AttendanceFactory(session=session, role="leading_cadre", deputy=None, cadre=cadre)
        # opinions: closed, closed late, still open, overdue
        TicketFactory(
            station=where,
            reception=session,
            category=world.category,
            received_by_deputy=active[0],
            received_at=at(month),
            status=Ticket.Status.CLOSED,
            tier=Ticket.Tier.TOWNSHIP,
            closed_at=at(month, 20),
            satisfaction=Ticket.Satisfaction.SATISFIED,
        )
        TicketFactory(
            station=where,
            reception=session,
            category=world.category,
            received_by_deputy=active[1],
            received_at=at(month, 11),
            status=Ticket.Status.ASSIGNED,
            tier=Ticket.Tier.COUNTY_DEPARTMENT,
            handling_unit=world.unit,
            due_on=dt.date(2024, 6, 3) if month == 5 else dt.date(2024, 12, 31),
        )
    TicketFactory(
        station=station,
        category=world.category,
        received_by_cadre=cadre,
        received_at=at(3, 15),
        status=Ticket.Status.CLOSED,
        closed_at=at(7, 1),  # closed after the half-year: not closed for H1
    )


@pytest.fixture
def today(monkeypatch):
    """The dashboards' "today" (deadlines, overdue) fixed at 2024-06-20."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


@pytest.fixture
def world(db, today) -> World:
    tree = make_region_tree()
    w = World(tree=tree, category=CategoryFactory(name="道路交通"))
    w.unit = HandlingUnitFactory(name="甲县交通运输局", region=tree.counties[0])
    for township in tree.townships:
        add_township_data(w, township, tag="")
    rollups_refresh(full=True)

    def user(name: str, role: str, **scope):
        u = UserFactory(username=name)
        RoleAssignmentFactory(user=u, role=role, **scope)
        w.users[name] = u

    user("city", Role.CITY_STAFF, region=tree.city)
    user("county", Role.COUNTY_STAFF, region=tree.counties[0])
    user("chair", Role.STATION_HEAD, region=tree.townships[0])
    user("officer", Role.LIAISON_OFFICER, station=w.stations[0])
    user("deputy", Role.DEPUTY, deputy=w.deputies[0])
    user("unit", Role.HANDLING_UNIT, handling_unit=w.unit)
    return w


FIGURE = re.compile(r'data-figure="(\w+)">([^<]*)<')


def page_figures(html: str) -> dict[str, str]:
    """The cards' numbers as shown: {"collected": "1,234", "closure_rate": "82.6%", …}."""
    return dict(FIGURE.findall(html))


def shown(value) -> str:
    """A count or a rate as the page prints it."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return f"{value:,}"
