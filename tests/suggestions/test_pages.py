"""The ticket pages: actions offered by the workflow table and scoping, the browser flow
from registration to closure (POST-redirect-GET), queues scoped and with fixed queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suggestions import services
from suggestions.models import Delivery, Ticket
from tests.suggestions.factories import World, make_world, ticket_in

S = Ticket.Status


@pytest.fixture
def w(db) -> World:
    return make_world()


def _url(name: str, ticket: Ticket) -> str:
    return reverse(f"suggestions:{name}", args=[ticket.pk])


def _post(client, name, ticket, **data):
    prefixed = {f"{name}-{k}": v for k, v in data.items()}
    return client.post(_url(name, ticket), prefixed)


def test_from_registration_to_closure_in_the_browser(client, w):
    ticket = w.ticket()
    client.force_login(w.officer)
    r = _post(client, "accept", ticket, tier=Ticket.Tier.COUNTY_DEPARTMENT, comment="属交通部门")
    assert r.status_code == 302 and r["Location"] == _url("detail", ticket)
    r = _post(client, "assign", ticket, handling_unit=w.unit.pk)
    assert r.status_code == 302

    client.force_login(w.unit_staff)
    page = client.get(_url("detail", ticket)).content.decode()
    assert _url("reply", ticket) in page and _url("request_return", ticket) in page
    assert _url("close", ticket) not in page
    assert _post(client, "reply", ticket, text="已安排施工，月底前修复").status_code == 302

    client.force_login(w.head)
    r = _post(client, "deliver_reply", ticket, channel=Delivery.Channel.PHONE)
    assert r.status_code == 302
    assert _post(client, "record_satisfaction", ticket, satisfaction="satisfied").status_code == 302
    assert _post(client, "close", ticket).status_code == 302

    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED
    page = client.get(_url("detail", ticket)).content.decode()
    for label in ("登记", "受理", "交办", "答复", "反馈群众", "记录评价", "办结"):
        assert f"<strong>{label}</strong>" in page
    assert "已安排施工，月底前修复" in page


def test_only_the_actions_the_viewer_may_take_are_offered(client, w):
    ticket = ticket_in(w, S.REGISTERED)
    client.force_login(w.officer)
    page = client.get(_url("detail", ticket)).content.decode()
    for name in ("accept", "withdraw", "merge"):
        assert _url(name, ticket) in page
    for name in ("assign", "reply", "close"):
        assert _url(name, ticket) not in page
    client.force_login(w.deputy)
    page = client.get(_url("detail", ticket)).content.decode()
    assert 'id="actions"' not in page


def test_form_errors_are_shown_on_the_page(client, w):
    ticket = ticket_in(w, S.ACCEPTED)
    client.force_login(w.officer)
    r = _post(client, "assign", ticket)  # no unit chosen
    assert r.status_code == 200
    assert "该字段是必填项" in r.content.decode()
    r = _post(client, "withdraw", ticket)  # a reason is required
    assert r.status_code == 200


def test_a_double_submit_gets_a_friendly_message(client, w):
    ticket = ticket_in(w, S.REGISTERED)
    client.force_login(w.officer)
    data = {"tier": Ticket.Tier.TOWNSHIP, "expected_version": ticket.version}
    assert _post(client, "accept", ticket, **data).status_code == 302
    r = _post(client, "accept", ticket, **data)
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "当前状态为「已受理」，不能执行「受理」" in page
    assert ticket.timeline.filter(action="accept").count() == 1
    # a self-loop (satisfaction) resubmitted with the old version is refused too
    done = ticket_in(w, S.DELIVERED)
    data = {"satisfaction": "satisfied", "expected_version": done.version}
    assert _post(client, "record_satisfaction", done, **data).status_code == 302
    r = _post(client, "record_satisfaction", done, **data)
    assert "已被更新" in client.get(r["Location"]).content.decode()
    assert done.timeline.filter(action="record_satisfaction").count() == 1


def test_refused_rules_show_a_message(client, w):
    ticket = ticket_in(w, S.REPLIED)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.DELIVERED)  # e.g. imported without a delivery
    client.force_login(w.officer)
    r = _post(client, "close", ticket, no_evaluation="refused")
    assert r.status_code == 302
    assert "答复尚未反馈群众，不能办结" in client.get(r["Location"]).content.decode()


def test_permissions_403_and_404(client, w):
    ticket = ticket_in(w, S.ASSIGNED)
    client.force_login(w.unit_staff)
    assert _post(client, "close", ticket).status_code == 403
    client.force_login(w.other_unit_staff)  # another unit does not even see it
    assert _post(client, "reply", ticket, text="x").status_code == 404
    client.force_login(w.deputy)  # a ticket the deputy did not receive is not theirs to see
    assert _post(client, "reply", ticket, text="x").status_code == 404
    mine = ticket_in(w, S.ASSIGNED, received_by_deputy=w.deputy.roles.get().deputy)
    assert _post(client, "reply", mine, text="x").status_code == 403
    client.force_login(w.officer)
    assert client.get(_url("reply", ticket)).status_code == 405


def test_merge_from_the_ticket_page_with_similar_tickets(client, w):
    first = w.ticket(content="村东头道路坑洼严重，雨天积水，希望尽快修缮")
    unrelated = w.ticket(content="希望村里增设路灯照明")
    duplicate = w.ticket(content="村东头道路坑洼，雨天积水严重")
    client.force_login(w.officer)
    page = client.get(_url("detail", duplicate)).content.decode()
    assert "可能重复" in page
    assert (
        _url("detail", first) in page
        and _url("detail", unrelated) not in page.split("similar-list")[1].split("</ul>")[0]
    )
    r = _post(client, "merge", duplicate, into=first.pk)
    assert r.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into == first


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("user_attr", "url_name"),
    [
        ("unit_staff", "suggestions:unit_queue"),
        ("officer", "suggestions:decision_queue"),
        ("county", "suggestions:supervision_queue"),
        ("officer", "suggestions:list"),
    ],
)
def test_list_pages_have_a_fixed_number_of_queries(
    client, w, user_attr, url_name, django_assert_max_num_queries
):
    client.force_login(getattr(w, user_attr))
    url = reverse(url_name)

    def add_tickets():
        for tier in (Ticket.Tier.COUNTY_DEPARTMENT, Ticket.Tier.STANDING_COMMITTEE):
            ticket_in(w, S.ASSIGNED, tier=tier)
        ticket_in(w, S.REGISTERED)
        ticket_in(w, S.DELIVERED)

    add_tickets()
    few = _count_queries(client, url)
    for _ in range(3):
        add_tickets()
    Ticket.objects.update(due_on=timezone.localdate() - dt.timedelta(days=3))
    assert _count_queries(client, url) == few
    with django_assert_max_num_queries(16):
        client.get(url)


def test_unit_queue_is_scoped_to_the_unit(client, w):
    mine = ticket_in(w, S.ASSIGNED, content="本单位的件：修路")
    theirs = ticket_in(w, S.ACCEPTED, content="水利局的件：修渠")
    services.ticket_assign(ticket=theirs, actor=w.officer, handling_unit=w.other_unit)
    Ticket.objects.filter(pk=mine.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(w.unit_staff)
    page = client.get(reverse("suggestions:unit_queue")).content.decode()
    assert "本单位的件" in page and "水利局的件" not in page
    assert "deadline-red" in page
    client.force_login(w.other_unit_staff)
    page = client.get(reverse("suggestions:unit_queue")).content.decode()
    assert "水利局的件" in page and "本单位的件" not in page


def test_queues_are_refused_to_other_roles(client, w):
    client.force_login(w.deputy)
    for name in ("unit_queue", "decision_queue", "supervision_queue"):
        assert client.get(reverse(f"suggestions:{name}")).status_code == 403


def test_decision_queue_sections(client, w):
    registered = ticket_in(w, S.REGISTERED, content="待受理的件")
    returned = ticket_in(w, S.ASSIGNED, content="申请退回的件")
    services.ticket_request_return(ticket=returned, actor=w.unit_staff, comment="非本单位职责")
    feedback = ticket_in(w, S.DELIVERED, content="待评价的件")
    client.force_login(w.head)
    r = client.get(reverse("suggestions:decision_queue"))
    sections = {key: [t.pk for t in rows] for _title, key, rows, _n in r.context["queue"].sections}
    assert registered.pk in sections["decide"] and returned.pk in sections["decide"]
    assert feedback.pk in sections["feedback"]


def test_supervision_queue_shows_escalated(client, w):
    escalated = ticket_in(w, S.ACCEPTED, tier=Ticket.Tier.STANDING_COMMITTEE, content="提交常委会的件")
    ordinary = ticket_in(w, S.ACCEPTED, content="普通件")
    client.force_login(w.county)
    r = client.get(reverse("suggestions:supervision_queue"))
    sections = {key: [t.pk for t in rows] for _title, key, rows, _n in r.context["queue"].sections}
    assert escalated.pk in sections["escalated"] and ordinary.pk not in sections["escalated"]


def test_deadline_colours_on_the_list(client, w):
    today = timezone.localdate()
    green = ticket_in(w, S.ASSIGNED, content="绿色件")
    red = ticket_in(w, S.ASSIGNED, content="红色件")
    Ticket.objects.filter(pk=green.pk).update(due_on=today + dt.timedelta(days=30))
    Ticket.objects.filter(pk=red.pk).update(due_on=today - dt.timedelta(days=10))
    client.force_login(w.officer)
    r = client.get(reverse("suggestions:list"))
    by_pk = {t.pk: t.deadline.colour for t in r.context["page"].object_list}
    assert by_pk[green.pk] == "green" and by_pk[red.pk] == "red"
    assert "deadline-red" in r.content.decode()


def test_ticket_page_has_a_fixed_number_of_queries(client, w, django_assert_max_num_queries):
    target = ticket_in(w, S.ASSIGNED)
    client.force_login(w.officer)
    few = _count_queries(client, _url("detail", target))
    for i in range(3):
        services.ticket_merge(ticket=w.ticket(content=f"重复件{i}"), into=target, actor=w.officer)
        services.ticket_request_return(ticket=target, actor=w.unit_staff, comment=f"理由{i}")
        target = services.ticket_assign(ticket=target, actor=w.officer, handling_unit=w.unit)
    assert _count_queries(client, _url("detail", target)) == few
    with django_assert_max_num_queries(16):  # 16th: the citizen's earlier opinions (same phone)
        client.get(_url("detail", target))


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_similar_open_tickets(w, monkeypatch, vendor):
    from suggestions.selectors import similar_open_tickets

    first = w.ticket(content="村东头道路坑洼严重，雨天积水，希望尽快修缮")
    w.ticket(content="希望村里增设路灯照明")
    closed = ticket_in(w, S.CLOSED, content="村东头道路坑洼严重，雨天积水")
    elsewhere = w.ticket(station=w.other_station, content="村东头道路坑洼严重，雨天积水")
    new = w.ticket(content="村东头道路坑洼，雨天积水严重")
    monkeypatch.setattr(connection, "vendor", vendor)
    found = similar_open_tickets(user=w.officer, ticket=new)
    assert [t.pk for t in found] == [first.pk]
    assert closed.pk not in found and elsewhere.pk not in found
