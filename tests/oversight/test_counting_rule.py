"""One counting rule (``suggestions.selectors.closed_by``) read by all four: the dashboard,
the circular, the performance file and the station rating give the same "closed" for the
same period and scope, including a ticket reopened after the period ends and a ticket
reopened after its period and closed again later."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from oversight import circulars, stations
from oversight.models import StarCriterion, StarRule, StationMeasure
from oversight.selectors import file_measures
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from suggestions.models import Ticket
from tests.factories import TicketFactory
from tests.oversight.world import YEAR, at, build_world, event


@pytest.fixture
def world(db):
    w = build_world()
    S = Ticket.Status
    # received in Q1, closed in February, reopened in April (after Q1), closed again in May:
    # not closed for Q1 (its closing time is May), closed for the year
    first = w.station_a.receptions.get(starts_at=at(YEAR, 3, 5))
    late = TicketFactory(
        station=w.station_a,
        reception=first,
        received_by_deputy=w.d1,
        received_at=at(YEAR, 3, 6),
        status=S.CLOSED,
        closed_at=at(YEAR, 5, 20),
    )
    event(late, at(YEAR, 3, 6), "", S.REGISTERED, "register")
    event(late, at(YEAR, 3, 20), S.DELIVERED, S.CLOSED, "close")
    event(late, at(YEAR, 4, 2), S.CLOSED, S.ACCEPTED, "reopen")
    event(late, at(YEAR, 5, 20), S.DELIVERED, S.CLOSED, "close")
    w.late = late
    rule = StarRule.objects.create(region=w.city, year=YEAR, name="办法")
    StarCriterion.objects.create(
        rule=rule,
        measure=StationMeasure.CLOSURE_RATE,
        one_star="0.1",
        two_stars="0.2",
        three_stars="0.4",
        four_stars="0.6",
        five_stars="0.8",
    )
    rollups_refresh(full=True)
    return w


def dashboard_figures(client, region, **period) -> dict:
    html = client.get(reverse("dashboards:region", args=[region.pk]), period).content.decode()
    cards = html[html.index('class="dash-cards"') :]
    return {name: int(v.replace(",", "")) for name, v in re.findall(r'data-figure="(\w+)">([\d,]+)<', cards)}


@pytest.mark.parametrize(
    ("period", "query", "collected", "closed"),
    [
        # the year: t1 (May) and the late one (May) closed; the one reopened in 2026 is not
        (Period.year(YEAR), {"period": "year", "year": YEAR}, 4, 2),
        # Q1: t1 was closed in May, the late one's closing time is May too: none closed
        (Period.quarter(YEAR, 1), {"period": "quarter", "year": YEAR, "quarter": 1}, 2, 0),
        # H2: the reopened ticket was received in June: nothing collected
        (Period.half(YEAR, 2), {"period": "half", "year": YEAR, "half": 2}, 1, 0),
    ],
)
def test_the_circular_equals_the_dashboard(client, world, user_with_role, period, query, collected, closed):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    client.force_login(staff)
    c = circulars.circular_draft(region=world.city, period=period, actor=staff, issuing_office="市人大常委会")
    dash = dashboard_figures(client, world.city, **query)
    for name in ("collected", "closed", "citizens_received"):
        assert c.figures["whole"][name] == dash[name], name
    assert (c.figures["whole"]["collected"], c.figures["whole"]["closed"]) == (collected, closed)
    assert (dash["collected"], dash["closed"]) == (collected, closed)
    for row in c.figures["below"]:
        county = world.county_a if row["name"] == world.county_a.name else world.county_b
        d = dashboard_figures(client, county, **query)
        assert (row["collected"], row["closed"]) == (d.get("collected", 0), d.get("closed", 0))


def test_the_file_and_the_rating_count_closed_as_the_dashboard_does(world):
    year = Period.year(YEAR)
    deputy = figures(scope=Scope(deputy=world.d1), period=year)
    station = figures(scope=Scope(station=world.station_a), period=year)
    m = file_measures(deputies=[world.d1.pk], year=YEAR)[world.d1.pk]
    assert (m["opinions_collected"], m["opinions_closed"]) == (deputy.collected, deputy.closed) == (4, 2)
    rating = next(
        r
        for r in stations.station_rating_run(region=world.city, year=YEAR)
        if r.station_id == world.station_a.pk
    )
    assert (rating.inputs["collected"], rating.inputs["closed"], rating.inputs["on_time"]) == (
        station.collected,
        station.closed,
        station.on_time,
    )
    assert station.closed == 2
