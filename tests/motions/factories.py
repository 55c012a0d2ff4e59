"""A small world for deputy suggestions and supervision items: a county with its congress
session, two deputies (a lead and a joint one), a lead and a co-unit with their staff, the
county office, and a second county whose records nobody here may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.models import Role, User
from deputies.models import Deputy
from motions.models import CongressSession
from stations.models import Region
from suggestions.models import HandlingUnit
from tests.factories import DeputyFactory, HandlingUnitFactory, StationFactory, UserFactory, make_region_tree


@dataclass
class World:
    county: Region
    other_county: Region
    session: CongressSession
    other_session: CongressSession
    lead: Deputy
    joint: Deputy
    unit: HandlingUnit
    co_unit: HandlingUnit
    other_unit: HandlingUnit
    office: User  # county staff (the deputy-affairs office)
    lead_user: User
    joint_user: User
    unit_staff: User
    co_staff: User
    other_staff: User
    admin: User


def user(role: str, **scope) -> User:
    u = UserFactory()
    u.roles.create(role=role, **scope)
    return u


def make_world() -> World:
    tree = make_region_tree()
    county, other_county = tree.counties
    station = StationFactory(region=tree.townships[0])
    lead = DeputyFactory(name="领衔代表", home_station=station)
    joint = DeputyFactory(name="联名代表", home_station=station)
    unit = HandlingUnitFactory(name="县交通运输局", region=county)
    co_unit = HandlingUnitFactory(name="县财政局", region=county)
    other_unit = HandlingUnitFactory(name="县水利局", region=county)
    session = CongressSession.objects.create(
        region=county,
        name="甲县第十八届人民代表大会第三次会议",
        opens_on=dt.date(2026, 1, 10),
        closes_on=dt.date(2026, 1, 13),
    )
    other_session = CongressSession.objects.create(
        region=other_county,
        name="乙县第十八届人民代表大会第三次会议",
        opens_on=dt.date(2026, 1, 12),
        closes_on=dt.date(2026, 1, 15),
    )
    return World(
        county=county,
        other_county=other_county,
        session=session,
        other_session=other_session,
        lead=lead,
        joint=joint,
        unit=unit,
        co_unit=co_unit,
        other_unit=other_unit,
        office=user(Role.COUNTY_STAFF, region=county),
        lead_user=user(Role.DEPUTY, deputy=lead),
        joint_user=user(Role.DEPUTY, deputy=joint),
        unit_staff=user(Role.HANDLING_UNIT, handling_unit=unit),
        co_staff=user(Role.HANDLING_UNIT, handling_unit=co_unit),
        other_staff=user(Role.HANDLING_UNIT, handling_unit=other_unit),
        admin=user(Role.ADMIN),
    )
