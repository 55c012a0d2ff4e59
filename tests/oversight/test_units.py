"""Handling units' performance: the figures are the reports' for the unit, the reopen rate
is counted, the ranking flags laggards."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from oversight import units
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from suggestions.models import Ticket
from tests.factories import HandlingUnitFactory
from tests.oversight.world import YEAR, build_world


@pytest.fixture
def world(db):
    w = build_world()
    w.unit_a = HandlingUnitFactory(name="甲县交通运输局", region=w.county_a)
    w.unit_b = HandlingUnitFactory(name="甲县水利局", region=w.county_a)
    tickets = Ticket.objects.filter(received_by_deputy=w.d1, status__in=["closed", "accepted", "registered"])
    closed = tickets.get(status="closed", received_at__year=YEAR)
    Ticket.objects.filter(pk=closed.pk).update(
        handling_unit=w.unit_a, due_on=dt.date(YEAR, 6, 1), tier="county_dept"
    )
    Ticket.objects.filter(pk=w.reopened.pk).update(handling_unit=w.unit_b, tier="county_dept")
    rollups_refresh(full=True)
    return w


def test_unit_figures_are_the_reports_and_reopens_are_counted(world):
    period = Period.year(YEAR)
    b = units.unit_performance(unit=world.unit_b, period=period)
    assert b["figures"] == figures(scope=Scope(handling_unit=world.unit_b), period=period)
    assert (b["reopened"], b["reopen_rate"]) == (1, 1.0)
    a = units.unit_performance(unit=world.unit_a, period=period)
    assert a["figures"].closed == 1 and a["reopened"] == 0


def test_ranking_and_pages(client, world, user_with_role):
    rows = units.unit_ranking(region=world.county_a, period=Period.year(YEAR))
    assert [r["unit"].name for r in rows] == ["甲县交通运输局", "甲县水利局"]
    assert not rows[0]["lags"] or rows[0]["figures"].on_time_rate is not None
    staff = user_with_role(Role.COUNTY_STAFF, region=world.county_a)
    client.force_login(staff)
    page = client.get(reverse("oversight:units", args=[world.county_a.pk]), {"year": YEAR}).content.decode()
    assert page.index("甲县交通运输局") < page.index("甲县水利局")
    unit_user = user_with_role(Role.HANDLING_UNIT, handling_unit=world.unit_a)
    client.force_login(unit_user)
    assert client.get(reverse("oversight:unit", args=[world.unit_a.pk]), {"year": YEAR}).status_code == 200
    assert client.get(reverse("oversight:unit", args=[world.unit_b.pk]), {"year": YEAR}).status_code == 404
