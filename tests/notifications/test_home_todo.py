"""The home page as a to-do list per role (counts, links, quick actions) in a bounded
number of queries, and the navigation showing only what the user's roles can use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.selectors import workbench_todo
from suggestions.calendar import add_working_days
from suggestions.models import Ticket
from tests.suggestions.factories import World, make_world, ticket_in
from visits.models import ReceptionSlot

pytestmark = pytest.mark.django_db
S = Ticket.Status


@pytest.fixture
def w(db) -> World:
    return make_world()


def _add_work(w: World, n: int = 1) -> None:
    """``n`` tickets in each state that waits for someone, one of them overdue."""
    for _ in range(n):
        ticket_in(w, S.REGISTERED)
        ticket_in(w, S.ACCEPTED)
        ticket_in(w, S.ASSIGNED)
        ticket_in(w, S.REPLIED)
        ticket_in(w, S.DELIVERED)
    late = ticket_in(w, S.ASSIGNED)
    Ticket.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))


def _slot(w: World, day: dt.date, hour: int = 9) -> ReceptionSlot:
    slot = ReceptionSlot.objects.create(
        station=w.station, date=day, starts=dt.time(hour), ends=dt.time(hour, 30)
    )
    slot.deputies.add(w.deputy.roles.get().deputy)
    return slot


def _counts(todo) -> dict[str, int]:
    return {f"{g.key}.{i.key}": i.count for g in todo.groups for i in g.items}


def test_the_officer_sees_the_stations_work_and_the_quick_action(w):
    _add_work(w)
    _slot(w, timezone.localdate())
    todo = workbench_todo(user=w.officer)
    counts = _counts(todo)
    assert [g.key for g in todo.groups] == ["station", "receptions"]
    assert counts["station.to_accept"] == 1
    assert counts["station.to_assign"] == 1
    assert counts["station.to_deliver"] == 1
    assert counts["station.to_rate"] == 1
    assert counts["station.overdue"] == 1
    assert counts["receptions.today"] == 1 and counts["receptions.week"] >= 1
    assert todo.can_log_reception


def test_the_unit_sees_only_its_tickets_to_reply(w):
    _add_work(w)
    ticket = ticket_in(w, S.ASSIGNED)
    Ticket.objects.filter(pk=ticket.pk).update(due_on=add_working_days(timezone.localdate(), 1))
    todo = workbench_todo(user=w.unit_staff)
    counts = _counts(todo)
    assert [g.key for g in todo.groups] == ["unit"]
    assert counts == {"unit.to_reply": 3, "unit.overdue": 1, "unit.due_soon": 1}
    assert not todo.can_log_reception
    assert workbench_todo(user=w.other_unit_staff).total == 0


def test_the_deputy_sees_their_reception_days_only(w):
    _add_work(w)
    today = timezone.localdate()
    _slot(w, today)
    ReceptionSlot.objects.create(
        station=w.station, date=today, starts=dt.time(14), ends=dt.time(16)
    )  # not theirs
    todo = workbench_todo(user=w.deputy)
    assert [g.key for g in todo.groups] == ["receptions"]
    assert _counts(todo)["receptions.today"] == 1


def test_county_staff_see_the_supervision_queue(w):
    _add_work(w)
    todo = workbench_todo(user=w.county)
    assert [g.key for g in todo.groups] == ["supervision"]
    assert _counts(todo)["supervision.overdue"] == 1


def _page_queries(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("who", ["officer", "head", "unit_staff", "deputy", "county", "admin"])
def test_the_home_page_costs_the_same_few_queries_however_much_work_waits(client, w, who):
    user = getattr(w, who)
    _add_work(w)
    few, _html = _page_queries(client, user)
    _add_work(w, 4)
    for i in range(5):
        _slot(w, timezone.localdate() + dt.timedelta(days=i % 2), hour=10 + i).deputies.clear()
    many, html = _page_queries(client, user)
    assert many == few
    # session, user, roles, ticket counts, calendar, slots, unread badge: measured 5 (deputy,
    # county) to 7 (officer, head, admin)
    assert many <= 7, many
    assert "我的待办" in html


def test_the_page_links_each_count_to_its_filtered_list(client, w):
    _add_work(w)
    _count, html = _page_queries(client, w.officer)
    assert f'href="{reverse("suggestions:list")}?status=registered"' in html
    assert f'href="{reverse("suggestions:decision_queue")}#overdue"' in html
    assert f'href="{reverse("visits:create")}"' in html and "登记接待活动" in html
    _count, html = _page_queries(client, w.unit_staff)
    assert f'href="{reverse("suggestions:unit_queue")}#assigned"' in html
    assert "登记接待活动" not in html


def _nav(client, user) -> list[str]:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("<a ")[1:]]


def test_navigation_shows_only_what_each_role_can_use(client, w):
    # 代表建议 (motions): a unit's assigned suggestions, a deputy's own; 履职档案 (oversight):
    # a deputy's own performance file
    assert _nav(client, w.unit_staff) == ["工作台", "意见建议", "代表建议", "办理待办"]
    assert _nav(client, w.deputy) == ["工作台", "接待活动", "意见建议", "数据看板", "履职档案", "代表建议"]
    officer = _nav(client, w.officer)
    assert officer[:6] == ["工作台", "联络站", "人大代表", "接待活动", "意见建议", "数据看板"]
    assert "决定待办" in officer and "办理待办" not in officer


def test_the_home_page_in_english(client, w):
    client.force_login(w.unit_staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert "My to-do" in html and "To reply" in html
    assert "我的待办" not in html and "承办单位待办" not in html
