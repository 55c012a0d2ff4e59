"""The ticket state machine, driven by its own table (suggestions.workflow.TRANSITIONS):
every transition allowed from each of its source statuses, refused from every other
status, refused to people who may not take it; plus the rules around it (no close
without a delivered reply, reopen after unsatisfied, merge, events, double submits)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction

from suggestions import services
from suggestions.calendar import add_working_days
from suggestions.models import Attachment, Delivery, Reply, Ticket, TimelineEvent
from suggestions.workflow import TRANSITIONS
from tests.factories import TicketFactory
from tests.suggestions.factories import World, make_world, ticket_in

S = Ticket.Status


@pytest.fixture
def w(db) -> World:
    return make_world()


def _actor(w: World, who: str, ticket: Ticket):
    if who == "can_act_for_unit" or (who == "can_reply_ticket" and ticket.handling_unit_id):
        return w.unit_staff
    return w.officer


# Valid input for each action (the table test fails if a new action has none).
PAYLOAD = {
    "accept": lambda w: {"tier": Ticket.Tier.TOWNSHIP},
    "assign": lambda w: {"handling_unit": w.other_unit},
    "reply": lambda w: {"text": "已答复：本月修复"},
    "request_return": lambda w: {"comment": "不属于本单位职责"},
    "refer_back": lambda w: {"comment": "改交水利局"},
    "deliver_reply": lambda w: {"channel": Delivery.Channel.IN_PERSON},
    "deliver_to_merged": lambda w: {"channel": Delivery.Channel.SMS},
    "record_satisfaction": lambda w: {"satisfaction": Ticket.Satisfaction.BASICALLY},
    "reopen": lambda w: {"comment": "群众不满意，重新办理"},
    "close": lambda w: {"no_evaluation": Ticket.NoEvaluation.REFUSED},
    "withdraw": lambda w: {"comment": "群众撤回"},
    "merge": lambda w: {"into": w.ticket(content="道路坑洼积水")},
}


def _prepare(w: World, action: str, status: str) -> Ticket:
    """A ticket in ``status`` on which ``action`` is valid if the table allows it."""
    if action == "reply" and status == S.ACCEPTED:
        return ticket_in(w, status, tier=Ticket.Tier.ON_THE_SPOT)
    ticket = ticket_in(w, status)
    if action == "reopen" and status == S.DELIVERED:
        ticket = services.ticket_record_satisfaction(
            ticket=ticket, actor=w.officer, satisfaction=Ticket.Satisfaction.UNSATISFIED
        )
    return ticket


def test_every_action_has_test_input():
    assert set(PAYLOAD) == set(TRANSITIONS)


ALLOWED = [(name, s) for name, t in TRANSITIONS.items() for s in t.sources]
REFUSED = [(name, s) for name, t in TRANSITIONS.items() for s in S.values if s not in t.sources]


@pytest.mark.parametrize(("action", "status"), ALLOWED, ids=[f"{a}-from-{s}" for a, s in ALLOWED])
def test_allowed_transition(w, action, status):
    transition = TRANSITIONS[action]
    ticket = _prepare(w, action, status)
    version, events = ticket.version, ticket.timeline.count()
    result = services.ticket_transition(
        ticket=ticket, action=action, actor=_actor(w, transition.who, ticket), **PAYLOAD[action](w)
    )
    result.refresh_from_db()
    assert result.status == transition.target
    assert result.version == version + 1
    event = result.timeline.order_by("-at", "-pk").first()
    assert result.timeline.count() == events + 1
    assert (event.action, event.from_status, event.to_status) == (action, status, transition.target)
    assert event.actor == _actor(w, transition.who, ticket)


@pytest.mark.parametrize(("action", "status"), REFUSED, ids=[f"{a}-from-{s}" for a, s in REFUSED])
def test_refused_transition(w, action, status):
    transition = TRANSITIONS[action]
    ticket = _prepare(w, action, status)
    version, events = ticket.version, ticket.timeline.count()
    with pytest.raises(ValidationError) as exc:
        services.ticket_transition(ticket=ticket, action=action, actor=w.admin, **PAYLOAD[action](w))
    message = exc.value.messages[0]
    assert str(Ticket.Status(status).label) in message and str(transition.label) in message
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, ticket.timeline.count()) == (status, version, events)


@pytest.mark.parametrize(("action", "status"), ALLOWED, ids=[f"{a}-from-{s}" for a, s in ALLOWED])
def test_outsiders_are_refused(w, action, status):
    """A deputy, another unit's staff and county staff (the ticket is not escalated) may
    not take any step; the ticket is unchanged."""
    ticket = _prepare(w, action, status)
    for outsider in (w.deputy, w.other_unit_staff, w.county):
        with pytest.raises(PermissionDenied):
            services.ticket_transition(ticket=ticket, action=action, actor=outsider, **PAYLOAD[action](w))
    ticket.refresh_from_db()
    assert ticket.status == status


def test_the_whole_way_writes_one_event_per_step(w):
    ticket = ticket_in(w, S.CLOSED)
    steps = list(ticket.timeline.order_by("at", "pk").values_list("action", "from_status", "to_status"))
    assert steps == [
        ("register", "", S.REGISTERED),
        ("accept", S.REGISTERED, S.ACCEPTED),
        ("assign", S.ACCEPTED, S.ASSIGNED),
        ("reply", S.ASSIGNED, S.REPLIED),
        ("deliver_reply", S.REPLIED, S.DELIVERED),
        ("record_satisfaction", S.DELIVERED, S.DELIVERED),
        ("close", S.DELIVERED, S.CLOSED),
    ]
    assert ticket.closed_at is not None
    assert ticket.satisfaction == Ticket.Satisfaction.SATISFIED


def test_close_refused_without_a_reply_delivered(w):
    # the table refuses closing a replied ticket whose reply has not reached the citizen
    replied = ticket_in(w, S.REPLIED)
    with pytest.raises(ValidationError, match="已答复"):
        services.ticket_close(ticket=replied, actor=w.officer)
    # and the service refuses a "delivered" ticket with no delivery on record (e.g. imported)
    imported = TicketFactory(station=w.station, category=w.category, status=S.DELIVERED)
    with pytest.raises(ValidationError, match="答复尚未反馈群众"):
        services.ticket_close(ticket=imported, actor=w.officer)
    imported.refresh_from_db()
    assert imported.status == S.DELIVERED and imported.closed_at is None


def test_close_with_unsatisfied_citizen_needs_a_reason(w):
    ticket = ticket_in(w, S.DELIVERED)
    services.ticket_record_satisfaction(
        ticket=ticket, actor=w.officer, satisfaction=Ticket.Satisfaction.UNSATISFIED
    )
    with pytest.raises(ValidationError, match="须说明理由"):
        services.ticket_close(ticket=ticket, actor=w.officer)
    assert services.ticket_close(ticket=ticket, actor=w.officer, comment="已尽力解释").status == S.CLOSED


def test_reopen_after_unsatisfied_is_counted_and_handled_again(w):
    ticket = ticket_in(w, S.DELIVERED)
    with pytest.raises(ValidationError, match="不满意"):
        services.ticket_reopen(ticket=ticket, actor=w.officer, comment="再办")
    services.ticket_record_satisfaction(
        ticket=ticket, actor=w.officer, satisfaction=Ticket.Satisfaction.UNSATISFIED
    )
    ticket = services.ticket_reopen(ticket=ticket, actor=w.officer, comment="群众不满意")
    assert (ticket.status, ticket.reopen_count, ticket.satisfaction) == (S.ACCEPTED, 1, "")
    ticket = services.ticket_assign(ticket=ticket, actor=w.officer, handling_unit=w.unit)
    ticket = services.ticket_reply(ticket=ticket, actor=w.unit_staff, text="第二次答复：已彻底修复")
    # the new reply is not yet delivered: closing is refused until it is
    with pytest.raises(ValidationError):
        services.ticket_close(ticket=ticket, actor=w.officer)
    ticket = services.ticket_deliver_reply(ticket=ticket, actor=w.officer, channel=Delivery.Channel.PHONE)
    services.ticket_record_satisfaction(
        ticket=ticket, actor=w.officer, satisfaction=Ticket.Satisfaction.SATISFIED
    )
    ticket = services.ticket_close(ticket=ticket, actor=w.officer)
    assert ticket.status == S.CLOSED and ticket.reopen_count == 1
    assert Reply.objects.filter(ticket=ticket).count() == 2
    assert Delivery.objects.filter(ticket=ticket).count() == 2


def test_merge_every_citizen_gets_the_reply(w):
    target = w.ticket(content="村东头道路坑洼严重")
    dup1 = w.ticket(content="村东道路坑洼，雨天积水", citizen_name="李四")
    dup2 = w.ticket(content="东头的路坑坑洼洼", citizen_name="王五")
    services.ticket_merge(ticket=dup1, into=target, actor=w.officer)
    services.ticket_merge(ticket=dup2, into=dup1.__class__.objects.get(pk=target.pk), actor=w.head)
    assert set(target.merged_tickets.values_list("pk", flat=True)) == {dup1.pk, dup2.pk}
    assert target.timeline.filter(action="merged_in").count() == 2
    # merged tickets cannot be delivered before the target has a reply
    with pytest.raises(ValidationError, match="主件尚未答复"):
        services.ticket_deliver_to_merged(ticket=dup1, actor=w.officer, channel=Delivery.Channel.PHONE)

    target = services.ticket_accept(ticket=target, actor=w.officer, tier=Ticket.Tier.COUNTY_DEPARTMENT)
    target = services.ticket_assign(ticket=target, actor=w.officer, handling_unit=w.unit)
    target = services.ticket_reply(ticket=target, actor=w.unit_staff, text="已修复")
    target = services.ticket_deliver_reply(ticket=target, actor=w.officer, channel=Delivery.Channel.IN_PERSON)
    with pytest.raises(ValidationError, match="2 件合并件"):
        services.ticket_close(ticket=target, actor=w.officer)
    services.ticket_deliver_to_merged(ticket=dup1, actor=w.officer, channel=Delivery.Channel.PHONE)
    with pytest.raises(ValidationError, match="已反馈给本件群众"):
        services.ticket_deliver_to_merged(ticket=dup1, actor=w.officer, channel=Delivery.Channel.PHONE)
    with pytest.raises(ValidationError, match="1 件合并件"):
        services.ticket_close(ticket=target, actor=w.officer)
    services.ticket_deliver_to_merged(ticket=dup2, actor=w.officer, channel=Delivery.Channel.SMS)
    closed = services.ticket_close(ticket=target, actor=w.officer, satisfaction=Ticket.Satisfaction.SATISFIED)
    assert closed.status == S.CLOSED

    reply = target.replies.get()
    assert set(Delivery.objects.filter(reply=reply).values_list("ticket", flat=True)) == {
        target.pk,
        dup1.pk,
        dup2.pk,
    }
    dup1.refresh_from_db()
    assert dup1.status == S.MERGED and dup1.merged_into_id == target.pk


def test_merging_a_target_moves_its_merged_tickets_along(w):
    a, b, c = w.ticket(content="甲"), w.ticket(content="乙"), w.ticket(content="丙")
    services.ticket_merge(ticket=a, into=b, actor=w.officer)
    services.ticket_merge(ticket=b, into=c, actor=w.officer)
    a.refresh_from_db()
    assert a.merged_into_id == c.pk


def test_merge_refuses_itself_and_closed_targets(w):
    t = w.ticket()
    with pytest.raises(ValidationError, match="自身"):
        services.ticket_merge(ticket=t, into=t, actor=w.officer)
    closed = ticket_in(w, S.CLOSED)
    with pytest.raises(ValidationError, match="已办结"):
        services.ticket_merge(ticket=t, into=closed, actor=w.officer)
    elsewhere = w.ticket(station=w.other_station)
    with pytest.raises(PermissionDenied):
        services.ticket_merge(ticket=t, into=elsewhere, actor=w.officer)


def test_request_return_then_refer_back_and_reassign(w):
    ticket = ticket_in(w, S.ASSIGNED)
    with pytest.raises(ValidationError, match="理由"):
        services.ticket_request_return(ticket=ticket, actor=w.unit_staff, comment="")
    ticket = services.ticket_request_return(ticket=ticket, actor=w.unit_staff, comment="属水利局职责")
    assert ticket.status == S.ASSIGNED and ticket.return_requested_at is not None
    ticket = services.ticket_refer_back(ticket=ticket, actor=w.head, comment="同意退回")
    assert ticket.status == S.ACCEPTED and ticket.handling_unit is None and ticket.return_requested_at is None
    ticket = services.ticket_assign(ticket=ticket, actor=w.head, handling_unit=w.other_unit)
    assert ticket.handling_unit == w.other_unit
    # the first unit no longer sees it; the new one may reply
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, actor=w.unit_staff, text="x")
    assert services.ticket_reply(ticket=ticket, actor=w.other_unit_staff, text="已办").status == S.REPLIED


def test_reply_without_assignment_only_on_the_spot(w):
    ticket = ticket_in(w, S.ACCEPTED, tier=Ticket.Tier.COUNTY_DEPARTMENT)
    with pytest.raises(ValidationError, match="尚未交办"):
        services.ticket_reply(ticket=ticket, actor=w.officer, text="答复")
    spot = ticket_in(w, S.ACCEPTED, tier=Ticket.Tier.ON_THE_SPOT)
    assert services.ticket_reply(ticket=spot, actor=w.officer, text="当场解释").status == S.REPLIED
    with pytest.raises(ValidationError, match="无需交办"):
        services.ticket_assign(
            ticket=ticket_in(w, S.ACCEPTED, tier=Ticket.Tier.ON_THE_SPOT),
            actor=w.officer,
            handling_unit=w.unit,
        )


def test_escalated_tickets_are_decided_by_county_staff_too(w):
    ticket = ticket_in(w, S.ACCEPTED, tier=Ticket.Tier.STANDING_COMMITTEE)
    ticket = services.ticket_assign(ticket=ticket, actor=w.county, handling_unit=w.unit)
    assert ticket.status == S.ASSIGNED


def test_due_dates_on_the_official_calendar(w, monkeypatch):
    from django.utils import timezone

    # accepted on Friday 2024-09-27: county department (15 working days) spans National Day
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 9, 27))
    ticket = services.ticket_accept(ticket=w.ticket(), actor=w.officer, tier=Ticket.Tier.COUNTY_DEPARTMENT)
    # 9/29 (Sun) works, 9/30, 10/1–10/7 off, 10/8–11, 10/12 (Sat) works, 14–18, 21–23
    assert ticket.due_on == dt.date(2024, 10, 23) == add_working_days(dt.date(2024, 9, 27), 15)
    # reassigned a week later: the deadline restarts from the assignment
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2024, 10, 9))
    ticket = services.ticket_assign(
        ticket=ticket, actor=w.officer, handling_unit=w.unit, tier=Ticket.Tier.TOWNSHIP
    )
    assert ticket.due_on == dt.date(2024, 10, 15)  # 10, 11, 12 (Sat, make-up), 14, 15


def test_deadlines_per_tier_are_configurable(w, settings):
    settings.TICKET_DEADLINE_WORKING_DAYS = {Ticket.Tier.TOWNSHIP: 3}
    assert services.deadline_working_days(Ticket.Tier.TOWNSHIP) == 3
    assert services.deadline_working_days(Ticket.Tier.COUNTY_DEPARTMENT) == 15


def test_a_double_submit_does_nothing_twice(w):
    ticket = ticket_in(w, S.DELIVERED)
    version = ticket.version
    services.ticket_record_satisfaction(
        ticket=ticket, actor=w.officer, satisfaction=Ticket.Satisfaction.SATISFIED, expected_version=version
    )
    with pytest.raises(ValidationError, match="已被更新"):
        services.ticket_record_satisfaction(
            ticket=ticket,
            actor=w.officer,
            satisfaction=Ticket.Satisfaction.SATISFIED,
            expected_version=version,
        )
    assert ticket.timeline.filter(action="record_satisfaction").count() == 1
    # a repeated status change fails on the status check
    t = w.ticket()
    services.ticket_accept(ticket=t, actor=w.officer, tier=Ticket.Tier.TOWNSHIP)
    with pytest.raises(ValidationError, match="已受理"):
        services.ticket_accept(ticket=t, actor=w.officer, tier=Ticket.Tier.TOWNSHIP)


def test_events_are_immutable(w):
    ticket = ticket_in(w, S.ASSIGNED)
    event = ticket.timeline.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).update(comment="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.comment == ""


def test_attachments_are_checked_and_kept(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = ticket_in(w, S.ASSIGNED)
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="不支持的附件类型"):
        services.ticket_reply(ticket=ticket, actor=w.unit_staff, text="答复", attachments=[bad])
    settings.TICKET_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"x" * 20, content_type="application/pdf")
    with pytest.raises(ValidationError, match="超过"):
        services.ticket_reply(ticket=ticket, actor=w.unit_staff, text="答复", attachments=[big])
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024
    ok = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    ticket = services.ticket_reply(ticket=ticket, actor=w.unit_staff, text="答复", attachments=[ok])
    attachment = Attachment.objects.get(event__ticket=ticket)
    assert attachment.original_name == "答复函.pdf" and attachment.size == len(b"%PDF-1.4 ok")
    assert ticket.replies.get().event.attachments.get() == attachment
    assert (tmp_path / attachment.file.name).read_bytes() == b"%PDF-1.4 ok"
