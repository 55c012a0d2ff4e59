"""The closure-rate rollups: same numbers as the live counting rules, kept right by the
incremental refresh, read in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from reports.models import RollupDirty, StationActivity
from reports.periods import Period, Scope
from reports.selectors import Figures, figures, figures_by
from reports.services import rollups_refresh
from suggestions.models import Ticket
from suggestions.selectors import work_figures
from tests.factories import (
    AttendanceFactory,
    DeputyFactory,
    HandlingUnitFactory,
    LeadingCadreFactory,
    PointFactory,
    ReceptionSessionFactory,
    StationFactory,
    TicketFactory,
    make_region_tree,
)
from tests.reports.conftest import rollup_snapshot
from visits.models import Attendance, ReceptionSession

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = Ticket.Status


def at(month: int, day: int = 10, year: int = 2023) -> dt.datetime:
    return dt.datetime(year, month, day, 9, 30, tzinfo=TZ)


class World:
    """Two counties' worth of stations with sessions and tickets spread over 2023."""

    def __init__(self, seed: int = 7, tickets: int = 40, sessions: int = 16):
        r = random.Random(seed)
        self.tree = make_region_tree()
        t = self.tree.townships
        self.stations = [
            StationFactory(name="甲县1镇站", region=t[0]),
            StationFactory(name="甲县2镇站", region=t[1]),
            StationFactory(name="乙县1镇站", region=t[2]),
        ]
        self.point = PointFactory(name="甲县1镇1村点", parent=self.stations[0], region=self.tree.villages[0])
        venues = [*self.stations, self.point]
        self.units = [
            HandlingUnitFactory(region=self.tree.counties[0]),
            HandlingUnitFactory(region=self.tree.counties[1]),
        ]
        self.deputies = [DeputyFactory(home_station=s) for s in venues for _ in range(2)]
        self.cadres = [LeadingCadreFactory(region=self.tree.counties[0]) for _ in range(2)]
        for _ in range(sessions):
            venue = r.choice(venues)
            session = ReceptionSessionFactory(
                station=venue,
                starts_at=at(r.randint(1, 12), r.randint(1, 28)),
                kind=r.choice([ReceptionSession.Kind.STATION_RECEPTION, ReceptionSession.Kind.DOOR_TO_DOOR]),
                status=r.choice([ReceptionSession.Status.DONE] * 4 + [ReceptionSession.Status.DRAFT]),
                citizens_received=r.randint(0, 9),
            )
            for deputy in r.sample(self.deputies, 2):
                AttendanceFactory(session=session, deputy=deputy, present=r.random() < 0.8)
            if r.random() < 0.4:
                AttendanceFactory(
                    session=session,
                    role=Attendance.Role.LEADING_CADRE,
                    deputy=None,
                    cadre=r.choice(self.cadres),
                    present=True,
                )
        for _ in range(tickets):
            venue = r.choice(venues)
            received = at(r.randint(1, 12), r.randint(1, 28))
            who = r.random()
            status = r.choice([S.CLOSED, S.CLOSED, S.ASSIGNED, S.DELIVERED, S.MERGED, S.WITHDRAWN])
            closed_at = received + dt.timedelta(days=r.randint(1, 120)) if status == S.CLOSED else None
            TicketFactory(
                station=venue,
                received_at=received,
                status=status,
                closed_at=closed_at,
                due_on=received.date() + dt.timedelta(days=r.choice([5, 30, 60])),
                handling_unit=r.choice([None, *self.units]),
                received_by_deputy=r.choice(self.deputies) if who < 0.6 else None,
                received_by_cadre=r.choice(self.cadres) if 0.6 <= who < 0.85 else None,
                satisfaction=r.choice(["", "satisfied", "basically", "unsatisfied"]) if closed_at else "",
                working_days_to_close=r.randint(1, 40) if closed_at else None,
            )


@pytest.fixture
def world() -> World:
    w = World()
    rollups_refresh(full=True)
    return w


PERIODS = [Period.half(2023, 1), Period.year(2023), Period.quarter(2023, 3), Period.month(2023, 11)]


def assert_matches_live(scope_kwargs: dict, period: Period, live_kwargs: dict):
    got = figures(scope=Scope(**scope_kwargs), period=period)
    for group, row in (("deputies", got.deputies), ("cadres", got.cadres)):
        live = work_figures(group=group, start=period.first_day, end=period.last_day, **live_kwargs)
        assert row == live, (scope_kwargs, period, group)


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
def test_rollups_give_the_live_counting_rules_figures(world, period):
    tree = world.tree
    for region in (tree.city, *tree.counties, *tree.townships):
        assert_matches_live({"region": region}, period, {"region": region})
    for station in world.stations:  # a station includes its points
        assert_matches_live({"station": station}, period, {"station": station})


def test_rollup_figures_add_up_across_the_breakdowns(world):
    period = Period.year(2023)
    total = figures(scope=Scope(region=world.tree.city), period=period)
    assert total.collected > 0 and total.entries > 0
    for by in ("child", "station", "month"):
        parts = figures_by(scope=Scope(region=world.tree.city), period=period, by=by)
        for name in (
            "collected",
            "closed",
            "entries",
            "citizens_received",
            "deputy_collected",
            "cadre_closed",
        ):
            assert sum(getattr(f, name) for f in parts.values()) == getattr(total, name), (by, name)
    children = figures_by(scope=Scope(region=world.tree.city), period=period, by="child")
    assert set(children) <= {c.path for c in world.tree.counties}


def test_rates(world):
    f = figures(scope=Scope(region=world.tree.city), period=Period.year(2023))
    assert f.closure_rate == f.closed / f.collected
    assert f.satisfaction_rate == f.satisfied / f.rated
    assert f.on_time <= f.closed and f.replied <= f.handled
    assert Figures().closure_rate is None  # nothing collected: no rate, not 0 %


def test_incremental_refresh_recomputes_exactly_the_touched_groups(world):
    assert RollupDirty.objects.count() == 0
    r = random.Random(3)
    tickets = list(Ticket.objects.exclude(status__in=(S.CLOSED, S.MERGED)).order_by("pk"))
    # a closure, a move to another station and month, a merge, a deletion of an attendance,
    # a session set back to draft, a set-based update: every kind of write the triggers see
    t = tickets[0]
    Ticket.objects.filter(pk=t.pk).update(status=S.CLOSED, closed_at=t.received_at + dt.timedelta(days=3))
    Ticket.objects.filter(pk=tickets[1].pk).update(station=world.stations[2], received_at=at(2, 3))
    Ticket.objects.filter(pk=tickets[2].pk).update(status=S.MERGED)
    Attendance.objects.filter(pk=r.choice(list(Attendance.objects.values_list("pk", flat=True)))).delete()
    ReceptionSession.objects.filter(pk=ReceptionSession.objects.held().first().pk).update(
        status=ReceptionSession.Status.DRAFT
    )
    Ticket.objects.filter(station=world.point).update(version=F("version") + 1)
    TicketFactory(station=world.point, received_at=at(6, 30), received_by_deputy=world.deputies[0])
    entries = RollupDirty.objects.count()
    dirty = RollupDirty.objects.values("station_id", "month").distinct().count()
    assert entries > dirty > 0  # an append-only log: a group written twice is named twice

    result = rollups_refresh()
    assert result.groups == dirty  # each group recomputed once
    assert RollupDirty.objects.count() == 0
    incremental = rollup_snapshot()
    # a station deleted with its records leaves change-log entries and (no cascade reaches
    # derived rows) rollup rows behind: the full refresh drops both
    gone = uuid.uuid4()
    RollupDirty.objects.create(station_id=gone, month=dt.date(2023, 3, 1))
    StationActivity.objects.create(station_id=gone, area_path="9999", month=dt.date(2023, 3, 1))
    rollups_refresh(full=True)
    assert rollup_snapshot() == incremental
    assert not RollupDirty.objects.exists()
    for period in PERIODS:
        assert_matches_live({"region": world.tree.city}, period, {"region": world.tree.city})


def test_figures_reads_three_queries_whatever_the_data(django_assert_num_queries):
    small, big = World(seed=1, tickets=5, sessions=3), World(seed=2, tickets=150, sessions=50)
    rollups_refresh(full=True)
    for w in (small, big):
        with django_assert_num_queries(3):
            figures(scope=Scope(region=w.tree.city), period=Period.year(2023))
        with django_assert_num_queries(3):
            figures_by(scope=Scope(region=w.tree.city), period=Period.year(2023), by="child")
        with django_assert_num_queries(3):
            figures(scope=Scope(station=w.stations[0]), period=Period.half(2023, 2))


def test_handling_unit_and_deputy_reports(world):
    period = Period.year(2023)
    unit = world.units[0]
    got = figures(scope=Scope(handling_unit=unit), period=period)
    live = Ticket.objects.exclude(status=S.MERGED).filter(
        handling_unit=unit, received_at__gte=at(1, 1), received_at__lt=at(1, 1, year=2024)
    )
    assert got.collected == live.count()
    assert got.closed == live.filter(closed_at__lt=at(1, 1, year=2024)).count()
    assert got.entries == 0  # a unit receives no one at stations

    deputy = world.deputies[0]
    got = figures(scope=Scope(deputy=deputy), period=period)
    assert (
        got.deputy_collected
        == live.model.objects.exclude(status=S.MERGED)
        .filter(received_by_deputy=deputy, received_at__gte=at(1, 1), received_at__lt=at(1, 1, year=2024))
        .count()
    )
    assert (
        got.deputy_entries
        == Attendance.objects.filter(
            deputy=deputy,
            present=True,
            session__status=ReceptionSession.Status.DONE,
            session__kind__in=ReceptionSession.AT_STATION_KINDS,
            session__starts_at__year=2023,
        ).count()
    )


def test_period_parsing():
    today = dt.date(2023, 8, 15)
    assert Period.parse({"period": "half"}, today=today) == Period.half(2023, 2)
    assert Period.parse({"period": "quarter", "on": "2023-02-01"}, today=today) == Period.quarter(2023, 1)
    p = Period.parse({"period": "custom", "start": "2023-02", "end": "2023-04"}, today=today)
    assert (p.start, p.end, p.months) == (dt.date(2023, 2, 1), dt.date(2023, 4, 1), 3)
    assert Period.parse(p.as_query(), today=today) == p
    for bad in (
        {"period": "custom", "start": "2023-13", "end": "2023-04"},
        {"period": "custom", "start": "2023-05", "end": "2023-04"},
        {"period": "week"},
        {"period": "month", "on": "yesterday"},
    ):
        with pytest.raises(ValueError):
            Period.parse(bad, today=today)
    assert Period.half(2023, 1).label == "2023年上半年"


def test_a_snapshot_keeps_its_figures_when_the_data_changes(world):
    from io import StringIO

    from django.core.management import call_command

    from reports.models import ReportSnapshot

    out = StringIO()
    call_command(
        "report_snapshot",
        "--region",
        world.tree.city.name,
        "--period",
        "half",
        "--on",
        "2023-01-01",
        "--title",
        "2023年上半年正式数据",
        stdout=out,
    )
    snap = ReportSnapshot.objects.get()
    before = figures(scope=Scope(region=world.tree.city), period=Period.half(2023, 1))
    assert snap.figures["total"]["collected"] == before.collected and "已存档" in out.getvalue()
    TicketFactory(station=world.stations[0], received_at=at(3, 3))
    rollups_refresh()
    assert (
        figures(scope=Scope(region=world.tree.city), period=Period.half(2023, 1)).collected
        == before.collected + 1
    )
    snap.refresh_from_db()
    assert snap.figures["total"]["collected"] == before.collected
    assert set(snap.figures["by"]) <= {c.path for c in world.tree.counties}
