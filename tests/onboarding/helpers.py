"""A small world with real division codes, and rosters as xlsx files."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from openpyxl import load_workbook

from accounts.models import Role
from onboarding.kinds import KINDS
from onboarding.workbook import template_bytes
from stations.models import Region, RegionLevel
from tests.factories import UserFactory, make_region

CITY = "141100000000"  # 吕梁市
COUNTY = "141102000000"  # 离石区
OTHER = "141181000000"  # 孝义市
TOWN = "141102001000"  # 离石区城北街道
OTHER_TOWN = "141181001000"


@dataclass
class World:
    city: Region
    county: Region
    other: Region
    town: Region
    other_town: Region
    staff: object  # county staff of 离石区
    other_staff: object  # county staff of 孝义市


def build_world() -> World:
    city = make_region(level=RegionLevel.CITY, name="吕梁市", code=CITY)
    county = make_region(parent=city, name="离石区", code=COUNTY)
    other = make_region(parent=city, name="孝义市", code=OTHER)
    town = make_region(parent=county, name="城北街道", code=TOWN)
    other_town = make_region(parent=other, name="新义街道", code=OTHER_TOWN)
    staff = UserFactory(username="lishi_staff")
    staff.roles.create(role=Role.COUNTY_STAFF, region=county)
    other_staff = UserFactory(username="xiaoyi_staff")
    other_staff.roles.create(role=Role.COUNTY_STAFF, region=other)
    return World(city, county, other, town, other_town, staff, other_staff)


def roster(kind: str, rows: list[dict]) -> bytes:
    """The kind's own template with ``rows`` (field → cell value) filled in."""
    return template_bytes(KINDS[kind], rows)


def fill_template(content: bytes, rows: list[dict], kind: str) -> bytes:
    """Fill a downloaded template the way a user does: open it, type rows under the header."""
    book = load_workbook(BytesIO(content))
    sheet = book["数据"]
    columns = KINDS[kind].columns
    for r, row in enumerate(rows, start=3):
        for c, column in enumerate(columns, start=1):
            sheet.cell(row=r, column=c, value=row.get(column.field))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def valid_id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def station_rows() -> list[dict]:
    return [
        {
            "code": "LS-CB-01",
            "name": "城北街道人大代表联络站",
            "kind": "联络站",
            "region_code": TOWN,
            "address": "龙凤南路1号",
            "latitude": "37.5177",
            "longitude": "111.1443",
            "established_on": "2021-06-01",
        },
        {
            "code": "LS-CB-01-1",
            "name": "龙凤社区联络点",
            "kind": "联络点",
            "parent_code": "LS-CB-01",
            "region_code": TOWN,
        },
    ]


def deputy_rows(term: int = 18, started: str = "2021-10-01") -> list[dict]:
    return [
        {
            "code": "LS-0001",
            "id_number": valid_id("14110219800101001"),
            "name": "张晓梅",
            "phone": "13912345678",
            "home_station": "LS-CB-01",
            "group": "城北第一代表小组",
            "level": "县级",
            "term": str(term),
            "congress_region": COUNTY,
            "constituency": "城北第三选区",
            "started_on": started,
        },
        {
            "code": "LS-0001",
            "id_number": valid_id("14110219800101001"),
            "name": "张晓梅",
            "phone": "13912345678",
            "home_station": "LS-CB-01",
            "group": "城北第一代表小组",
            "level": "市级",
            "term": "5",
            "congress_region": CITY,
            "started_on": "2021-12-01",
        },
        {
            "code": "LS-0002",
            "name": "李建国",
            "gender": "男",
            "birth_year": "1970",
            "home_station": "LS-CB-01-1",
            "level": "县级",
            "term": str(term),
            "congress_region": COUNTY,
            "started_on": started,
        },
    ]
