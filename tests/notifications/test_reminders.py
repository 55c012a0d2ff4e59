"""The reminder job: deadlines near / passed → the unit, a reception day tomorrow → the
deputies scheduled; each reminder once, however often (or however concurrently) it runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from liaison import outbox
from liaison.jobs import JOBS
from notifications.models import Notification, Reminder
from notifications.reminders import reminders_send
from notifications.sms import ConsoleSmsBackend
from suggestions.calendar import add_working_days
from suggestions.escalation import escalation_sweep
from suggestions.models import MAX_ESCALATION_LEVEL, Ticket
from tests.api.concurrency import at_once
from tests.factories import DeputyFactory, UserFactory
from tests.suggestions.factories import World, make_world, ticket_in
from visits.models import ReceptionSlot

S = Ticket.Status


def _due(ticket: Ticket, day: dt.date) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(due_on=day)


def _world_with_reminders(w: World):
    today = timezone.localdate()
    soon = [ticket_in(w, S.ASSIGNED, content=f"即将到期{i}") for i in range(2)]
    for t in soon:
        _due(t, add_working_days(today, 1))
    late = ticket_in(w, S.ASSIGNED, content="已经逾期")
    _due(late, today - dt.timedelta(days=2))
    # past the last escalation level: no sweep raises it again, so the reminder tells the unit
    Ticket.objects.filter(pk=late.pk).update(escalation_level=MAX_ESCALATION_LEVEL)
    later = ticket_in(w, S.ASSIGNED, content="还早")
    _due(later, add_working_days(today, 10))
    deputy = w.deputy.roles.get().deputy
    slot = ReceptionSlot.objects.create(
        station=w.station, date=today + dt.timedelta(days=1), starts=dt.time(9), ends=dt.time(11, 30)
    )
    slot.deputies.add(deputy, DeputyFactory(home_station=w.station))  # the second has no account
    ReceptionSlot.objects.create(  # the day after tomorrow: not yet
        station=w.station, date=today + dt.timedelta(days=2), starts=dt.time(9), ends=dt.time(10)
    ).deputies.add(deputy)
    Notification.objects.all().delete()
    return soon, late, slot


@pytest.mark.django_db
def test_each_reminder_goes_to_the_right_people_once(settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email", "sms"]
    w = make_world()
    soon, late, slot = _world_with_reminders(w)
    result = reminders_send()
    assert (result.due_soon, result.overdue, result.receptions) == (2, 1, 1)
    unit = {n.kind: n for n in Notification.objects.filter(recipient=w.unit_staff)}
    assert set(unit) == {"ticket_due_soon", "ticket_overdue"}
    assert unit["ticket_due_soon"].title == "本单位有 2 件意见建议将在2个工作日内到期"
    assert unit["ticket_due_soon"].url == reverse("suggestions:unit_queue") + "#due_soon"
    assert unit["ticket_overdue"].url == reverse("suggestions:detail", args=[late.pk])
    deputy = Notification.objects.get(recipient=w.deputy)
    assert deputy.kind == "reception_tomorrow" and deputy.url == reverse("visits:upcoming")
    assert deputy.title == "明日09:00在甲县1镇联络站进站接待群众"
    # nobody else: not the other unit, the station, the county
    assert Notification.objects.exclude(recipient__in=[w.unit_staff, w.deputy]).count() == 0
    # a second run sends nothing more
    assert reminders_send().notified == 0
    assert Notification.objects.count() == 3
    # a new deadline is a new reminder
    _due(soon[0], add_working_days(timezone.localdate(), 2))
    assert reminders_send().due_soon == 1


@pytest.mark.django_db
def test_the_deputy_gets_the_reception_sms_text(settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "sms"]
    w = make_world()
    w.deputy.phone = "13900001111"
    w.deputy.save()
    _world_with_reminders(w)
    ConsoleSmsBackend.outbox.clear()
    reminders_send()
    outbox.drain()
    texts = [t for phone, t in ConsoleSmsBackend.outbox if phone == "13900001111"]
    assert texts == [
        "【甲县人大】您好，您明日09:00在甲县1镇联络站接待群众（09:00–11:30），请准时到站。如不能参加，请及时告知联络员。"
    ]


@pytest.mark.django_db
def test_a_deputy_who_opted_out_of_sms_gets_the_inbox_only(settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email", "sms"]
    w = make_world()
    w.deputy.phone, w.deputy.email = "13900001111", "d@example.cn"
    w.deputy.save()
    w.deputy.notification_preferences.create(kind="reception_tomorrow", email=True, sms=False)
    _world_with_reminders(w)
    ConsoleSmsBackend.outbox.clear()
    mail.outbox.clear()
    reminders_send()
    outbox.drain()
    assert Notification.objects.filter(recipient=w.deputy).count() == 1
    assert [p for p, _t in ConsoleSmsBackend.outbox if p == "13900001111"] == []
    assert [m.to for m in mail.outbox if m.to == ["d@example.cn"]] == [["d@example.cn"]]


@pytest.mark.django_db
def test_a_failed_run_marks_nothing_sent(monkeypatch):
    w = make_world()
    _world_with_reminders(w)

    def boom(messages):
        list(messages)
        raise RuntimeError("the database went away")

    monkeypatch.setattr("notifications.reminders.notify_many", boom)
    with pytest.raises(RuntimeError):
        reminders_send()
    assert Reminder.objects.count() == 0
    monkeypatch.undo()
    assert reminders_send().notified == 3


@pytest.mark.django_db(transaction=True)
def test_twenty_runs_at_once_send_each_reminder_once():
    w = make_world()
    extra = UserFactory(username="unit2")
    extra.roles.create(role=Role.HANDLING_UNIT, handling_unit=w.unit)
    _world_with_reminders(w)
    results = at_once(20, lambda i: reminders_send())
    assert sum(r.due_soon for r in results) == 2
    assert sum(r.overdue for r in results) == 1
    assert sum(r.receptions for r in results) == 1
    assert Reminder.objects.count() == 4
    # two unit staff × (due soon, overdue) + the deputy
    assert Notification.objects.count() == 5
    assert Notification.objects.filter(recipient=extra).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["reminders_first", "sweep_first"])
def test_an_overdue_ticket_gets_the_escalation_notice_and_no_duplicate_reminder(order):
    """One handover, one notice: the ticket the sweep escalates today is not also reminded
    as overdue, whichever job runs first; the unit's staff get the escalation notice."""
    w = make_world()
    today = timezone.localdate()
    late = ticket_in(w, S.ASSIGNED, content="逾期待升级")
    _due(late, today - dt.timedelta(days=3))
    Notification.objects.all().delete()
    jobs = [lambda: reminders_send(), lambda: escalation_sweep(lock=False)]
    for job in jobs if order == "reminders_first" else reversed(jobs):
        job()
    reminders_send()  # again, later the same day
    unit = list(Notification.objects.filter(recipient=w.unit_staff).values_list("kind", flat=True))
    assert unit == ["escalation"]
    assert not Reminder.objects.filter(kind="overdue", subject=late.pk).exists()
    late.refresh_from_db()
    assert late.escalation_level == 1


def test_the_job_is_scheduled():
    assert JOBS["reminders"] == "notifications.reminders.reminders_send"
