"""As-of figures from the timeline: a period's figures as they stood at a moment equal a
snapshot taken then, whatever happened after (a ticket closed, one reopened, one entered
late); the monthly job fixes each city's and county's month and year to date once; the
snapshots page is scoped and checks a snapshot against the timeline."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from reports import asof
from reports.models import ReportSnapshot
from reports.periods import Period, Scope
from reports.services import (
    AUTO_SNAPSHOT_TITLE,
    report_snapshot_create,
    report_snapshots_monthly,
    rollups_refresh,
)
from suggestions.models import Ticket
from tests.api.concurrency import at_once
from tests.factories import TicketFactory
from tests.oversight.world import YEAR, at, build_world, event


@pytest.fixture
def world(db):
    w = build_world()
    rollups_refresh(full=True)
    return w


def _change_everything_after(world):
    """After the snapshot: the open ticket is closed, the May one reopened, and a ticket
    of the period entered late (its first event now)."""
    S = Ticket.Status
    now = timezone.now()
    open_one = Ticket.objects.get(station=world.station_a, received_at=at(YEAR, 9, 9))
    event(open_one, now, S.DELIVERED, S.CLOSED, "close")
    Ticket.objects.filter(pk=open_one.pk).update(status=S.CLOSED, closed_at=now)
    may = Ticket.objects.get(station=world.station_a, received_at=at(YEAR, 3, 5), closed_at__isnull=False)
    event(may, now, S.CLOSED, S.ACCEPTED, "reopen")
    Ticket.objects.filter(pk=may.pk).update(status=S.ACCEPTED, closed_at=None)
    late = TicketFactory(station=world.station_b, received_at=at(YEAR, 8, 8), status=S.REGISTERED)
    event(late, now, "", S.REGISTERED, "register")
    rollups_refresh(full=True)


def test_as_of_figures_equal_a_snapshot_taken_then(world):
    period = Period.year(YEAR)
    snaps = [
        report_snapshot_create(scope=Scope(region=r), period=period, title="年报")
        for r in (world.city, world.county_a, world.county_b)
    ]
    # the timeline's rule gives the snapshot's numbers at its moment (the ticket reopened in
    # 2026 was reopened before now: not closed, as the live figures say)
    for s in snaps:
        then = asof.figures_as_of(scope=Scope(region=s.region), period=period, at=s.as_of)
        assert (then.collected, then.closed) == (
            s.figures["total"]["collected"],
            s.figures["total"]["closed"],
        )
    _change_everything_after(world)
    for s in snaps:
        then = asof.figures_as_of(scope=Scope(region=s.region), period=period, at=s.as_of)
        assert (then.collected, then.closed) == (
            s.figures["total"]["collected"],
            s.figures["total"]["closed"],
        )
        assert (then.deputy_collected, then.deputy_closed) == (
            s.figures["total"]["deputy_collected"],
            s.figures["total"]["deputy_closed"],
        )
    city = asof.figures_as_of(scope=Scope(region=world.city), period=period, at=snaps[0].as_of)
    assert (city.collected, city.closed) == (3, 1)
    # now: the late one collected; the May one reopened; the open one closed, but after the
    # year's end, so not closed for it
    now = asof.figures_as_of(scope=Scope(region=world.city), period=period, at=timezone.now())
    assert (now.collected, now.closed) == (4, 0)


def test_the_reopened_ticket_was_closed_as_of_the_new_year(world):
    # closed on 2025-11-20, reopened 2026-02-03: as of 2026-01-05 it was closed for 2025
    on = asof.figures_as_of(
        scope=Scope(region=world.city), period=Period.year(YEAR), at=asof.end_of_day(dt.date(YEAR + 1, 1, 5))
    )
    assert (on.collected, on.closed) == (3, 2)
    # and as of 2025-06-30 for H1: the May closing only
    h1 = asof.figures_as_of(
        scope=Scope(region=world.city), period=Period.half(YEAR, 1), at=asof.end_of_day(dt.date(YEAR, 6, 30))
    )
    assert (h1.collected, h1.closed) == (2, 1)


def test_the_monthly_job_fixes_each_city_and_county_once(world):
    today = dt.date(YEAR, 7, 1)
    made = report_snapshots_monthly(today=today)
    # 吕梁市, 甲县, 乙县 × (June, January–June)
    assert made == 6
    assert report_snapshots_monthly(today=today) == 0
    june = ReportSnapshot.objects.get(
        region=world.city, period_start=dt.date(YEAR, 6, 1), period_end=dt.date(YEAR, 6, 1)
    )
    assert june.title == AUTO_SNAPSHOT_TITLE
    ytd = ReportSnapshot.objects.get(
        region=world.city, period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 6, 1)
    )
    assert ytd.figures["total"]["collected"] == 2
    from django.conf import settings

    assert any(e.get("args") == ["snapshots"] for e in settings.CELERY_BEAT_SCHEDULE.values())


@pytest.mark.django_db(transaction=True)
def test_twenty_monthly_runs_at_once_make_each_snapshot_once():
    build_world()
    at_once(20, lambda _: report_snapshots_monthly(today=dt.date(YEAR, 7, 1)))
    assert ReportSnapshot.objects.count() == 6


def test_the_snapshots_page(client, world, user_with_role, django_assert_max_num_queries):
    report_snapshots_monthly(today=dt.date(YEAR, 7, 1))
    staff = user_with_role(Role.COUNTY_STAFF, region=world.county_a)
    client.force_login(staff)
    url = reverse("oversight:snapshots", args=[world.county_a.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    # 甲县's two, not the city's nor 乙县's
    assert page.count("?s=") == 2
    snap = ReportSnapshot.objects.filter(region=world.county_a).first()
    checked = client.get(url, {"s": snap.pk}).content.decode()
    assert 'data-check="same"' in checked
    other = ReportSnapshot.objects.filter(region=world.county_b).first()
    assert client.get(url, {"s": other.pk}).status_code == 404
    answer = client.get(url, {"year": YEAR, "part": "year", "on": f"{YEAR + 1}-01-05"}).content.decode()
    assert 'data-asof="collected">3<' in answer and 'data-asof="closed">2<' in answer
    assert 'data-live="closed">1<' in answer
    bad = client.get(url, {"year": YEAR, "part": "year", "on": "2025-13-40"})
    assert bad.status_code == 400 and "日期格式应为" in bad.content.decode()
