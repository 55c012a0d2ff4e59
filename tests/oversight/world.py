"""A constructed world for the oversight tests, each figure known by hand.

Year 2025 (a closed year: today is later). City 吕梁市 → 甲县 (township 甲镇) and 乙县
(township 乙镇). Stations: 甲镇站 and 乙镇站, and 丙站 in 甲镇, closed mid-year (July).

- 代表一 is based at 甲镇站, holds a county mandate of 甲县 and one of 乙县 (two mandates,
  two stations): present at two reception days at 甲镇站 and a themed activity at 乙镇站
  (3 station entries), a door-to-door visit, an online reception; absent from one reception
  day; a draft session and a 2024 session do not count. Citizens received 5+5+5+5+5 = 25.
  Opinions received in 2025: one closed in May (satisfied), one closed in November and
  **reopened in February 2026** (still closed at the end of 2025; unsatisfied), one open,
  one merged (not counted); one from 2024 (not counted). Entries: training and 述职
  confirmed; a congress session pending; one declined; a training in 2024.
- 代表二 is based at 乙镇站 (乙县 mandate): one reception day at 乙镇站.
- 代表三 is based at 甲镇站 but their mandate ended in June 2024: not evaluated in 2025.
- 代表四 is based at 丙站 (closed in July 2025; 甲县 mandate): one reception day there in March.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from deputies.models import Level
from oversight.models import EntryKind, EvaluationScheme, FileEntry, Indicator, Measure
from stations.models import Region, Station
from suggestions.models import Ticket, TimelineEvent
from tests.factories import (
    AttendanceFactory,
    DeputyFactory,
    MandateFactory,
    ReceptionSessionFactory,
    StationFactory,
    TicketFactory,
    make_region,
)
from visits.models import ReceptionSession

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2025


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@dataclass
class World:
    city: Region
    county_a: Region
    county_b: Region
    station_a: Station
    station_b: Station
    station_c: Station
    d1: object
    d2: object
    d3: object
    d4: object
    scheme: EvaluationScheme
    reopened: Ticket


def session(station, when, *, deputies=(), absent=(), kind=ReceptionSession.Kind.STATION_RECEPTION, **kw):
    s = ReceptionSessionFactory(station=station, starts_at=when, kind=kind, citizens_received=5, **kw)
    for d in deputies:
        AttendanceFactory(session=s, deputy=d)
    for d in absent:
        AttendanceFactory(session=s, deputy=d, present=False)
    return s


def event(ticket, when, frm, to, action):
    TimelineEvent.objects.create(ticket=ticket, action=action, from_status=frm, to_status=to, at=when)


def build_world() -> World:
    S = Ticket.Status
    city = make_region(name="吕梁市")
    county_a = make_region(parent=city, name="甲县")
    county_b = make_region(parent=city, name="乙县")
    town_a = make_region(parent=county_a, name="甲镇")
    town_b = make_region(parent=county_b, name="乙镇")
    sa = StationFactory(name="甲镇站", region=town_a)
    sb = StationFactory(name="乙镇站", region=town_b)
    sc = StationFactory(name="丙站", region=town_a, status=Station.Status.CLOSED)

    d1 = DeputyFactory(name="代表一", home_station=sa)
    MandateFactory(deputy=d1, level=Level.COUNTY, congress_region=county_a)
    MandateFactory(deputy=d1, level=Level.TOWNSHIP, term=7, congress_region=county_b)
    d2 = DeputyFactory(name="代表二", home_station=sb)
    MandateFactory(deputy=d2, congress_region=county_b)
    d3 = DeputyFactory(name="代表三", home_station=sa)
    MandateFactory(
        deputy=d3,
        congress_region=county_a,
        started_on=dt.date(2016, 10, 1),
        ended_on=dt.date(2024, 6, 30),
        status="ended",
    )
    d4 = DeputyFactory(name="代表四", home_station=sc)
    MandateFactory(deputy=d4, congress_region=county_a)

    K = ReceptionSession.Kind
    first = session(sa, at(YEAR, 3, 5), deputies=[d1, d3])
    session(sa, at(YEAR, 6, 5), deputies=[d1])
    session(sb, at(YEAR, 4, 9), deputies=[d1, d2], kind=K.THEMED)
    session(sa, at(YEAR, 5, 1), deputies=[d1], kind=K.DOOR_TO_DOOR)
    session(sa, at(YEAR, 7, 1), deputies=[d1], kind=K.ONLINE)
    session(sa, at(YEAR, 8, 1), absent=[d1])
    session(sa, at(YEAR, 9, 1), deputies=[d1], status=ReceptionSession.Status.DRAFT)
    session(sa, at(YEAR - 1, 12, 20), deputies=[d1])
    session(sc, at(YEAR, 3, 20), deputies=[d4])

    def ticket(when, status, **kw):
        return TicketFactory(
            station=sa, reception=first, received_by_deputy=d1, received_at=when, status=status, **kw
        )

    t1 = ticket(
        at(YEAR, 3, 5), S.CLOSED, closed_at=at(YEAR, 5, 10), satisfaction=Ticket.Satisfaction.SATISFIED
    )
    event(t1, at(YEAR, 3, 5), "", S.REGISTERED, "register")
    event(t1, at(YEAR, 5, 10), S.DELIVERED, S.CLOSED, "close")
    reopened = ticket(
        at(YEAR, 6, 5), S.ACCEPTED, satisfaction=Ticket.Satisfaction.UNSATISFIED, reopen_count=1
    )
    event(reopened, at(YEAR, 6, 5), "", S.REGISTERED, "register")
    event(reopened, at(YEAR, 11, 20), S.DELIVERED, S.CLOSED, "close")
    event(reopened, at(YEAR + 1, 2, 3), S.CLOSED, S.ACCEPTED, "reopen")
    t3 = ticket(at(YEAR, 9, 9), S.REGISTERED)
    event(t3, at(YEAR, 9, 9), "", S.REGISTERED, "register")
    ticket(at(YEAR, 9, 10), S.MERGED, merged_into=t3)
    ticket(at(YEAR - 1, 10, 1), S.CLOSED, closed_at=at(YEAR - 1, 11, 1))

    confirmed = FileEntry.Status.CONFIRMED

    def entry(kind, day, status=confirmed, deputy=d1):
        return FileEntry.objects.create(
            deputy=deputy, kind=kind, occurred_on=day, title=f"{kind}{day}", source="会议通知", status=status
        )

    entry(EntryKind.TRAINING, dt.date(YEAR, 7, 15))
    entry(EntryKind.REPORT_TO_VOTERS, dt.date(YEAR, 12, 1))
    entry(EntryKind.CONGRESS_SESSION, dt.date(YEAR, 1, 10), FileEntry.Status.PENDING)
    entry(EntryKind.INSPECTION, dt.date(YEAR, 4, 1), FileEntry.Status.REJECTED)
    entry(EntryKind.TRAINING, dt.date(YEAR - 1, 7, 15))

    scheme = EvaluationScheme.objects.create(region=city, year=YEAR, name="吕梁市代表履职考核办法")
    for order, (measure, target, weight, required) in enumerate(
        [
            (Measure.STATION_ENTRIES, "2", "30", True),
            (Measure.CLOSURE_RATE, "0.8", "20", False),
            (Measure.SATISFACTION_RATE, "0.9", "20", False),
            (Measure.REPORT_TO_VOTERS, "1", "15", True),
            (Measure.TRAININGS, "1", "15", False),
        ]
    ):
        Indicator.objects.create(
            scheme=scheme,
            measure=measure,
            target=Decimal(target),
            weight=Decimal(weight),
            required=required,
            sort_order=order,
        )
    return World(city, county_a, county_b, sa, sb, sc, d1, d2, d3, d4, scheme, reopened)
