"""The five-star rating traced to its inputs on the constructed world."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from oversight import stations
from oversight.models import (
    ChecklistItem,
    Inspection,
    InspectionFinding,
    StarCriterion,
    StarRule,
    StationMeasure,
    StationRating,
)
from stations.models import StationFunding
from suggestions.models import Ticket
from tests.oversight.world import YEAR, at, build_world
from visits.models import ReceptionSlot


@pytest.fixture
def world(db):
    return rated_world()


def rated_world():
    """The constructed world with a star rule, slots, funding and two inspections."""
    w = build_world()
    sa = w.station_a
    # four published slots at 甲镇站, one held (the 3-05 reception day)
    slots = [
        ReceptionSlot.objects.create(
            station=sa, date=dt.date(YEAR, m, 5), starts=dt.time(9), ends=dt.time(12)
        )
        for m in (3, 4, 10, 11)
    ]
    first = sa.receptions.get(starts_at=at(YEAR, 3, 5))
    first.slot = slots[0]
    first.save(update_fields=["slot"])
    StationFunding.objects.create(station=sa, year=YEAR, amount=Decimal("30000"))
    # an older inspection with everything met, then the year's latest with two problems
    old = Inspection.objects.create(station=sa, visited_on=dt.date(YEAR, 2, 1), inspectors="甲县人大代表工委")
    InspectionFinding.objects.create(inspection=old, item=ChecklistItem.VENUE, passed=True)
    latest = Inspection.objects.create(
        station=sa, visited_on=dt.date(YEAR, 9, 1), inspectors="吕梁市人大代表工委"
    )
    for i, item in enumerate(ChecklistItem.values):
        InspectionFinding.objects.create(
            inspection=latest,
            item=item,
            passed=i >= 2,
            finding="" if i >= 2 else "制度未上墙",
            fix_by=dt.date(YEAR, 10, 1) if i < 2 else None,
        )
    # deadlines for the on-time rate: the May ticket was closed on time, the November one late
    Ticket.objects.filter(station=sa, received_at=at(YEAR, 3, 5)).update(due_on=dt.date(YEAR, 6, 1))
    Ticket.objects.filter(pk=w.reopened.pk).update(due_on=dt.date(YEAR, 7, 1), tier="township")
    rule = StarRule.objects.create(region=w.city, year=YEAR, name="吕梁市五星级联络站评定办法")

    def criterion(measure, *t, order=0):
        StarCriterion.objects.create(
            rule=rule,
            measure=measure,
            sort_order=order,
            **dict(
                zip(
                    ("one_star", "two_stars", "three_stars", "four_stars", "five_stars"),
                    map(Decimal, t),
                    strict=True,
                )
            ),
        )

    criterion(StationMeasure.RECEPTION_DAYS, 1, 2, 4, 8, 12, order=1)
    criterion(StationMeasure.CLOSURE_RATE, "0.3", "0.5", "0.6", "0.8", "0.9", order=2)
    criterion(StationMeasure.CHECKLIST_PASSED, "0.5", "0.6", "0.7", "0.9", "1", order=3)
    criterion(StationMeasure.TIMETABLE_HELD, "0.1", "0.25", "0.5", "0.75", "1", order=4)
    w.rule = rule
    return w


def test_station_inputs_traced(world):
    m = stations.station_measures(stations=stations.rated_stations(region=world.city), year=YEAR)[
        world.station_a.pk
    ]
    assert (m["slots"], m["slots_held"], m["timetable_held"]) == (4, 1, 0.25)
    # 3-05, 6-05 and 8-01 (held, its deputy absent); not the draft
    assert m["reception_days"] == 3
    # 代表一 on 3-05 and 6-05, 代表三 on 3-05; both based there
    assert m["entries"] == 3 and m["deputies_based"] == 2
    # the ticket reopened in 2026 is not closed for 2025 (the one rule, closed_by)
    assert m["collected"] == 3 and m["closed"] == 1 and m["on_time"] == 1
    assert m["ledger_complete"] == pytest.approx(1 / 3)
    assert m["funding"] == 30000.0
    assert (m["items_checked"], m["items_passed"]) == (11, 9)  # the latest inspection only


def test_stars_take_the_lowest_level_and_closed_stations_are_not_rated(world):
    ratings = {r.station.name: r for r in stations.station_rating_run(region=world.city, year=YEAR)}
    assert set(ratings) == {"甲镇站", "乙镇站"}  # 丙站 closed in July
    a = ratings["甲镇站"]
    # reception days 3 → 2 stars; closure 1/3 → 1; checklist 9/11 → 3; timetable 1/4 → 2
    assert a.levels == {"reception_days": 2, "closure_rate": 1, "checklist_passed": 3, "timetable_held": 2}
    assert a.computed_stars == a.stars == 1
    assert a.inputs["slots_held"] == 1 and a.rule["rule_id"] == world.rule.pk
    b = ratings["乙镇站"]
    # no reception day (a themed activity only) → 0; closure, checklist, timetable do not apply
    assert b.levels == {
        "reception_days": 0,
        "closure_rate": None,
        "checklist_passed": None,
        "timetable_held": None,
    }
    assert b.stars == 0


def test_override_needs_a_reason_is_kept_and_audited(world):
    a = next(
        r for r in stations.station_rating_run(region=world.city, year=YEAR) if r.station == world.station_a
    )
    with pytest.raises(ValidationError):
        stations.station_rating_override(rating_id=a.pk, stars=3, reason="", actor=None)
    stations.station_rating_override(rating_id=a.pk, stars=3, reason="年中新建场地", actor=None)
    again = next(
        r for r in stations.station_rating_run(region=world.city, year=YEAR) if r.station == world.station_a
    )
    assert (again.computed_stars, again.stars, again.override_reason) == (1, 3, "年中新建场地")
    Event = StationRating.pgh_event_model
    assert Event.objects.filter(stars=3, override_reason="年中新建场地", pgh_label="update").exists()


def test_rating_is_set_based(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for region in (world.county_a, world.city):
        with CaptureQueriesContext(connection) as ctx:
            stations.station_rating_run(region=region, year=YEAR)
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_the_why_page(client, world, user_with_role, django_assert_max_num_queries):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    client.force_login(staff)
    client.post(reverse("oversight:rating_run", args=[world.city.pk]), {"year": YEAR})
    url = f"{reverse('oversight:ratings', args=[world.city.pk])}?year={YEAR}"
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert "为什么是 1 星" in page and 'data-stars="1"' in page and "决定星级" in page
