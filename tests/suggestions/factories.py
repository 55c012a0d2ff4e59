"""Builders for the ticket workflow tests: a small world with the people who act on a
ticket, and ``ticket_in(status)`` which brings a ticket to a status through the real
services (so every test starts from a state the workflow can actually reach)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role, User
from stations.models import Region, Station
from suggestions import services
from suggestions.models import Category, Delivery, HandlingUnit, Ticket
from tests.factories import (
    CategoryFactory,
    DeputyFactory,
    HandlingUnitFactory,
    StationFactory,
    UserFactory,
    make_region_tree,
)

S = Ticket.Status


@dataclass
class World:
    tree: object
    station: Station
    other_station: Station  # in the other county
    category: Category
    unit: HandlingUnit
    other_unit: HandlingUnit
    officer: User
    head: User
    unit_staff: User
    other_unit_staff: User
    county: User
    deputy: User
    admin: User

    def ticket(self, **kw) -> Ticket:
        defaults = {
            "station": self.station,
            "category": self.category,
            "content": "村东头道路坑洼严重，雨天积水，希望尽快修缮",
            "citizen_name": "张三丰",
            "citizen_phone": "13912345678",
            "actor": self.officer,
        }
        return services.ticket_register(**{**defaults, **kw})


def make_world() -> World:
    tree = make_region_tree()
    county: Region = tree.counties[0]
    station = StationFactory(name="甲县1镇联络站", region=tree.townships[0])
    other_station = StationFactory(name="乙县1镇联络站", region=tree.townships[2])
    unit = HandlingUnitFactory(name="甲县交通运输局", region=county)
    other_unit = HandlingUnitFactory(name="甲县水利局", region=county)

    def user(name: str, role: str, **scope) -> User:
        u = UserFactory(username=name)
        u.roles.create(role=role, **scope)
        return u

    return World(
        tree=tree,
        station=station,
        other_station=other_station,
        category=CategoryFactory(code="roads", name="道路交通"),
        unit=unit,
        other_unit=other_unit,
        officer=user("officer", Role.LIAISON_OFFICER, station=station),
        head=user("head", Role.STATION_HEAD, region=tree.townships[0]),
        unit_staff=user("unitstaff", Role.HANDLING_UNIT, handling_unit=unit),
        other_unit_staff=user("otherunit", Role.HANDLING_UNIT, handling_unit=other_unit),
        county=user("county", Role.COUNTY_STAFF, region=county),
        deputy=user("deputy", Role.DEPUTY, deputy=DeputyFactory(home_station=station)),
        admin=user("sysadmin", Role.ADMIN),
    )


def ticket_in(w: World, status: str, *, tier: str = Ticket.Tier.COUNTY_DEPARTMENT, **kw) -> Ticket:
    """A ticket brought to ``status`` through the services."""
    t = w.ticket(**kw)
    if status == S.REGISTERED:
        return t
    if status == S.WITHDRAWN:
        return services.ticket_withdraw(ticket=t, actor=w.officer, comment="群众撤回")
    if status == S.MERGED:
        target = ticket_in(w, S.REPLIED, content="村东道路坑洼积水，请求修路")
        return services.ticket_merge(ticket=t, into=target, actor=w.officer)
    t = services.ticket_accept(ticket=t, actor=w.officer, tier=tier)
    if status == S.ACCEPTED:
        return t
    if tier == Ticket.Tier.ON_THE_SPOT:
        t = services.ticket_reply(ticket=t, actor=w.officer, text="代表当场解释了政策")
    else:
        t = services.ticket_assign(ticket=t, actor=w.officer, handling_unit=w.unit)
        if status == S.ASSIGNED:
            return t
        t = services.ticket_reply(ticket=t, actor=w.unit_staff, text="已安排施工队，本月内修复")
    if status == S.REPLIED:
        return t
    t = services.ticket_deliver_reply(ticket=t, actor=w.officer, channel=Delivery.Channel.PHONE)
    if status == S.DELIVERED:
        return t
    t = services.ticket_record_satisfaction(
        ticket=t, actor=w.officer, satisfaction=Ticket.Satisfaction.SATISFIED
    )
    t = services.ticket_close(ticket=t, actor=w.officer)
    assert t.status == status == S.CLOSED
    return t
