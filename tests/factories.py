"""Test data builders, shared by every test module.

Regions are a materialized-path tree (django-treebeard), so they are created through
``Region.objects.add_root`` / ``add_child`` (never ``Region.objects.create``, which would
leave ``path``/``depth`` empty). ``make_region_tree()`` builds the small tree most tests
need; ``RegionFactory`` builds one node (a root, or a child with ``parent=``).

Passwords: every ``UserFactory`` user signs in with ``PASSWORD``; the Argon2 hash is
computed once per test run and reused, so creating users stays cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from accounts.models import ROLE_SCOPE_FIELD, Role, RoleAssignment, User
from deputies.models import Deputy, DeputyGroup, LeadingCadre, Level, Mandate
from stations.models import Region, RegionLevel, Station, StationFunding, StationStaff
from suggestions.models import Category, HandlingUnit, Ticket
from visits.models import Attendance, ReceptionSession

PASSWORD = "Liaison-Test-Passw0rd!"
TZ = ZoneInfo("Asia/Shanghai")
# A fixed moment so tests that count "this month" or "this half-year" are not flaky.
DEFAULT_MOMENT = dt.datetime(2024, 5, 10, 9, 30, tzinfo=TZ)

_region_codes = itertools.count(1)
_LEVEL_NAMES = {
    RegionLevel.CITY: "市",
    RegionLevel.COUNTY: "县",
    RegionLevel.TOWNSHIP: "镇",
    RegionLevel.VILLAGE: "村",
}


def next_region_code() -> str:
    """A fresh 12-digit 行政区划代码. Codes only grow, so (with ``node_order_by = ["code"]``)
    each new node sorts after its siblings and treebeard never has to shift paths."""
    return f"9{next(_region_codes):011d}"


@functools.cache
def password_hash() -> str:
    return make_password(PASSWORD)


# --- Regions ----------------------------------------------------------------------------


def make_region(
    *,
    parent: Region | None = None,
    level: int | None = None,
    name: str | None = None,
    code: str | None = None,
) -> Region:
    """One region: a root when ``parent`` is None, else a child of ``parent``.

    The level defaults to one below the parent (a root is a city)."""
    if level is None:
        level = RegionLevel.CITY if parent is None else parent.level + 1
    code = code or next_region_code()
    name = name or f"测试{_LEVEL_NAMES[RegionLevel(level)]}{code[-4:]}"
    kwargs = {"code": code, "name": name, "level": level}
    if parent is None:
        return Region.objects.add_root(create_kwargs=kwargs)
    return Region.objects.add_child(parent, create_kwargs=kwargs)


class RegionFactory(DjangoModelFactory):
    """``RegionFactory()`` is a root city; ``RegionFactory(parent=county)`` a township under it;
    ``RegionFactory(level=RegionLevel.TOWNSHIP)`` a stand-alone township (a root)."""

    class Meta:
        model = Region

    parent = None
    level = factory.LazyAttribute(lambda o: RegionLevel.CITY if o.parent is None else o.parent.level + 1)
    code = factory.LazyFunction(next_region_code)
    name = factory.LazyAttribute(lambda o: f"测试{_LEVEL_NAMES[RegionLevel(o.level)]}{o.code[-4:]}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        return make_region(parent=parent, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, parent=None, **kwargs):
        return model_class(*args, **kwargs)


@dataclass
class RegionTree:
    """A city with 2 counties, each with 2 townships, each with 2 villages (15 regions).

    ``townships[0:2]`` are under ``counties[0]``, ``townships[2:4]`` under ``counties[1]``;
    ``villages[2*i:2*i+2]`` are under ``townships[i]``."""

    city: Region
    counties: list[Region] = field(default_factory=list)
    townships: list[Region] = field(default_factory=list)
    villages: list[Region] = field(default_factory=list)

    def townships_of(self, county: Region) -> list[Region]:
        i = self.counties.index(county)
        return self.townships[2 * i : 2 * i + 2]

    def villages_of(self, township: Region) -> list[Region]:
        i = self.townships.index(township)
        return self.villages[2 * i : 2 * i + 2]

    @property
    def all(self) -> list[Region]:
        return [self.city, *self.counties, *self.townships, *self.villages]


def make_region_tree(*, city_name: str = "吕梁市") -> RegionTree:
    tree = RegionTree(city=make_region(level=RegionLevel.CITY, name=city_name))
    for c in range(2):
        county = make_region(parent=tree.city, name=f"{'甲乙'[c]}县")
        tree.counties.append(county)
        for t in range(2):
            township = make_region(parent=county, name=f"{'甲乙'[c]}县{t + 1}镇")
            tree.townships.append(township)
            for v in range(2):
                tree.villages.append(make_region(parent=township, name=f"{township.name}{v + 1}村"))
    return tree


def _township() -> Region:
    return make_region(level=RegionLevel.TOWNSHIP)


def _county() -> Region:
    return make_region(level=RegionLevel.COUNTY)


# --- Stations ---------------------------------------------------------------------------


class StationFactory(DjangoModelFactory):
    """A township-level liaison station (乡级建站). Pass ``region=`` a township of a tree
    to place it; by default it gets a stand-alone township region of its own."""

    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"测试联络站{n}")
    kind = Station.Kind.STATION
    parent = None
    region = factory.LazyFunction(_township)
    address = factory.LazyAttribute(lambda o: f"{o.name}便民服务中心")
    established_on = dt.date(2021, 6, 1)
    status = Station.Status.ACTIVE


class PointFactory(StationFactory):
    """A liaison point (联络点) under a station, in the station's region unless told."""

    name = factory.Sequence(lambda n: f"测试联络点{n}")
    kind = Station.Kind.POINT
    parent = factory.SubFactory(StationFactory)
    region = factory.LazyAttribute(lambda o: o.parent.region)


class StationStaffFactory(DjangoModelFactory):
    class Meta:
        model = StationStaff

    station = factory.SubFactory(StationFactory)
    role = StationStaff.Role.LIAISON_OFFICER
    name = factory.Sequence(lambda n: f"联络员{n}")
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    employment = StationStaff.Employment.PART_TIME


class StationFundingFactory(DjangoModelFactory):
    class Meta:
        model = StationFunding

    station = factory.SubFactory(StationFactory)
    year = factory.Sequence(lambda n: 2021 + n % 50)
    source = StationFunding.Source.COUNTY
    amount = Decimal("30000.00")


# --- Deputies ---------------------------------------------------------------------------


class DeputyGroupFactory(DjangoModelFactory):
    class Meta:
        model = DeputyGroup

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"第{n}代表小组")
    leader = None


class DeputyFactory(DjangoModelFactory):
    class Meta:
        model = Deputy

    name = factory.Sequence(lambda n: f"代表{n}")
    gender = Deputy.Gender.MALE
    birth_year = 1975
    occupation = "村党支部书记"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    home_station = factory.SubFactory(StationFactory)
    group = None


class MandateFactory(DjangoModelFactory):
    class Meta:
        model = Mandate

    deputy = factory.SubFactory(DeputyFactory)
    level = Level.COUNTY
    term = 18
    congress_region = None
    constituency = "第一选区"
    started_on = dt.date(2021, 10, 1)
    ended_on = None
    status = Mandate.Status.SERVING


class LeadingCadreFactory(DjangoModelFactory):
    class Meta:
        model = LeadingCadre

    name = factory.Sequence(lambda n: f"干部{n}")
    title = "县委常委"
    level = LeadingCadre.Level.COUNTY
    region = factory.LazyFunction(_county)
    phone = factory.Sequence(lambda n: f"139{n:08d}")


# --- Receptions -------------------------------------------------------------------------


class ReceptionSessionFactory(DjangoModelFactory):
    class Meta:
        model = ReceptionSession

    station = factory.SubFactory(StationFactory)
    kind = ReceptionSession.Kind.STATION_RECEPTION
    theme = "乡村振兴"
    starts_at = DEFAULT_MOMENT
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))
    citizens_received = 5
    status = ReceptionSession.Status.DONE
    created_by = None


class AttendanceFactory(DjangoModelFactory):
    """A deputy at a session (the deputy's home station is the session's station).
    For a cadre pass ``role=Attendance.Role.LEADING_CADRE, deputy=None, cadre=...``."""

    class Meta:
        model = Attendance

    session = factory.SubFactory(ReceptionSessionFactory)
    role = Attendance.Role.DEPUTY
    deputy = factory.SubFactory(DeputyFactory, home_station=factory.SelfAttribute("..session.station"))
    cadre = None
    guest_name = ""
    present = True


# --- Suggestions ------------------------------------------------------------------------


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    sort_order = factory.Sequence(lambda n: n)
    is_active = True


class HandlingUnitFactory(DjangoModelFactory):
    class Meta:
        model = HandlingUnit

    name = factory.Sequence(lambda n: f"承办单位{n}")
    kind = HandlingUnit.Kind.COUNTY_DEPARTMENT
    region = factory.LazyFunction(_county)
    is_active = True


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    station = factory.SubFactory(StationFactory)
    reception = None
    citizen_name = "张三丰"
    citizen_phone = "13912345678"
    citizen_address = "某村三组12号"
    category = factory.SubFactory(CategoryFactory)
    content = factory.Sequence(lambda n: f"村里道路坑洼，希望尽快修缮（{n}）")
    received_at = DEFAULT_MOMENT
    status = Ticket.Status.REGISTERED


# --- Accounts ---------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A staff account that signs in with ``PASSWORD``."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"136{n:08d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.LazyFunction(password_hash)
    is_active = True


def _default_scope(field_name: str):
    return {
        "station": lambda: StationFactory(),
        "region": _county,
        "deputy": lambda: DeputyFactory(),
        "handling_unit": lambda: HandlingUnitFactory(),
    }[field_name]()


class RoleAssignmentFactory(DjangoModelFactory):
    """A role over the scope its role needs (``accounts.models.ROLE_SCOPE_FIELD``). The scope
    object is created when not given: ``RoleAssignmentFactory(role=Role.COUNTY_STAFF)`` gets
    a county region, ``RoleAssignmentFactory(station=s)`` is a liaison officer at ``s``."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.LIAISON_OFFICER
    is_active = True

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        scope_field = ROLE_SCOPE_FIELD[Role(kwargs["role"])]
        if scope_field and kwargs.get(scope_field) is None:
            kwargs[scope_field] = _default_scope(scope_field)
        return kwargs
