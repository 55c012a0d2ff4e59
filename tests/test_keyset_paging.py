"""Every list and queue page pages by keyset to its end: with all rows sharing one
timestamp (and deputies one name), walking the "next" links shows each row exactly once,
walking back with "previous" retraces the pages, and a page's query count does not grow
with the rows."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deputies.models import Deputy
from liaison.pagination import PAGE_SIZE
from suggestions.models import Ticket
from tests.factories import DeputyFactory, ReceptionSessionFactory
from tests.suggestions.factories import World, make_world
from visits.models import ReceptionSession

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.UTC)
N = 2 * PAGE_SIZE + 7  # three pages, the last one short


@pytest.fixture
def w() -> World:
    return make_world()


def _tickets(w: World, n: int, **fields) -> list:
    rows = [
        Ticket(
            station=w.station,
            category=w.category,
            content=f"道路坑洼 {i}",
            citizen_name="张三丰",
            received_at=MOMENT,
            created_at=MOMENT,
            **fields,
        )
        for i in range(n)
    ]
    Ticket.objects.bulk_create(rows)
    return [t.pk for t in rows]


def walk(client, url: str, *, key: str = "page") -> tuple[list, list[int]]:
    """Follow "next" to the end, then "previous" back to the start. Returns the row ids
    in order and the query count of each forward page."""
    seen, queries, pages, cursor = [], [], [], None

    def at(cursor):
        return url + ("&" if "?" in url else "?") + urlencode({"cursor": cursor}) if cursor else url

    while True:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(at(cursor))
        assert r.status_code == 200
        queries.append(len(ctx.captured_queries))
        page = r.context[key]
        pages.append([row.pk for row in page])
        seen.extend(row.pk for row in page)
        if not page.has_next:
            break
        assert 'rel="next"' in r.content.decode()
        cursor = page.next_cursor
    back = [pages[-1]]
    cursor = client.get(at(cursor)).context[key].previous_cursor
    while cursor:
        page = client.get(at(cursor)).context[key]
        back.append([row.pk for row in page])
        cursor = page.previous_cursor
    assert back[::-1] == pages, "walking back retraces the same pages"
    return seen, queries


def test_ticket_list_walks_to_the_end_with_one_timestamp(client, w):
    ids = _tickets(w, N)
    client.force_login(w.officer)
    seen, queries = walk(client, reverse("suggestions:list"))
    assert sorted(seen, key=str) == sorted(ids, key=str) and len(seen) == len(set(seen)) == N
    assert len(set(queries)) == 1, queries
    r = client.get(reverse("suggestions:list"))
    assert f"共 {N} 件" in r.content.decode()


@pytest.mark.parametrize("order", ["received_at", "-received_at", "due_on", "-due_on"])
def test_ticket_list_every_ordering_walks_to_the_end(client, w, order):
    ids = _tickets(w, N)
    # half with a deadline (all the same day), half without: NULLs page too
    Ticket.objects.filter(pk__in=ids[::2]).update(due_on=dt.date(2024, 6, 1))
    client.force_login(w.officer)
    seen, _q = walk(client, reverse("suggestions:list") + f"?o={order}")
    assert len(seen) == len(set(seen)) == N


def test_escalation_filter(client, w):
    escalated = set(_tickets(w, 3, tier=Ticket.Tier.STANDING_COMMITTEE, status=Ticket.Status.ACCEPTED))
    raised = set(_tickets(w, 2, escalation_level=1, status=Ticket.Status.ACCEPTED))
    plain = set(_tickets(w, 4, status=Ticket.Status.ACCEPTED))
    client.force_login(w.county)
    yes = {t.pk for t in client.get(reverse("suggestions:list"), {"escalated": "yes"}).context["page"]}
    no = {t.pk for t in client.get(reverse("suggestions:list"), {"escalated": "no"}).context["page"]}
    assert yes == escalated | raised and no == plain


def test_supervision_queue_section_walks_all_escalated(client, w):
    """The city's 督办 queue stopped at 50 of 161: a section now pages to its end."""
    ids = _tickets(w, N, tier=Ticket.Tier.STANDING_COMMITTEE, status=Ticket.Status.ACCEPTED)
    client.force_login(w.county)
    overview = client.get(reverse("suggestions:supervision_queue"))
    assert "?section=escalated" in overview.content.decode()
    seen, queries = walk(client, reverse("suggestions:supervision_queue") + "?section=escalated", key="paged")
    assert sorted(seen, key=str) == sorted(ids, key=str) and len(seen) == len(set(seen))
    assert len(set(queries)) == 1, queries
    assert client.get(reverse("suggestions:supervision_queue"), {"section": "nope"}).status_code == 404


def test_decision_queue_overdue_section_walks_to_the_end(client, w):
    overdue = timezone.localdate() - dt.timedelta(days=5)
    ids = _tickets(w, N, status=Ticket.Status.ASSIGNED, due_on=overdue, handling_unit=w.unit)
    client.force_login(w.officer)
    seen, _q = walk(client, reverse("suggestions:decision_queue") + "?section=overdue", key="paged")
    assert set(seen) == set(ids) and len(seen) == N
    client.force_login(w.unit_staff)
    seen, _q = walk(client, reverse("suggestions:unit_queue") + "?section=assigned", key="paged")
    assert set(seen) == set(ids) and len(seen) == N


def test_reception_list_walks_to_the_end(client, w):
    ReceptionSession.objects.bulk_create(
        [
            ReceptionSessionFactory.build(station=w.station, starts_at=MOMENT, created_at=MOMENT)
            for _ in range(N)
        ]
    )
    client.force_login(w.officer)
    for order in ("", "starts_at", "-citizens_received"):
        seen, queries = walk(client, reverse("visits:list") + (f"?o={order}" if order else ""))
        assert len(seen) == len(set(seen)) == N
        assert len(set(queries)) == 1, queries


def test_deputy_list_walks_to_the_end_with_one_name(client, w):
    Deputy.objects.bulk_create([DeputyFactory.build(home_station=w.station, name="王芳") for _ in range(N)])
    client.force_login(w.county)
    seen, queries = walk(client, reverse("deputies:list"))
    assert len(seen) == len(set(seen)) == Deputy.objects.count()
    assert len(set(queries)) == 1, queries


def test_a_forged_cursor_gives_the_first_page(client, w):
    _tickets(w, 3)
    client.force_login(w.officer)
    r = client.get(reverse("suggestions:list"), {"cursor": "forged"})
    assert r.status_code == 200 and len(r.context["page"]) == 3


@pytest.mark.parametrize("order", ["", "name", "-name", "established_on", "-established_on"])
def test_station_list_walks_to_the_end_with_one_name(client, w, order):
    from stations.models import Station
    from tests.factories import StationFactory

    rows = [StationFactory.build(name="城关镇联络站", region=w.station.region) for _ in range(N)]
    for row in rows[::2]:
        row.established_on = dt.date(2020, 1, 1)  # half on one day, half with none: NULLs page too
    Station.objects.bulk_create(rows)
    client.force_login(w.county)
    seen, queries = walk(client, reverse("stations:list") + (f"?o={order}" if order else ""))
    assert len(seen) == len(set(seen)) and {r.pk for r in rows} <= set(seen)
    assert len(set(queries)) == 1, queries


def test_audit_list_and_sign_in_log_walk_to_the_end(client, w):
    if connection.vendor != "postgresql":
        pytest.skip("the audit trail lives in PostgreSQL triggers")
    from axes.models import AccessLog

    from accounts.models import Role
    from tests.factories import UserFactory

    _tickets(w, N)  # each insert is an audit event (pghistory's triggers)
    client.force_login(w.county)
    seen, queries = walk(client, reverse("accounts:audit") + "?kind=ticket")
    assert len(seen) == len(set(seen)) >= N
    assert len(set(queries)) == 1, queries
    AccessLog.objects.bulk_create(
        [
            AccessLog(username="officer", ip_address="10.0.0.1", user_agent="t", attempt_time=MOMENT)
            for _ in range(N)
        ]
    )
    admin = UserFactory(username="root")
    admin.roles.create(role=Role.ADMIN)
    client.force_login(admin)
    seen, _q = walk(client, reverse("accounts:audit") + "?kind=signins")
    assert len(seen) == len(set(seen)) == AccessLog.objects.count()
