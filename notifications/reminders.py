"""Reminders (提醒): a ticket's deadline near or passed → the handling unit's staff; a
reception day tomorrow → the deputies on the timetable (with an SMS text ready).

The periodic job ``reminders_send`` (``liaison.jobs.JOBS["reminders"]``) is **set-based**:
each kind is one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` into
``Reminder``, whose unique key (kind, subject, date) makes it **idempotent**: a second
run, or twenty at once, insert nothing more and so notify nobody again. Only what the
INSERT returned is notified, in the same transaction: a run that fails sends nothing and
leaves nothing marked. Recipients are resolved for all the tickets (slots) of a run in
one query; each unit's staff get one message for all of the unit's tickets of a kind.

"Due soon" counts on the official working-day calendar (``suggestions.calendar``): a
ticket is reminded once per deadline (a new deadline after an escalation or a new
assignment is reminded again), once when due within ``REMINDER_DUE_WORKING_DAYS``
working days and once when overdue past the last escalation level (before that, the
escalation sweep's notice is the overdue notice: a unit is not told twice).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from liaison import scoping
from liaison.texts import text
from notifications.services import Message, notify_many
from stations.models import Region, RegionLevel
from suggestions.calendar import add_working_days
from suggestions.models import MAX_ESCALATION_LEVEL, Ticket
from visits.models import ReceptionSlot

DUE_SOON, OVERDUE, RECEPTION_TOMORROW = "due_soon", "overdue", "reception_tomorrow"


def due_soon_working_days() -> int:
    return getattr(settings, "REMINDER_DUE_WORKING_DAYS", 2)


@dataclass
class ReminderResult:
    due_soon: int = 0  # tickets reminded
    overdue: int = 0
    receptions: int = 0  # reception slots reminded
    notified: int = 0  # messages written


# table names written out (the models' default db_table), so the SQL is one constant
_TICKETS_SQL = """
INSERT INTO notifications_reminder (kind, subject, for_date, sent_at)
SELECT %s, t.id, t.due_on, %s
FROM suggestions_ticket t
WHERE t.status = %s AND t.handling_unit_id IS NOT NULL AND t.due_on >= %s AND t.due_on <= %s
  AND t.escalation_level >= %s
ON CONFLICT (kind, subject, for_date) DO NOTHING
RETURNING subject
"""

_SLOTS_SQL = """
INSERT INTO notifications_reminder (kind, subject, for_date, sent_at)
SELECT %s, s.id, s.date, %s
FROM visits_receptionslot s
WHERE s.date = %s AND NOT EXISTS (SELECT 1 FROM visits_receptionsession r WHERE r.slot_id = s.id)
ON CONFLICT (kind, subject, for_date) DO NOTHING
RETURNING subject
"""


def _claim(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _ticket_messages(kind: str, ticket_ids: list) -> list[Message]:
    if not ticket_ids:
        return []
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "handling_unit_id", "content", "due_on")
    )
    per_unit: dict = defaultdict(list)
    for pk, unit_id, content, due_on in tickets:
        per_unit[unit_id].append((pk, content, due_on))
    staff = scoping.unit_staff_ids(per_unit)
    days = due_soon_working_days()
    messages = []
    for unit_id, rows in per_unit.items():
        n = len(rows)
        if n == 1:
            pk, content, due_on = rows[0]
            short = " ".join(content.split())[:30]
            url = reverse("suggestions:detail", args=[pk])
            if kind == DUE_SOON:
                title, body = (
                    text(gettext_noop("办理期限将到：{short}"), short=short),
                    text(gettext_noop("办理期限 {due_on}，请按期答复群众。"), due_on=f"{due_on:%Y-%m-%d}"),
                )
            else:
                title, body = (
                    text(gettext_noop("逾期未答复：{short}"), short=short),
                    text(gettext_noop("办理期限 {due_on} 已过，请尽快答复。"), due_on=f"{due_on:%Y-%m-%d}"),
                )
        else:
            anchor = "due_soon" if kind == DUE_SOON else "overdue"
            url = f"{reverse('suggestions:unit_queue')}#{anchor}"
            if kind == DUE_SOON:
                title, body = (
                    text(gettext_noop("本单位有 {n} 件意见建议将在{days}个工作日内到期"), n=n, days=days),
                    text(gettext_noop("请按期答复群众。")),
                )
            else:
                title, body = (
                    text(gettext_noop("本单位有 {n} 件意见建议逾期未答复"), n=n),
                    text(gettext_noop("请尽快答复。")),
                )
        data = {"tickets": [str(r[0]) for r in rows[:50]], "count": n}
        messages += [
            Message(user_id=u, kind=f"ticket_{kind}", title=title, body=body, url=url, data=data)
            for u in staff.get(unit_id, [])
        ]
    return messages


def _county_names(paths: set[str]) -> dict[str, str]:
    """The county (else city) over each region path: the SMS signature "【交城县人大】"."""
    wanted = {p for path in paths for p in Region.path_and_ancestors(path)}
    regions = Region.objects.filter(path__in=wanted, level__in=(RegionLevel.CITY, RegionLevel.COUNTY))
    by_path = {r.path: r for r in regions}
    out = {}
    for path in paths:
        found = [by_path[p] for p in Region.path_and_ancestors(path) if p in by_path]
        out[path] = found[-1].name if found else ""
    return out


def reception_sms_text(*, signature: str, station: str, starts: dt.time, ends: dt.time) -> str:
    sign = gettext("{signature}人大").format(signature=signature) if signature else gettext("人大代表联络站")
    return gettext(
        "【{sign}】您好，您明日{starts:%H:%M}在{station}接待群众（{starts:%H:%M}–{ends:%H:%M}），请准时到站。如不能参加，请及时告知联络员。"
    ).format(sign=sign, starts=starts, station=station, ends=ends)


def _slot_messages(slot_ids: list) -> list[Message]:
    if not slot_ids:
        return []
    slots = {s.pk: s for s in ReceptionSlot.objects.filter(pk__in=slot_ids).select_related("station__region")}
    names = _county_names({s.station.region.path for s in slots.values()})
    url = reverse("visits:upcoming")
    messages = []
    for user_id, slot_id in scoping.scheduled_deputy_user_ids(slots):
        slot = slots[slot_id]
        station = slot.station.name
        messages.append(
            Message(
                user_id=user_id,
                kind=RECEPTION_TOMORROW,
                title=text(
                    gettext_noop("明日{starts}在{station}进站接待群众"),
                    starts=f"{slot.starts:%H:%M}",
                    station=station,
                ),
                body=f"{slot.date:%Y-%m-%d} {slot.starts:%H:%M}–{slot.ends:%H:%M}，{station}。{slot.note}".strip(),
                url=url,
                data={
                    "slot": str(slot.pk),
                    "sms": reception_sms_text(
                        signature=names.get(slot.station.region.path, ""),
                        station=station,
                        starts=slot.starts,
                        ends=slot.ends,
                    ),
                },
            )
        )
    return messages


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> ReminderResult:
    """Send every reminder that is due and not sent yet (the periodic job)."""
    today = today or timezone.localdate()
    now = timezone.now()
    soon = add_working_days(today, due_soon_working_days())
    assigned = Ticket.Status.ASSIGNED
    due_soon = _claim(_TICKETS_SQL, [DUE_SOON, now, assigned, today, soon, 0])
    # an overdue ticket the escalation sweep will raise gets its notice from the sweep
    # ("逾期未答复，已升级督办", to the same unit staff): one handover, one notice. Only a
    # ticket past the last level, which no sweep raises again, is reminded as overdue.
    overdue = _claim(
        _TICKETS_SQL,
        [OVERDUE, now, assigned, dt.date.min, today - dt.timedelta(days=1), MAX_ESCALATION_LEVEL],
    )
    slots = _claim(_SLOTS_SQL, [RECEPTION_TOMORROW, now, today + dt.timedelta(days=1)])
    messages = (
        _ticket_messages(DUE_SOON, due_soon) + _ticket_messages(OVERDUE, overdue) + _slot_messages(slots)
    )
    notify_many(messages)
    return ReminderResult(
        due_soon=len(due_soon), overdue=len(overdue), receptions=len(slots), notified=len(messages)
    )
