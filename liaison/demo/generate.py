"""Build one city tree of demo data in memory (unsaved model instances, ids assigned).

Every figure of the published table comes out exactly by construction: the counts are
split with ``exact_split`` over a session plan whose overlaps are known in advance
(joint deputy+cadre sessions count in both rows; door-to-door and online sessions count
citizens but not station entries; tickets closed after the period's end are collected
but not closed; merged tickets are extra and never counted)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from deputies.models import Deputy, DeputyGroup, LeadingCadre, Level, Mandate
from liaison.demo import names as N
from liaison.demo.alloc import exact_split, step
from stations.models import Region, RegionLevel, Station, StationFunding, StationStaff
from suggestions.calendar import WorkingCalendar, official_days
from suggestions.models import Category, HandlingUnit, Ticket
from visits.models import Attendance, ReceptionSession

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2023
H1_END = dt.datetime(YEAR, 7, 1, tzinfo=TZ)
YEAR_END = dt.datetime(YEAR + 1, 1, 1, tzinfo=TZ)
STATIC_TS = dt.datetime(2022, 12, 30, 9, 0, tzinfo=TZ)

# The official calendar (holidays, 调休) over the years the demo's tickets are closed in.
WORKDAYS = WorkingCalendar(
    start=dt.date(YEAR - 1, 12, 1),
    end=dt.date(YEAR + 1, 12, 31),
    overrides={day: working for y in (YEAR, YEAR + 1) for day, working, _note in official_days(y)},
)

SATISFACTION = (Ticket.Satisfaction.SATISFIED, Ticket.Satisfaction.BASICALLY, Ticket.Satisfaction.UNSATISFIED)
SATISFACTION_WEIGHTS = (86, 11, 3)

# The published figures for one city (Lüliang); each city copy reproduces them.
DEPUTY_FIGURES = {"entries": 7164, "citizens": 14349, "collected": 4344, "closed": 3589}
CADRE_FIGURES = {"entries": 1719, "citizens": 4640, "collected": 1733, "closed": 1399}
TOTAL_DEPUTIES = 11386
TOTAL_POINTS = 580
NEW_STATIONS, NEW_POINTS = 16, 23  # established from 2022 on

# The session plan for one city (counts of sessions).
H1_AT_STATION, H1_DOOR, H1_ONLINE = 2250, 420, 150
H2_AT_STATION, H2_DOOR, H2_ONLINE = 2300, 450, 200
JOINT_H1, JOINT_H2, CADRE_ONLY, CADRE_DOOR = 520, 540, 280, 60
MERGED_DEPUTY, MERGED_CADRE = 44, 17

# Mandate mixes (persons): holding one level, or two.
MANDATE_MIX: list[tuple[tuple[str, ...], int]] = [
    ((Level.NATIONAL,), 9),
    ((Level.NATIONAL, Level.CITY), 3),
    ((Level.PROVINCIAL,), 35),
    ((Level.PROVINCIAL, Level.CITY), 10),
    ((Level.CITY,), 180),
    ((Level.CITY, Level.COUNTY), 127),
    ((Level.COUNTY,), 1900),
    ((Level.COUNTY, Level.TOWNSHIP), 650),
]
TERMS = {
    Level.NATIONAL: (14, dt.date(2023, 3, 5)),
    Level.PROVINCIAL: (14, dt.date(2023, 1, 13)),
    Level.CITY: (5, dt.date(2021, 12, 27)),
    Level.COUNTY: (17, dt.date(2021, 11, 20)),
    Level.TOWNSHIP: (18, dt.date(2021, 11, 10)),
}
CN_NUMS = "一二三四五六七八九十"


@dataclass
class CityData:
    regions: list[Region] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)  # stations first, then points
    staff: list[StationStaff] = field(default_factory=list)
    funding: list[StationFunding] = field(default_factory=list)
    cadres: list[LeadingCadre] = field(default_factory=list)
    units: list[HandlingUnit] = field(default_factory=list)
    groups: list[DeputyGroup] = field(default_factory=list)
    deputies: list[Deputy] = field(default_factory=list)
    mandates: list[Mandate] = field(default_factory=list)
    sessions: list[ReceptionSession] = field(default_factory=list)
    attendances: list[Attendance] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    # Scopes for the demo logins (meaningful in copy 1).
    login_scope: dict = field(default_factory=dict)

    def tables(self) -> list[tuple[type, list]]:
        """Model and rows in insertion order."""
        return [
            (Station, self.stations),
            (StationStaff, self.staff),
            (StationFunding, self.funding),
            (LeadingCadre, self.cadres),
            (HandlingUnit, self.units),
            (DeputyGroup, self.groups),
            (Deputy, self.deputies),
            (Mandate, self.mandates),
            (ReceptionSession, self.sessions),
            (Attendance, self.attendances),
            (Ticket, self.tickets),
        ]


class Gen:
    """Deterministic helpers bound to one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def person(self, female_share: float = 0.3) -> tuple[str, str]:
        r = self.rng
        gender = "F" if r.random() < female_share else "M"
        pool = N.GIVEN_FEMALE if gender == "F" else N.GIVEN_MALE
        given = r.choice(pool) + (r.choice(pool) if r.random() < 0.7 else "")
        return r.choice(N.SURNAMES) + given, gender

    def phone(self) -> str:
        r = self.rng
        return (
            "1"
            + r.choice(["35", "36", "37", "38", "39", "50", "52", "58", "82", "87", "88", "99"])
            + (f"{r.randrange(10**8):08d}")
        )

    def weighted(self, pairs):
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights=weights)[0]


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _days(start: dt.date, end: dt.date, *, workdays: bool) -> list[dt.date]:
    """Days in [start, end], skipping weekends (when asked) and the Spring Festival week."""
    out, d = [], start
    while d <= end:
        festival = dt.date(YEAR, 1, 21) <= d <= dt.date(YEAR, 1, 27) or dt.date(YEAR, 10, 1) <= d <= dt.date(
            YEAR, 10, 6
        )
        if not festival and (not workdays or d.weekday() < 5):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


H1_WORKDAYS = _days(dt.date(YEAR, 1, 3), dt.date(YEAR, 6, 30), workdays=True)
H1_ALLDAYS = _days(dt.date(YEAR, 1, 3), dt.date(YEAR, 6, 30), workdays=False)
H2_WORKDAYS = _days(dt.date(YEAR, 7, 3), dt.date(YEAR, 12, 29), workdays=True)
H2_ALLDAYS = _days(dt.date(YEAR, 7, 1), dt.date(YEAR, 12, 30), workdays=False)
YEAR_WORKDAYS = H1_WORKDAYS + H2_WORKDAYS


def unique_place_names(g: Gen, count: int, *, taken: set[str], suffixes: list[str]) -> list[str]:
    out = []
    while len(out) < count:
        r = g.rng
        stem = (
            r.choice(N.PLACE_WORDS) + r.choice(N.PLACE_ENDS)
            if r.random() < 0.6
            else (r.choice(N.PLACE_STEMS) + r.choice(N.PLACE_STEMS + N.PLACE_ENDS))
        )
        name = stem + r.choice(suffixes)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


# --- regions and stations ---------------------------------------------------------------


@dataclass
class Township:
    region: Region
    county_index: int
    villages: list[Region]
    is_street: bool
    station: Station | None = None
    points: list[Station] = field(default_factory=list)
    gov_unit: HandlingUnit | None = None


def build_regions(
    g: Gen, data: CityData, *, root_step: int, city_code4: str, city_name: str, county_names: list[str] | None
) -> tuple[Region, list[Region], list[Township]]:
    r = g.rng
    city = Region(
        code=f"{city_code4}00000000", name=city_name, level=RegionLevel.CITY, path=step(root_step), depth=1
    )
    data.regions.append(city)
    counties: list[Region] = []
    townships: list[Township] = []
    for ci, ((suffix, real_name, real_towns), n_towns) in enumerate(
        zip(N.COUNTIES, N.TOWNSHIP_COUNTS, strict=True)
    ):
        name = county_names[ci] if county_names else real_name
        county = Region(
            code=f"{city_code4}{suffix}000000",
            name=name,
            level=RegionLevel.COUNTY,
            path=city.path + step(ci + 1),
            depth=2,
        )
        counties.append(county)
        data.regions.append(county)
        town_names = list(real_towns[:n_towns])
        taken = set(town_names)
        while len(town_names) < n_towns:
            town_names += unique_place_names(g, 1, taken=taken, suffixes=["镇", "乡", "镇"])
        # Codes: streets 001.., towns 100.., townships 200.. (as in the national scheme).
        counters = {"街道": 1, "镇": 100, "乡": 200}
        coded = []
        for tn in town_names:
            kind = "街道" if tn.endswith("街道") else ("镇" if tn.endswith("镇") else "乡")
            coded.append((f"{county.code[:6]}{counters[kind]:03d}000", tn, kind == "街道"))
            counters[kind] += 1
        coded.sort()
        county.numchild = len(coded)
        for ti, (tcode, tname, is_street) in enumerate(coded):
            town = Region(
                code=tcode, name=tname, level=RegionLevel.TOWNSHIP, path=county.path + step(ti + 1), depth=3
            )
            data.regions.append(town)
            n_vil = r.randint(8, 14) if is_street else r.randint(10, 20)
            vtaken: set[str] = set()
            n_comm = n_vil if is_street else r.randint(1, 2)
            comm = [n + "社区" for n in r.sample(N.COMMUNITY_WORDS, min(n_comm, len(N.COMMUNITY_WORDS)))]
            vnames = [(f"{tcode[:9]}{i + 1:03d}", c) for i, c in enumerate(comm)]
            vnames += [
                (f"{tcode[:9]}{200 + i + 1:03d}", v)
                for i, v in enumerate(unique_place_names(g, n_vil - len(comm), taken=vtaken, suffixes=["村"]))
            ]
            villages = []
            for vi, (vcode, vname) in enumerate(vnames):
                village = Region(
                    code=vcode, name=vname, level=RegionLevel.VILLAGE, path=town.path + step(vi + 1), depth=4
                )
                villages.append(village)
                data.regions.append(village)
            town.numchild = len(villages)
            townships.append(Township(town, ci, villages, is_street))
    city.numchild = len(counties)
    return city, counties, townships


COUNTY_CENTERS = [
    (37.52, 111.14),
    (37.43, 111.93),
    (37.55, 111.90),
    (38.40, 111.13),
    (37.95, 110.99),
    (37.43, 110.89),
    (37.05, 110.84),
    (38.28, 111.67),
    (37.89, 111.24),
    (37.34, 111.18),
    (37.04, 111.18),
    (37.15, 111.78),
    (37.27, 111.79),
]


def _coord(center: float, spread: float, lo: float, hi: float, r: random.Random):
    from decimal import Decimal

    return Decimal(f"{min(hi, max(lo, center + r.uniform(-spread, spread))):.6f}")


def build_stations(g: Gen, data: CityData, townships: list[Township], *, copy_index: int) -> None:
    r = g.rng
    flags = dict.fromkeys(Station.SIX_HAVES + Station.FIVE_IN_PLACE, True)
    new_st = set(r.sample(range(len(townships)), NEW_STATIONS))
    theme_by_name = N.THEMED_BASES
    base_index = {i: b for i, b in enumerate(theme_by_name.values())}
    real_index = {t.region.name: i for i, t in enumerate(townships)}
    themed = (
        {real_index[n]: b for n, b in theme_by_name.items() if n in real_index} if copy_index == 0 else {}
    )
    if len(themed) < 9:
        picks = [i for i in r.sample(range(len(townships)), 20) if i not in themed]
        for k, i in enumerate(picks[: 9 - len(themed)]):
            themed[i] = base_index[k]
    points_per = exact_split(
        TOTAL_POINTS,
        len(townships),
        lo=1,
        hi=[min(8, len(t.villages)) for t in townships],
        weights=[len(t.villages) * (0.6 if t.is_street else 1.0) for t in townships],
    )
    all_points: list[tuple[Township, Region]] = []
    for i, t in enumerate(townships):
        lat0, lon0 = COUNTY_CENTERS[t.county_index]
        lat, lon = _coord(lat0, 0.12, 37.0, 38.5, r), _coord(lon0, 0.12, 110.5, 112.0, r)
        est = (
            dt.date(2022, r.randint(1, 12), r.randint(1, 28))
            if i in new_st
            else dt.date(r.randint(2018, 2021), r.randint(1, 12), r.randint(1, 28))
        )
        st = Station(
            id=g.uid(),
            name=f"{t.region.name}人大代表联络站",
            kind=Station.Kind.STATION,
            region=t.region,
            address=f"{t.region.name}{r.choice(['人民路', '府前街', '政府院内', '便民服务中心二楼', '中心街'])}{r.randint(1, 88)}号",
            latitude=lat,
            longitude=lon,
            themed_base=themed.get(i, ""),
            established_on=est,
            created_at=STATIC_TS,
            updated_at=STATIC_TS,
            **flags,
        )
        if r.random() < 0.06:  # a few still missing something
            setattr(st, r.choice(Station.SIX_HAVES + Station.FIVE_IN_PLACE), False)
        t.station = st
        data.stations.append(st)
        central = sorted(t.villages, key=lambda v: (not v.name.endswith("社区"), r.random()))[: points_per[i]]
        all_points += [(t, v) for v in central]
    new_pt = set(r.sample(range(len(all_points)), NEW_POINTS))
    for j, (t, v) in enumerate(all_points):
        est = (
            dt.date(2022, r.randint(1, 12), r.randint(1, 28))
            if j in new_pt
            else dt.date(r.randint(2019, 2021), r.randint(1, 12), r.randint(1, 28))
        )
        pt = Station(
            id=g.uid(),
            name=f"{v.name}人大代表联络点",
            kind=Station.Kind.POINT,
            parent=t.station,
            region=v,
            address=f"{t.region.name}{v.name}{r.choice(['村委会', '党群服务中心', '便民服务站', '文化活动室'])}",
            latitude=_coord(float(t.station.latitude), 0.04, 37.0, 38.5, r),
            longitude=_coord(float(t.station.longitude), 0.04, 110.5, 112.0, r),
            established_on=est,
            created_at=STATIC_TS,
            updated_at=STATIC_TS,
            **flags,
        )
        t.points.append(pt)
        data.stations.append(pt)


def build_staff_and_funding(g: Gen, data: CityData, townships: list[Township]) -> None:
    r = g.rng
    common = {"created_at": STATIC_TS, "updated_at": STATIC_TS}
    for t in townships:
        st = t.station
        name, _ = g.person(0.3)
        data.staff.append(
            StationStaff(
                id=g.uid(),
                station=st,
                role=StationStaff.Role.HEAD,
                name=name,
                title="街道人大工委主任" if t.is_street else "乡镇人大主席",
                phone=g.phone(),
                employment=StationStaff.Employment.PART_TIME,
                **common,
            )
        )
        for k in range(r.choice([1, 2, 2])):
            name, _ = g.person(0.55)
            data.staff.append(
                StationStaff(
                    id=g.uid(),
                    station=st,
                    role=StationStaff.Role.LIAISON_OFFICER,
                    name=name,
                    title="人大专干" if k == 0 else "联络员",
                    phone=g.phone(),
                    employment=StationStaff.Employment.FULL_TIME
                    if k == 0
                    else StationStaff.Employment.PART_TIME,
                    **common,
                )
            )
        for pt in t.points:
            name, _ = g.person(0.5)
            data.staff.append(
                StationStaff(
                    id=g.uid(),
                    station=pt,
                    role=StationStaff.Role.LIAISON_OFFICER,
                    name=name,
                    title=r.choice(["村委会委员", "村文书", "社区网格员", "村党支部委员"]),
                    phone=g.phone(),
                    employment=StationStaff.Employment.PART_TIME,
                    **common,
                )
            )
    # County money: 20,000–50,000 yuan per station per year; city money: 4.9 million in all.
    slots = [
        (t.station, y) for t in townships for y in (2021, 2022, 2023) if t.station.established_on.year <= y
    ]
    for st, y in slots:
        data.funding.append(
            StationFunding(
                id=g.uid(),
                station=st,
                year=y,
                source=StationFunding.Source.COUNTY,
                amount=r.randrange(20, 51) * 1000,
                note="县级财政专项经费",
                **common,
            )
        )
    city_k = exact_split(4900, len(slots), rng=r, lo=4, hi=20)  # thousands of yuan
    for (st, y), k in zip(slots, city_k, strict=True):
        data.funding.append(
            StationFunding(
                id=g.uid(),
                station=st,
                year=y,
                source=StationFunding.Source.CITY,
                amount=k * 1000,
                note="市级联络站建设补助",
                **common,
            )
        )


# --- people ---------------------------------------------------------------------------


def build_cadres_and_units(
    g: Gen, data: CityData, city: Region, counties: list[Region], townships: list[Township]
) -> tuple[list[LeadingCadre], dict[int, list[LeadingCadre]], dict[tuple[int, str], HandlingUnit]]:
    common = {"created_at": STATIC_TS, "updated_at": STATIC_TS}
    city_cadres = []
    for title in N.CITY_CADRE_TITLES:
        name, _ = g.person(0.2)
        c = LeadingCadre(
            id=g.uid(),
            name=name,
            title=title,
            level=LeadingCadre.Level.CITY,
            region=city,
            phone=g.phone(),
            **common,
        )
        city_cadres.append(c)
    county_cadres: dict[int, list[LeadingCadre]] = {}
    units: dict[tuple[int, str], HandlingUnit] = {}
    for ci, county in enumerate(counties):
        unit_word = county.name[-1]  # 县 / 区 / 市
        lst = []
        for title in N.COUNTY_CADRE_TITLES:
            name, _ = g.person(0.2)
            t = title.replace("县", unit_word) if title[0] == "县" or title.startswith("副县") else title
            lst.append(
                LeadingCadre(
                    id=g.uid(),
                    name=name,
                    title=t,
                    level=LeadingCadre.Level.COUNTY,
                    region=county,
                    phone=g.phone(),
                    **common,
                )
            )
        county_cadres[ci] = lst
        for dept in N.COUNTY_DEPARTMENTS:
            units[(ci, dept)] = HandlingUnit(
                id=g.uid(),
                name=f"{county.name}{dept}",
                kind=HandlingUnit.Kind.COUNTY_DEPARTMENT,
                region=county,
                **common,
            )
        for util in N.UTILITIES:
            units[(ci, util)] = HandlingUnit(
                id=g.uid(),
                name=f"{county.name}{util}",
                kind=HandlingUnit.Kind.UTILITY,
                region=county,
                **common,
            )
    for t in townships:
        suffix = "办事处" if t.is_street else "人民政府"
        t.gov_unit = HandlingUnit(
            id=g.uid(),
            name=f"{t.region.name}{suffix}",
            kind=HandlingUnit.Kind.TOWNSHIP_GOVERNMENT,
            region=t.region,
            **common,
        )
    data.cadres += city_cadres + [c for lst in county_cadres.values() for c in lst]
    data.units += list(units.values()) + [t.gov_unit for t in townships]
    return city_cadres, county_cadres, units


def build_deputies(
    g: Gen, data: CityData, city: Region, counties: list[Region], townships: list[Township]
) -> dict[uuid.UUID, list[Deputy]]:
    r = g.rng
    venues: list[tuple[Station, Township]] = []
    for t in townships:
        venues.append((t.station, t))
        venues += [(p, t) for p in t.points]
    per_venue = exact_split(
        TOTAL_DEPUTIES,
        len(venues),
        lo=8,
        hi=90,
        weights=[(4.0 if v.kind == Station.Kind.STATION else 1.0) * (0.6 + r.random()) for v, _ in venues],
    )
    homes = [(v, t) for (v, t), n in zip(venues, per_venue, strict=True) for _ in range(n)]
    mixes = [mix for mix, n in MANDATE_MIX for _ in range(n)]
    mixes += [(Level.TOWNSHIP,)] * (TOTAL_DEPUTIES - len(mixes))
    r.shuffle(mixes)
    occupations = N.DEPUTY_OCCUPATIONS
    by_station: dict[uuid.UUID, list[Deputy]] = {}
    common = {"created_at": STATIC_TS, "updated_at": STATIC_TS}
    for (venue, t), mix in zip(homes, mixes, strict=True):
        name, gender = g.person(0.28)
        occ = g.weighted(occupations)
        if Level.NATIONAL in mix or Level.PROVINCIAL in mix:
            occ = r.choice(
                ["民营企业董事长", "县委书记", "医院院长", "村党支部书记", "中学校长", "煤矿技术员"]
            )
        d = Deputy(
            id=g.uid(),
            name=name,
            gender=gender,
            birth_year=r.randint(1958, 1996),
            ethnicity=g.weighted(N.ETHNICITIES),
            occupation=occ,
            phone=g.phone(),
            home_station=venue,
            **common,
        )
        data.deputies.append(d)
        by_station.setdefault(venue.id, []).append(d)
        county = counties[t.county_index]
        for level in mix:
            term, start = TERMS[level]
            region, constituency = {
                Level.NATIONAL: (None, "山西省"),
                Level.PROVINCIAL: (None, f"{city.name}"),
                Level.CITY: (city, f"{county.name}代表团"),
                Level.COUNTY: (county, f"{t.region.name}第{r.randint(1, 6)}选区"),
                Level.TOWNSHIP: (t.region, f"第{r.randint(1, 12)}选区"),
            }[level]
            data.mandates.append(
                Mandate(
                    id=g.uid(),
                    deputy=d,
                    level=level,
                    term=term,
                    congress_region=region,
                    constituency=constituency,
                    started_on=start,
                    **common,
                )
            )
    # Deputy groups: about a dozen members each; the leader is one of them.
    for venue, _t in venues:
        members = by_station[venue.id]
        n_groups = max(1, round(len(members) / 12))
        for k in range(n_groups):
            chunk = members[k::n_groups]
            grp = DeputyGroup(
                id=g.uid(),
                station=venue,
                name=f"第{CN_NUMS[k] if k < 10 else k + 1}代表小组" if n_groups > 1 else "代表小组",
                leader=r.choice(chunk),
                **common,
            )
            data.groups.append(grp)
            for d in chunk:
                d.group = grp
    return by_station


# --- sessions, attendance, tickets ------------------------------------------------------


@dataclass(eq=False)
class Plan:
    venue: Station
    township: Township
    kind: str
    day: dt.date
    theme: str = ""
    theme_kind: str = ""
    half: int = 1  # 1 = H1, 2 = H2
    deputies: list[Deputy] = field(default_factory=list)
    cadres: list[LeadingCadre] = field(default_factory=list)
    dep_tickets: int = 0
    cad_tickets: int = 0
    citizens: int = 0
    draft: bool = False
    training: bool = False
    obj: ReceptionSession | None = None


def _pick_days(r: random.Random, pool: list[dt.date], k: int) -> list[dt.date]:
    return sorted(r.sample(pool, k)) if k <= len(pool) else sorted(r.choices(pool, k=k))


def plan_sessions(g: Gen, townships: list[Township]) -> list[Plan]:
    r = g.rng
    venues = [(t.station, t) for t in townships] + [(p, t) for t in townships for p in t.points]
    is_station = [v.kind == Station.Kind.STATION for v, _ in venues]
    plans: list[Plan] = []

    def at_station(total: int, half: int, workdays: list[dt.date], themes) -> None:
        counts = exact_split(
            total,
            len(venues),
            lo=1,
            hi=60,
            weights=[(5.0 if s else 1.3) * (0.5 + r.random()) for s in is_station],
        )
        for (venue, t), n in zip(venues, counts, strict=True):
            for day in _pick_days(r, workdays, n):
                p = Plan(venue, t, ReceptionSession.Kind.STATION_RECEPTION, day, half=half)
                if r.random() < 0.13:
                    theme, kind, (m1, d1), (m2, d2) = r.choice(themes)
                    p.kind, p.theme, p.theme_kind = ReceptionSession.Kind.THEMED, theme, kind
                    p.day = r.choice(_days(dt.date(YEAR, m1, d1), dt.date(YEAR, m2, d2), workdays=True))
                plans.append(p)

    def elsewhere(total: int, kind: str, half: int, days: list[dt.date], stations_only: bool) -> None:
        cand = [(v, t) for (v, t), s in zip(venues, is_station, strict=True) if s or not stations_only]
        counts = exact_split(total, len(cand), rng=r, lo=0, hi=20)
        for (venue, t), n in zip(cand, counts, strict=True):
            plans.extend(Plan(venue, t, kind, day, half=half) for day in _pick_days(r, days, n))

    at_station(H1_AT_STATION, 1, H1_WORKDAYS, N.THEMES_H1)
    elsewhere(H1_DOOR, ReceptionSession.Kind.DOOR_TO_DOOR, 1, H1_ALLDAYS, False)
    elsewhere(H1_ONLINE, ReceptionSession.Kind.ONLINE, 1, H1_ALLDAYS, True)
    at_station(H2_AT_STATION, 2, H2_WORKDAYS, [t for t in N.THEMES_H2 if t[0] != "代表培训"])
    elsewhere(H2_DOOR, ReceptionSession.Kind.DOOR_TO_DOOR, 2, H2_ALLDAYS, False)
    elsewhere(H2_ONLINE, ReceptionSession.Kind.ONLINE, 2, H2_ALLDAYS, True)
    training_days = _days(dt.date(YEAR, 9, 4), dt.date(YEAR, 9, 28), workdays=True)
    for t in townships:
        plans.append(
            Plan(
                t.station,
                t,
                ReceptionSession.Kind.THEMED,
                r.choice(training_days),
                "代表培训",
                ReceptionSession.ThemeKind.MANDATORY,
                half=2,
                training=True,
            )
        )
    return plans


def _take(r: random.Random, pool: list, k: int, exclude=()) -> list:
    cand = [x for x in pool if x not in exclude] if exclude else pool
    return r.sample(cand, min(k, len(cand)))


def assign_people(
    g: Gen,
    plans: list[Plan],
    by_station: dict[uuid.UUID, list[Deputy]],
    city_cadres: list[LeadingCadre],
    county_cadres: dict[int, list[LeadingCadre]],
    townships: list[Township],
) -> tuple[list[Plan], list[Plan], list[Plan]]:
    """Deputies and cadres at each session; returns (deputy H1 sessions, cadre sessions,
    deputy H2 sessions). Station entries are exact here."""
    r = g.rng
    at = (ReceptionSession.Kind.STATION_RECEPTION, ReceptionSession.Kind.THEMED)
    h1_at = [p for p in plans if p.half == 1 and p.kind in at]
    h2_at = [p for p in plans if p.half == 2 and p.kind in at and not p.training]
    # Joint sessions: leading cadres join deputies at township stations.
    joint1 = r.sample(
        [p for p in h1_at if p.venue.kind == Station.Kind.STATION and p.theme != "联系少先队员"], JOINT_H1
    )
    joint2 = r.sample([p for p in h2_at if p.venue.kind == Station.Kind.STATION], JOINT_H2)
    # Cadre-only sessions at stations (no deputy present): receptions and door-to-door visits.
    cadre_only = []
    for kind, n in (
        (ReceptionSession.Kind.STATION_RECEPTION, CADRE_ONLY),
        (ReceptionSession.Kind.DOOR_TO_DOOR, CADRE_DOOR),
    ):
        for _ in range(n):
            t = r.choice(townships)
            day = r.choice(YEAR_WORKDAYS)
            cadre_only.append(Plan(t.station, t, kind, day, half=1 if day.month <= 6 else 2))
    plans += cadre_only
    cadre_only_ids = {id(p) for p in cadre_only}

    # Deputy entries, H1: exact.
    n_dep = exact_split(
        DEPUTY_FIGURES["entries"],
        len(h1_at),
        lo=2,
        hi=[min(6, len(by_station[p.venue.id])) for p in h1_at],
        weights=[r.expovariate(1.0) + 0.2 for _ in h1_at],
    )
    for p, n in zip(h1_at, n_dep, strict=True):
        p.deputies = _take(r, by_station[p.venue.id], n)
    for p in plans:
        pool = by_station.get(p.venue.id, [])
        if id(p) in cadre_only_ids or p.deputies:
            continue
        if p.training:
            p.deputies = _take(r, pool, r.randint(6, 12))
        elif p.kind in at:
            p.deputies = _take(r, pool, r.choice([2, 2, 3, 3, 3, 3, 4, 4, 5, 6]))
        else:
            p.deputies = _take(r, pool, r.choice([1, 1, 2, 2, 3]))
    # Cadre entries, whole year: exact over the at-station cadre sessions.
    cadre_at = joint1 + joint2 + [p for p in cadre_only if p.kind == ReceptionSession.Kind.STATION_RECEPTION]
    n_cad = exact_split(
        CADRE_FIGURES["entries"], len(cadre_at), lo=1, hi=3, weights=[r.expovariate(1.0) for _ in cadre_at]
    )

    def cadre_pool(p: Plan) -> list[LeadingCadre]:
        local = county_cadres[p.township.county_index]
        return local + city_cadres if r.random() < 0.25 else local

    for p, n in zip(cadre_at, n_cad, strict=True):
        p.cadres = _take(r, cadre_pool(p), n)
    for p in cadre_only:
        if p.kind == ReceptionSession.Kind.DOOR_TO_DOOR:
            p.cadres = _take(r, cadre_pool(p), r.choice([1, 1, 2]))
    # A few draft sessions (not yet confirmed): never counted.
    for ci in range(len(county_cadres)):
        t = next(t for t in townships if t.county_index == ci)
        p = Plan(
            t.station, t, ReceptionSession.Kind.STATION_RECEPTION, dt.date(YEAR, 6, 28), half=1, draft=True
        )
        p.deputies = _take(r, by_station[t.station.id], 3)
        p.citizens = 5
        plans.append(p)

    dep_h1 = [p for p in plans if p.half == 1 and p.deputies and not p.draft]
    dep_h2 = [p for p in plans if p.half == 2 and p.deputies and not p.training]
    cad = joint1 + joint2 + cadre_only
    return dep_h1, cad, dep_h2


def allocate_counts(g: Gen, dep_h1: list[Plan], cad: list[Plan], dep_h2: list[Plan]) -> None:
    """Tickets per session, then citizens per session (>= tickets), hitting the sums."""
    r = g.rng
    at = (ReceptionSession.Kind.STATION_RECEPTION, ReceptionSession.Kind.THEMED)

    def tw(p: Plan) -> float:
        base = {"door_to_door": 1.3, "online": 0.9}.get(p.kind, 1.0)
        if p.theme == "联系少先队员":
            base = 0.15
        elif p.theme:
            base *= 0.6
        return base * (0.3 + r.random())

    for p, n in zip(
        dep_h1,
        exact_split(
            DEPUTY_FIGURES["collected"] + MERGED_DEPUTY,
            len(dep_h1),
            lo=0,
            hi=6,
            weights=[tw(p) for p in dep_h1],
        ),
        strict=True,
    ):
        p.dep_tickets = n
    for p in dep_h2:
        p.dep_tickets = r.choice([0, 1, 1, 2, 2, 3]) if p.kind in at else r.choice([0, 1, 2, 2, 3])
    for p, n in zip(
        cad,
        exact_split(
            CADRE_FIGURES["collected"] + MERGED_CADRE, len(cad), lo=0, hi=4, weights=[tw(p) for p in cad]
        ),
        strict=True,
    ):
        p.cad_tickets = n

    def lo(p: Plan) -> int:
        return max(1, p.dep_tickets + p.cad_tickets)

    def cw(p: Plan) -> float:
        return (4.0 if p.theme == "联系少先队员" else 1.0) * (0.4 + r.random())

    cad_ids = {id(p) for p in cad}
    joint1 = [p for p in dep_h1 if id(p) in cad_ids]
    dep_only = [p for p in dep_h1 if id(p) not in cad_ids]
    cad_other = [p for p in cad if id(p) not in {id(q) for q in joint1}]
    lo_a, lo_b, lo_c = (sum(lo(p) for p in grp) for grp in (joint1, dep_only, cad_other))
    want = round(CADRE_FIGURES["citizens"] * len(joint1) / len(cad))
    x = max(lo_a, min(want, CADRE_FIGURES["citizens"] - lo_c, DEPUTY_FIGURES["citizens"] - lo_b))
    for grp, total, extra in (
        (joint1, x, 30),
        (dep_only, DEPUTY_FIGURES["citizens"] - x, 40),
        (cad_other, CADRE_FIGURES["citizens"] - x, 20),
    ):
        lows = [lo(p) for p in grp]
        counts = exact_split(
            total, len(grp), lo=lows, hi=[v + extra for v in lows], weights=[cw(p) for p in grp]
        )
        for p, n in zip(grp, counts, strict=True):
            p.citizens = n
    for p in dep_h2:
        if id(p) in cad_ids:
            continue
        p.citizens = 0 if p.training else lo(p) + r.randint(0, 6)


def materialize_sessions(g: Gen, data: CityData, plans: list[Plan]) -> None:
    r = g.rng
    guests = [
        ("法律顾问", "律师事务所律师"),
        ("政策宣讲员", "乡镇农业综合服务中心"),
        ("工作人员", "县医保中心"),
    ]
    for p in sorted(plans, key=lambda p: (p.day, p.venue.name)):
        if p.kind == ReceptionSession.Kind.DOOR_TO_DOOR:
            start = _aware(p.day, r.randint(8, 15), r.choice([0, 30]))
        elif p.kind == ReceptionSession.Kind.ONLINE:
            start = _aware(p.day, r.choice([10, 15, 19, 20]))
        else:
            start = _aware(p.day, 9) if r.random() < 0.7 else _aware(p.day, 14, 30)
        end = start + dt.timedelta(minutes=r.choice([120, 150, 180]))
        notes = ""
        if p.training:
            notes = "组织代表参加线上履职能力培训。"
        elif p.theme:
            notes = f"围绕“{p.theme}”开展“联络站+”主题活动。"
        s = ReceptionSession(
            id=g.uid(),
            station=p.venue,
            kind=p.kind,
            theme=p.theme,
            theme_kind=p.theme_kind,
            starts_at=start,
            ends_at=end,
            citizens_received=p.citizens,
            notes=notes,
            status=ReceptionSession.Status.DRAFT if p.draft else ReceptionSession.Status.DONE,
            created_at=start,
            updated_at=end,
        )
        p.obj = s
        data.sessions.append(s)
        for d in p.deputies:
            data.attendances.append(
                Attendance(
                    id=g.uid(),
                    session=s,
                    role=Attendance.Role.DEPUTY,
                    deputy=d,
                    created_at=start,
                    updated_at=start,
                )
            )
        for c in p.cadres:
            data.attendances.append(
                Attendance(
                    id=g.uid(),
                    session=s,
                    role=Attendance.Role.LEADING_CADRE,
                    cadre=c,
                    created_at=start,
                    updated_at=start,
                )
            )
        if p.kind in ReceptionSession.AT_STATION_KINDS and r.random() < 0.07:
            title, unit = r.choice(guests)
            name, _ = g.person(0.4)
            data.attendances.append(
                Attendance(
                    id=g.uid(),
                    session=s,
                    role=Attendance.Role.LEGAL_EXPERT if title == "法律顾问" else Attendance.Role.OFFICIAL,
                    guest_name=name,
                    guest_title=f"{unit}{title}",
                    created_at=start,
                    updated_at=start,
                )
            )


def add_absences(
    g: Gen, data: CityData, plans: list[Plan], by_station: dict[uuid.UUID, list[Deputy]]
) -> None:
    """Some deputies excused from a reception day (present=False): recorded, never counted."""
    r = g.rng
    for p in plans:
        if p.kind in ReceptionSession.AT_STATION_KINDS and p.deputies and r.random() < 0.08:
            others = _take(r, by_station[p.venue.id], 1, exclude=set(p.deputies))
            for d in others:
                data.attendances.append(
                    Attendance(
                        id=g.uid(),
                        session=p.obj,
                        role=Attendance.Role.DEPUTY,
                        deputy=d,
                        present=False,
                        created_at=p.obj.starts_at,
                        updated_at=p.obj.starts_at,
                    )
                )


SPOT_ACTIONS = [
    "代表现场解释相关政策，群众表示理解",
    "现场联系村委会当场解决",
    "代表当场答复并告知办理渠道",
    "现场协调相关负责人予以解决",
]
CATEGORY_WEIGHTS = {
    "roads": 18,
    "water": 12,
    "education": 7,
    "health": 7,
    "insurance": 10,
    "elderly": 7,
    "agriculture": 12,
    "environment": 9,
    "housing": 6,
    "employment": 5,
    "utilities": 4,
    "safety": 2,
    "other": 1,
}


def build_tickets(
    g: Gen,
    data: CityData,
    *,
    dep_h1: list[Plan],
    cad: list[Plan],
    dep_h2: list[Plan],
    categories: dict[str, Category],
    units: dict[tuple[int, str], HandlingUnit],
) -> None:
    r = g.rng
    cat_codes = [c for c in CATEGORY_WEIGHTS if c in categories] or list(categories)
    cat_w = [CATEGORY_WEIGHTS.get(c, 1) for c in cat_codes]

    def make(p: Plan, by_cadre: bool) -> Ticket:
        s = p.obj
        span = int((s.ends_at - s.starts_at).total_seconds() // 60) - 10
        received = s.starts_at + dt.timedelta(minutes=r.randint(5, max(6, span)))
        code = r.choices(cat_codes, weights=cat_w)[0]
        _dept, texts = N.OPINIONS.get(code, ("", ["其他意见"]))
        t = p.township
        village = (
            p.venue.region
            if p.venue.kind == Station.Kind.POINT and r.random() < 0.7
            else r.choice(t.villages)
        )
        name, _ = g.person(0.45)
        ticket = Ticket(
            id=g.uid(),
            station=p.venue,
            reception=s,
            village=village,
            citizen_name=name,
            citizen_phone=g.phone() if r.random() < 0.9 else "",
            citizen_address=f"{t.region.name}{village.name}{r.randint(1, 200)}号",
            consent_to_share=r.random() < 0.75,
            category=categories[code],
            content=r.choice(texts),
            received_at=received,
            created_at=received,
            updated_at=received,
        )
        if by_cadre:
            ticket.received_by_cadre = r.choice(p.cadres)
        else:
            ticket.received_by_deputy = r.choice(p.deputies)
        return ticket

    def route(ticket: Ticket, p: Plan, tier: str) -> int:
        """Set tier, handling unit and due date; return the days it takes to close."""
        ticket.tier = tier
        day = ticket.received_at.date()
        code = next(k for k, v in categories.items() if v is ticket.category)
        dept = N.OPINIONS.get(code, ("", []))[0]
        ci = p.township.county_index
        if tier == Ticket.Tier.COUNTY_DEPARTMENT and not dept:
            tier = ticket.tier = Ticket.Tier.TOWNSHIP
        if tier == Ticket.Tier.ON_THE_SPOT:
            ticket.due_on = day
            ticket.on_the_spot_action = r.choice(SPOT_ACTIONS)
            return 0
        if tier == Ticket.Tier.TOWNSHIP:
            ticket.handling_unit, ticket.due_on = p.township.gov_unit, day + dt.timedelta(days=15)
            return r.randint(2, 20)
        if tier == Ticket.Tier.COUNTY_DEPARTMENT:
            if code == "water" and r.random() < 0.5:
                dept = "自来水公司"
            ticket.handling_unit, ticket.due_on = units[(ci, dept)], day + dt.timedelta(days=30)
            return r.randint(6, 45)
        if tier == Ticket.Tier.DEPUTY_SUGGESTION:
            ticket.handling_unit = units.get((ci, dept)) if dept else None
            ticket.due_on = day + dt.timedelta(days=90)
            return r.randint(30, 100)
        ticket.due_on = day + dt.timedelta(days=60)
        return r.randint(20, 70)

    opinion = random.Random(r.getstate()[1][0])  # its own stream, seeded from the state before tickets

    def close(ticket: Ticket, at: dt.datetime) -> None:
        ticket.status, ticket.closed_at, ticket.updated_at = Ticket.Status.CLOSED, at, at
        ticket.working_days_to_close = max(
            0,
            WORKDAYS.working_days_between(ticket.received_at.astimezone(TZ).date(), at.astimezone(TZ).date()),
        )
        # the citizen's evaluation, from its own stream so the figures' draws stay as they were
        ticket.satisfaction = opinion.choices(SATISFACTION, weights=SATISFACTION_WEIGHTS)[0]

    def leave_open(ticket: Ticket) -> None:
        ticket.status = g.weighted(
            [(Ticket.Status.ASSIGNED, 5), (Ticket.Status.REPLIED, 3), (Ticket.Status.DELIVERED, 2)]
        )
        ticket.updated_at = ticket.received_at + dt.timedelta(days=r.randint(1, 20))

    def settle(
        pairs: list[tuple[Ticket, Plan]],
        *,
        merged: int,
        closed_target: int | None,
        period_end: dt.datetime,
        spot_share: float,
    ) -> None:
        r.shuffle(pairs)
        merged_pairs, pairs = pairs[:merged], pairs[merged:]
        for tk, _p in merged_pairs:
            tk.status, tk.updated_at = (
                Ticket.Status.MERGED,
                tk.received_at + dt.timedelta(days=r.randint(1, 5)),
            )
        tiers = (
            [Ticket.Tier.TOWNSHIP] * 45
            + [Ticket.Tier.COUNTY_DEPARTMENT] * 45
            + [Ticket.Tier.STANDING_COMMITTEE] * 5
            + [Ticket.Tier.DEPUTY_SUGGESTION] * 5
        )
        spot, referred = [], []
        for tk, p in pairs:
            if r.random() < spot_share:
                route(tk, p, Ticket.Tier.ON_THE_SPOT)
                spot.append((tk, p))
            else:
                referred.append((tk, p, route(tk, p, r.choice(tiers))))
        target = (
            closed_target
            if closed_target is not None
            else len(spot)
            + sum(
                1
                for tk, _p, d in referred
                if tk.received_at + dt.timedelta(days=d) < period_end and r.random() < 0.93
            )
        )
        # Too many on-the-spot answers for the target: refer the latest of them instead.
        spot.sort(key=lambda x: x[0].received_at)
        while len(spot) > target:
            tk, p = spot.pop()
            tk.on_the_spot_action = ""
            referred.append((tk, p, route(tk, p, Ticket.Tier.TOWNSHIP)))
        for tk, _p in spot:
            close(tk, tk.received_at + dt.timedelta(minutes=r.randint(10, 40)))
        need = target - len(spot)
        fits = [x for x in referred if x[0].received_at + dt.timedelta(days=x[2]) < period_end]
        if len(fits) < need:  # shorten the handling of the latest ones that would not fit
            fit_ids = {id(x[0]) for x in fits}
            rest = sorted((x for x in referred if id(x[0]) not in fit_ids), key=lambda x: x[0].received_at)
            fixed = []
            for tk, p, _d in rest[: need - len(fits)]:
                room = (period_end - tk.received_at).days
                if room < 1:
                    route(tk, p, Ticket.Tier.ON_THE_SPOT)
                fixed.append((tk, p, r.randint(1, room) if room >= 1 else 0))
            fixed_ids = {id(x[0]) for x in fixed}
            referred = [x for x in referred if id(x[0]) not in fixed_ids] + fixed
            fits += fixed
        chosen = {id(x[0]) for x in r.sample(fits, need)}
        for tk, _p, days in referred:
            if id(tk) in chosen:
                if days == 0:
                    close(tk, tk.received_at + dt.timedelta(minutes=r.randint(10, 40)))
                else:
                    at = tk.received_at + dt.timedelta(days=days, hours=r.randint(0, 6))
                    close(tk, min(at, period_end - dt.timedelta(minutes=r.randint(5, 600))))
            elif r.random() < 0.8:
                later = max(
                    tk.received_at + dt.timedelta(days=days), period_end + dt.timedelta(days=r.randint(1, 60))
                )
                close(tk, later.replace(hour=r.randint(9, 17)))
            else:
                leave_open(tk)

    dep1 = [(make(p, False), p) for p in dep_h1 for _ in range(p.dep_tickets)]
    cad1 = [(make(p, True), p) for p in cad for _ in range(p.cad_tickets)]
    dep2 = [(make(p, False), p) for p in dep_h2 for _ in range(p.dep_tickets)]
    settle(
        dep1, merged=MERGED_DEPUTY, closed_target=DEPUTY_FIGURES["closed"], period_end=H1_END, spot_share=0.38
    )
    settle(
        cad1, merged=MERGED_CADRE, closed_target=CADRE_FIGURES["closed"], period_end=YEAR_END, spot_share=0.3
    )
    settle(dep2, merged=len(dep2) // 100, closed_target=None, period_end=YEAR_END, spot_share=0.38)
    data.tickets += sorted((tk for tk, _p in dep1 + cad1 + dep2), key=lambda tk: tk.received_at)


# --- one city ---------------------------------------------------------------------------


def build_city(
    *,
    seed: int,
    copy_index: int,
    root_step: int,
    city_code4: str,
    city_name: str,
    county_names: list[str] | None,
    categories: dict[str, Category],
) -> CityData:
    """Everything for one city tree; copy 0 is Lüliang with its real names."""
    g = Gen(random.Random(f"liaison-demo:{seed}:{copy_index}"))
    data = CityData()
    city, counties, townships = build_regions(
        g, data, root_step=root_step, city_code4=city_code4, city_name=city_name, county_names=county_names
    )
    build_stations(g, data, townships, copy_index=copy_index)
    build_staff_and_funding(g, data, townships)
    city_cadres, county_cadres, units = build_cadres_and_units(g, data, city, counties, townships)
    by_station = build_deputies(g, data, city, counties, townships)
    plans = plan_sessions(g, townships)
    dep_h1, cad, dep_h2 = assign_people(g, plans, by_station, city_cadres, county_cadres, townships)
    allocate_counts(g, dep_h1, cad, dep_h2)
    materialize_sessions(g, data, plans)
    add_absences(g, data, plans, by_station)
    build_tickets(g, data, dep_h1=dep_h1, cad=cad, dep_h2=dep_h2, categories=categories, units=units)

    # Demo login scopes: a township in the third county (交城县) with the busiest station.
    county = counties[2]
    towns = [t for t in townships if t.county_index == 2]
    tickets_at: dict[uuid.UUID, int] = {}
    by_deputy: dict[uuid.UUID, int] = {}
    by_unit: dict[uuid.UUID, int] = {}
    for tk in data.tickets:
        tickets_at[tk.station.id] = tickets_at.get(tk.station.id, 0) + 1
        if tk.received_by_deputy is not None:
            by_deputy[tk.received_by_deputy.id] = by_deputy.get(tk.received_by_deputy.id, 0) + 1
        if tk.handling_unit is not None:
            by_unit[tk.handling_unit.id] = by_unit.get(tk.handling_unit.id, 0) + 1
    town = max(towns, key=lambda t: tickets_at.get(t.station.id, 0))
    deputy = max(by_station[town.station.id], key=lambda d: by_deputy.get(d.id, 0))
    unit = max(
        (u for (ci, _n), u in units.items() if ci == 2 and u.kind == HandlingUnit.Kind.COUNTY_DEPARTMENT),
        key=lambda u: by_unit.get(u.id, 0),
    )
    data.login_scope = {
        "city": city,
        "county": county,
        "township": town.region,
        "station": town.station,
        "deputy": deputy,
        "unit": unit,
    }
    return data
