"""seed_demo's deputy suggestions and supervision items (``motions.demo``): a session's
suggestions and a year's items in every state, timelines that end in each record's state,
numbers without gaps, deterministic; the figures and the circular of the demo year have
them; a reset deletes them (append-only timelines included)."""

from __future__ import annotations

import pytest

from liaison.demo.seed import delete_demo_data
from motions.demo import seed_motions
from motions.models import CongressSession, DeputySuggestion, SuggestionEvent, SupervisionItem
from motions.selectors import region_motion_figures
from reports.periods import Period
from suggestions.models import HandlingUnit, Ticket, TimelineEvent
from tests.factories import (
    DeputyFactory,
    HandlingUnitFactory,
    StationFactory,
    TicketFactory,
    make_region_tree,
)

pytestmark = pytest.mark.django_db


def scope():
    tree = make_region_tree()
    county = tree.counties[0]
    station = StationFactory(region=tree.townships[0])
    deputies = [DeputyFactory(home_station=station) for _ in range(8)]
    units = [
        HandlingUnitFactory(name=f"县{n}局", region=county, kind=HandlingUnit.Kind.COUNTY_DEPARTMENT)
        for n in ("交通", "教育", "卫健", "水务")
    ]
    TicketFactory(station=station, tier=Ticket.Tier.DEPUTY_SUGGESTION, status=Ticket.Status.ACCEPTED)
    return {"county": county, "deputy": deputies[0], "unit": units[0]}


def snapshot():
    return sorted(
        DeputySuggestion.objects.values_list(
            "number", "title", "status", "reply_class", "satisfaction", "due_on", "replied_on"
        ),
        key=repr,
    ), sorted(SupervisionItem.objects.values_list("number", "status", "outcome", "reported_on"))


def test_every_state_consistent_and_counted():
    sc = scope()
    counts = seed_motions(scope=sc, seed=1, year=2023)
    assert counts["DeputySuggestion"] == 24 and counts["SupervisionItem"] == 12
    assert set(DeputySuggestion.objects.values_list("status", flat=True)) == set(
        DeputySuggestion.Status.values
    )
    assert set(SupervisionItem.objects.values_list("status", flat=True)) == set(SupervisionItem.Status.values)
    for s in DeputySuggestion.objects.prefetch_related("timeline"):
        steps = list(s.timeline.order_by("at", "pk"))
        assert steps[0].action == "submit" and steps[-1].to_status == s.status, (s.title, steps)
        assert all(a.to_status == b.from_status for a, b in zip(steps, steps[1:], strict=False)), s.title
        if s.replied_on:
            assert s.consultations.exists() and s.replied_on >= s.assigned_on
    numbers = sorted(n for n in DeputySuggestion.objects.values_list("number", flat=True) if n)
    assert (
        numbers
        == list(range(1, len(numbers) + 1))
        == list(range(1, CongressSession.objects.get().last_number + 1))
    )
    for i in SupervisionItem.objects.prefetch_related("timeline"):
        steps = list(i.timeline.order_by("at", "pk"))
        assert steps[0].action == "list" and steps[-1].to_status == i.status
    assert DeputySuggestion.objects.filter(submitted_by=sc["deputy"]).exists()
    assert DeputySuggestion.objects.filter(lead_unit=sc["unit"]).exists()
    assert SupervisionItem.objects.filter(departments=sc["unit"]).exists()
    assert TimelineEvent.objects.filter(action="motion_submitted").count() == 1
    figs = region_motion_figures(region=sc["county"], period=Period.year(2023))
    t = figs.total
    assert t.assigned == 19 and t.a and t.b and t.c and t.unsatisfied and t.rehandled == 2
    assert 0 < t.on_time_rate < 100 and figs.supervision.total == 12 and figs.supervision.resupervised == 2


def test_deterministic_and_reset():
    sc = scope()
    seed_motions(scope=sc, seed=7, year=2023)
    first = snapshot()
    assert SuggestionEvent.objects.exists()
    delete_demo_data()  # the append-only timelines go with the demo
    assert not DeputySuggestion.objects.exists() and not SupervisionItem.objects.exists()
    sc = scope()
    seed_motions(scope=sc, seed=7, year=2023)
    again = snapshot()
    assert [r[1:] for r in first[0]] == [r[1:] for r in again[0]] and first[1] == again[1]
