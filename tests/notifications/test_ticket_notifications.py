"""Notifications at every handover of a ticket: the right people (and nobody else), a link
to where they act, written in the transaction of the step (a rolled-back step tells
nobody), digested when many arrive at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from liaison import outbox
from liaison.models import OutboxMessage
from notifications.models import Notification
from suggestions import services
from suggestions.models import Ticket
from tests.factories import UserFactory
from tests.suggestions.factories import World, make_world, ticket_in

pytestmark = pytest.mark.django_db
S = Ticket.Status


@pytest.fixture
def w(db) -> World:
    return make_world()


def _told(kind: str) -> dict[str, Notification]:
    return {
        n.recipient.username: n for n in Notification.objects.filter(kind=kind).select_related("recipient")
    }


def test_assigned_tells_the_units_staff_only_with_a_link_to_the_ticket(w):
    colleague = UserFactory(username="colleague")
    colleague.roles.create(role=Role.HANDLING_UNIT, handling_unit=w.unit)
    former = UserFactory(username="former")
    former.roles.create(role=Role.HANDLING_UNIT, handling_unit=w.unit, is_active=False)
    ticket = ticket_in(w, S.ACCEPTED)
    services.ticket_assign(ticket=ticket, actor=w.officer, handling_unit=w.unit)
    told = _told("ticket_assigned")
    assert set(told) == {"unitstaff", "colleague"}  # not the other unit, the station, an inactive role
    n = told["unitstaff"]
    assert n.url == reverse("suggestions:detail", args=[ticket.pk])
    assert n.title.startswith("交办：村东头道路坑洼")
    assert "甲县交通运输局" in n.body and "办理期限" in n.body


def test_replied_tells_the_stations_keepers(w):
    ticket = ticket_in(w, S.ASSIGNED)
    Notification.objects.all().delete()
    services.ticket_reply(ticket=ticket, actor=w.unit_staff, text="本月修复")
    told = _told("ticket_replied")
    assert set(told) == {"officer", "head"}  # the deputy, the county and the unit are not told
    assert told["officer"].url == reverse("suggestions:detail", args=[ticket.pk])
    assert Notification.objects.exclude(kind="ticket_replied").count() == 0


def test_return_requested_tells_the_keepers_and_refer_back_tells_the_unit(w):
    ticket = ticket_in(w, S.ASSIGNED)
    Notification.objects.all().delete()
    services.ticket_request_return(ticket=ticket, actor=w.unit_staff, comment="不属于本单位职责")
    asked = _told("ticket_return_requested")
    assert set(asked) == {"officer", "head"}
    assert "不属于本单位职责" in asked["head"].body
    services.ticket_refer_back(ticket=ticket, actor=w.officer, comment="改交水利局")
    back = _told("ticket_referred_back")
    # the unit that had it (no longer to act) and the other keeper (to assign it again)
    assert set(back) == {"unitstaff", "head"}
    assert "无需再办理" in back["unitstaff"].body and "重新交办" in back["head"].body
    assert back["head"].url == reverse("suggestions:detail", args=[ticket.pk])


def test_the_actor_is_not_told_of_their_own_step(w):
    w.officer.roles.create(role=Role.HANDLING_UNIT, handling_unit=w.unit)
    ticket = ticket_in(w, S.ACCEPTED)
    services.ticket_assign(ticket=ticket, actor=w.officer, handling_unit=w.unit)
    assert set(_told("ticket_assigned")) == {"unitstaff"}


def test_reopen_tells_the_unit(w):
    ticket = ticket_in(w, S.DELIVERED)
    services.ticket_record_satisfaction(
        ticket=ticket, actor=w.officer, satisfaction=Ticket.Satisfaction.UNSATISFIED
    )
    services.ticket_reopen(ticket=ticket, actor=w.officer, comment="群众不满意")
    assert set(_told("ticket_reopened")) == {"unitstaff"}


def test_a_step_that_rolls_back_tells_nobody_and_sends_nothing(w, settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email"]
    w.unit_staff.email = "unit@example.cn"
    w.unit_staff.save()
    ticket = ticket_in(w, S.ACCEPTED)
    outbox_before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_assign(ticket=ticket, actor=w.officer, handling_unit=w.unit)
        assert Notification.objects.filter(kind="ticket_assigned").count() == 1  # written with the step
        raise RuntimeError("the request fails after the step")
    assert Notification.objects.filter(kind="ticket_assigned").count() == 0
    assert OutboxMessage.objects.count() == outbox_before
    assert Ticket.objects.get(pk=ticket.pk).status == S.ACCEPTED


def test_a_refused_step_tells_nobody(w):
    ticket = ticket_in(w, S.ACCEPTED)
    with pytest.raises(Exception):  # noqa: B017 - the status refuses a reply before assignment
        services.ticket_reply(ticket=ticket, actor=w.officer, text="答复")
    assert not Notification.objects.filter(kind="ticket_replied").exists()


def test_a_batch_of_30_assignments_is_one_digest_and_one_email(w, settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email"]
    w.unit_staff.email = "unit@example.cn"
    w.unit_staff.save()
    tickets = [ticket_in(w, S.ACCEPTED, content=f"第{i}件：路灯不亮") for i in range(30)]
    mail.outbox.clear()
    for t in tickets:
        services.ticket_assign(ticket=t, actor=w.officer, handling_unit=w.unit)
    rows = list(Notification.objects.filter(recipient=w.unit_staff, kind="ticket_assigned"))
    assert len(rows) == 1
    digest = rows[0]
    assert digest.title == "30 件意见建议交办给您"
    assert digest.url == reverse("suggestions:list") + "?status=assigned"
    assert digest.data["count"] == 30
    emails = OutboxMessage.objects.filter(task_name="notifications.send_email", args__0=w.unit_staff.pk)
    assert emails.count() == 1
    # the e-mail waits for the digest's window, then carries the final count
    assert outbox.drain() >= 0 and mail.outbox == []
    emails.update(available_at=timezone.now())
    outbox.drain()
    assert [m.subject for m in mail.outbox] == ["【人大代表联络站】30 件意见建议交办给您"]


def test_a_read_digest_or_a_closed_window_starts_a_new_notification(w, settings):
    t1, t2, t3 = (ticket_in(w, S.ACCEPTED, content=f"第{i}件") for i in range(3))
    services.ticket_assign(ticket=t1, actor=w.officer, handling_unit=w.unit)
    Notification.objects.update(read_at=timezone.now())
    services.ticket_assign(ticket=t2, actor=w.officer, handling_unit=w.unit)
    Notification.objects.filter(read_at__isnull=True).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    services.ticket_assign(ticket=t3, actor=w.officer, handling_unit=w.unit)
    rows = Notification.objects.filter(recipient=w.unit_staff, kind="ticket_assigned").order_by("pk")
    assert [r.title.split("：")[1] for r in rows] == ["第0件", "第1件", "第2件"]


@pytest.mark.django_db(transaction=True)
def test_twenty_assignments_at_once_make_one_digest_with_the_right_count():
    from tests.api.concurrency import at_once
    from tests.suggestions.factories import make_world as world_for_threads

    w = world_for_threads()
    tickets = [ticket_in(w, S.ACCEPTED, content=f"第{i}件：并发交办") for i in range(20)]
    Notification.objects.all().delete()
    at_once(20, lambda i: services.ticket_assign(ticket=tickets[i], actor=w.officer, handling_unit=w.unit))
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=S.ASSIGNED).count() == 20
    rows = list(Notification.objects.filter(recipient=w.unit_staff, kind="ticket_assigned"))
    assert len(rows) == 1
    assert rows[0].data["count"] == 20 and rows[0].title == "20 件意见建议交办给您"
