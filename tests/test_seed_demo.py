"""``manage.py seed_demo`` at scale 1: Lüliang's shape and its published figures, exactly."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from accounts.models import Role, RoleAssignment, User
from deputies.models import Deputy, LeadingCadre, Mandate
from liaison.demo.generate import build_city
from liaison.demo.seed import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    LULIANG_CODE,
    audit_paused,
    city_names,
    delete_demo_data,
)
from stations.models import Region, RegionLevel, Station, StationFunding, StationStaff
from suggestions.models import Category, HandlingUnit, Ticket
from suggestions.selectors import WorkFigures, work_figures
from visits.models import Attendance, ReceptionSession

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

COUNTIES = [
    "离石区",
    "文水县",
    "交城县",
    "兴县",
    "临县",
    "柳林县",
    "石楼县",
    "岚县",
    "方山县",
    "中阳县",
    "交口县",
    "孝义市",
    "汾阳市",
]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (outside the per-test transactions), clean up after."""
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("seed_demo", "--reset", "--no-progress", stdout=out)
        yield out.getvalue()
        with audit_paused(True):
            delete_demo_data()


@pytest.fixture
def city(seeded) -> Region:
    return Region.objects.get(code=LULIANG_CODE)


def digest(*querysets) -> str:
    h = hashlib.sha256()
    for qs in querysets:
        for row in qs:
            h.update(repr(row).encode())
    return h.hexdigest()


def test_regions_are_luliang_and_a_valid_tree(city):
    assert city.name == "吕梁市"
    counties = Region.objects.get_children(city)
    assert [c.name for c in counties] == COUNTIES
    assert [c.code[:6] for c in counties] == [
        "141102",
        "141121",
        "141122",
        "141123",
        "141124",
        "141125",
        "141126",
        "141127",
        "141128",
        "141129",
        "141130",
        "141181",
        "141182",
    ]
    assert Region.objects.filter(level=RegionLevel.TOWNSHIP).count() == 167
    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() >= 580
    assert all(problems == [] for problems in Region.objects.find_problems())
    # Paths follow code order among siblings (node_order_by = ["code"]).
    codes = list(
        Region.objects.filter(depth=3, path__startswith=counties[0].path).values_list("code", flat=True)
    )
    assert codes == sorted(codes)
    assert Region.objects.subtree(city).count() == Region.objects.count()


def test_stations_and_points(city):
    stations = Station.objects.filter(kind=Station.Kind.STATION)
    points = Station.objects.filter(kind=Station.Kind.POINT)
    assert Station.objects.count() == 747
    assert (stations.count(), points.count()) == (167, 580)
    assert not stations.exclude(region__level=RegionLevel.TOWNSHIP).exists()
    assert not points.exclude(region__level=RegionLevel.VILLAGE).exists()
    assert not points.exclude(parent__kind=Station.Kind.STATION).exists()
    new = Q(established_on__gte=dt.date(2022, 1, 1))
    assert (stations.filter(new).count(), points.filter(new).count()) == (16, 23)
    assert stations.exclude(themed_base="").count() == 9
    heads = StationStaff.objects.filter(role=StationStaff.Role.HEAD)
    assert heads.count() == 167 and heads.values("station").distinct().count() == 167
    assert StationStaff.objects.filter(station__kind="point", role="liaison_officer").count() == 580
    city_money = StationFunding.objects.filter(source="city", year__range=(2021, 2023)).aggregate(
        s=Sum("amount")
    )
    assert city_money["s"] == 4_900_000
    assert not StationFunding.objects.filter(source="county").exclude(amount__range=(20_000, 50_000)).exists()


def test_deputies_and_mandates(city):
    assert Deputy.objects.count() == 11_386
    per_level = dict(Mandate.objects.values_list("level").annotate(n=Count("id")))
    assert per_level["national"] == 12 and per_level["provincial"] == 45
    assert 200 <= per_level["city"] <= 400
    assert per_level["township"] > per_level["county"] > per_level["city"]
    multi = Deputy.objects.annotate(m=Count("mandates")).filter(m__gte=2).count()
    assert 0.05 * 11_386 <= multi <= 0.10 * 11_386
    assert not Mandate.objects.filter(level__in=["city", "county", "township"], congress_region=None).exists()
    assert not Deputy.objects.filter(group=None).exists()
    assert 200 <= LeadingCadre.objects.count() <= 400
    assert HandlingUnit.objects.filter(kind="township_gov").count() == 167


def test_published_figures_exactly(city):
    deputies = work_figures(
        group="deputies", start=dt.date(2023, 1, 1), end=dt.date(2023, 6, 30), region=city
    )
    assert (
        deputies.entries,
        deputies.citizens_received,
        deputies.issues_collected,
        deputies.issues_closed,
    ) == (
        7164,
        14349,
        4344,
        3589,
    )
    assert round(deputies.closure_rate * 100, 1) == 82.6
    cadres = work_figures(group="cadres", start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31), region=city)
    assert (cadres.entries, cadres.citizens_received, cadres.issues_collected, cadres.issues_closed) == (
        1719,
        4640,
        1733,
        1399,
    )
    assert round(cadres.closure_rate * 100, 1) == 80.7
    h2 = work_figures(group="deputies", start=dt.date(2023, 7, 1), end=dt.date(2023, 12, 31), region=city)
    assert h2.entries > 3000 and h2.issues_collected > 2000


def test_the_report_rollups_reproduce_the_published_figures(city, django_assert_num_queries):
    """seed_demo fills the rollups; the report for Lüliang reads both rows from them."""
    from reports.periods import Period, Scope
    from reports.selectors import figures

    with django_assert_num_queries(3):
        h1 = figures(scope=Scope(region=city), period=Period.half(2023, 1))
    year = figures(scope=Scope(region=city), period=Period.year(2023))
    assert h1.deputies == WorkFigures(7164, 14349, 4344, 3589)
    assert year.cadres == WorkFigures(1719, 4640, 1733, 1399)
    # and every county's share, against the live counting rules
    for county in Region.objects.get_children(city):
        live = work_figures(
            group="deputies", start=dt.date(2023, 1, 1), end=dt.date(2023, 6, 30), region=county
        )
        assert figures(scope=Scope(region=county), period=Period.half(2023, 1)).deputies == live
    assert 0 < year.on_time_rate <= 1 and 0 < year.satisfaction_rate <= 1 and year.avg_close_days > 0


def test_seeding_runs_the_worker_jobs(seeded):
    """The demo shows what the worker does: overdue tickets escalated, their units told."""
    from notifications.models import Notification
    from reports.models import RollupDirty
    from suggestions.models import TimelineEvent

    assert "逾期升级督办" in seeded
    escalated = Ticket.objects.filter(escalation_level=1)
    assert escalated.exists()
    assert TimelineEvent.objects.filter(action="escalate").count() == escalated.count()
    assert Notification.objects.filter(recipient__username="unit", kind="escalation").exists()
    assert not RollupDirty.objects.exists()


def test_session_and_ticket_invariants(seeded):
    sessions = ReceptionSession.objects.annotate(t=Count("tickets"))
    assert not sessions.filter(t__gt=F("citizens_received")).exists()
    present = Attendance.objects.filter(session=OuterRef("reception"), present=True)
    tickets = Ticket.objects.all()
    assert (
        not tickets.filter(received_by_deputy__isnull=False)
        .exclude(Exists(present.filter(deputy=OuterRef("received_by_deputy"))))
        .exists()
    )
    assert (
        not tickets.filter(received_by_cadre__isnull=False)
        .exclude(Exists(present.filter(cadre=OuterRef("received_by_cadre"))))
        .exists()
    )
    spot = tickets.filter(tier="on_the_spot")
    assert spot.exists() and not spot.exclude(status="closed").exists()
    assert not spot.exclude(closed_at__date=TruncDate("received_at")).exists()
    assert not tickets.filter(closed_at__lt=F("received_at")).exists()
    assert not tickets.exclude(received_at__date=TruncDate("reception__starts_at")).exists()
    assert tickets.filter(status__in=["assigned", "replied", "delivered"]).exists()  # some still open
    assert tickets.filter(status="merged").exists()
    assert not ReceptionSession.objects.filter(starts_at__year__lt=2023).exists()


def test_logins(city):
    assert User.objects.get(username="admin").is_superuser
    roles = {
        ra.user.username: ra
        for ra in RoleAssignment.objects.select_related(
            "user", "region", "station", "deputy", "handling_unit"
        )
    }
    assert {u: ra.role for u, ra in roles.items()} == {
        "admin": Role.ADMIN,
        "city": Role.CITY_STAFF,
        "county": Role.COUNTY_STAFF,
        "chair": Role.STATION_HEAD,
        "officer": Role.LIAISON_OFFICER,
        "deputy": Role.DEPUTY,
        "unit": Role.HANDLING_UNIT,
    }
    county = roles["county"].region
    assert roles["city"].region == city and county.name == "交城县"
    township = roles["chair"].region
    assert township.level == RegionLevel.TOWNSHIP and township.path.startswith(county.path)
    station = roles["officer"].station
    assert station.region == township and station.tickets.exists()
    deputy = roles["deputy"].deputy
    assert deputy.home_station == station and deputy.tickets.exists() and deputy.attendances.exists()
    unit = roles["unit"].handling_unit
    assert unit.region == county and unit.kind == "county_dept" and unit.tickets.exists()
    assert User.objects.get(username="chair").check_password(DEMO_PASSWORD)


def test_second_run_without_reset_changes_nothing(seeded):
    def state():
        return (
            [
                m.objects.count()
                for m in (
                    Region,
                    Station,
                    Deputy,
                    Mandate,
                    ReceptionSession,
                    Attendance,
                    Ticket,
                    User,
                    RoleAssignment,
                )
            ],
            Ticket.objects.aggregate(m=Max("updated_at"))["m"],
            User.objects.get(username="admin").password,
        )

    before = state()
    out = StringIO()
    call_command("seed_demo", "--no-progress", stdout=out)
    assert "已存在" in out.getvalue() and "Liaison-demo-2023" in out.getvalue()
    assert state() == before


def test_deterministic(seeded):
    """The database holds exactly what a fresh in-memory generation with the default seed gives."""
    categories = {c.code: c for c in Category.objects.all()}
    data = build_city(
        seed=DEFAULT_SEED,
        copy_index=0,
        root_step=1,
        city_code4="1411",
        city_name="吕梁市",
        county_names=None,
        categories=categories,
    )
    generated = digest(
        sorted((str(d.id), d.name, d.phone, str(d.home_station.id)) for d in data.deputies),
        sorted((str(t.id), t.citizen_name, t.received_at.timestamp(), str(t.status)) for t in data.tickets),
        sorted((r.code, r.name) for r in data.regions),
    )
    stored = digest(
        sorted(
            (str(i), n, p, str(s))
            for i, n, p, s in Deputy.objects.values_list("id", "name", "phone", "home_station")
        ),
        sorted(
            (str(i), n, r.timestamp(), s)
            for i, n, r, s in Ticket.objects.values_list("id", "citizen_name", "received_at", "status")
        ),
        sorted(Region.objects.values_list("code", "name")),
    )
    assert generated == stored


def test_city_copies_have_distinct_codes_and_names():
    copies = city_names(30, DEFAULT_SEED)
    assert copies[0][:2] == ("1411", "吕梁市")
    assert len({c[0] for c in copies}) == 30 and len({c[1] for c in copies}) == 30
    county_names = [n for c in copies[1:] for n in c[2]]
    assert len(set(county_names)) == len(county_names)
    assert copies == city_names(30, DEFAULT_SEED)
