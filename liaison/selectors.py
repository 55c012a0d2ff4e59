"""Reads that span the apps: the workbench (home page) summary and the to-do list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison import scoping
from liaison.scoping import scoped
from stations.models import Station
from suggestions.calendar import add_working_days
from suggestions.models import Ticket
from visits.models import ReceptionSession, ReceptionSlot


def workbench_summary(*, user) -> dict:
    """Counts of what the user's scope holds: three aggregate queries."""
    stations = scoped(user, Station.objects.all()).aggregate(
        stations=Count("pk", filter=~Q(kind=Station.Kind.POINT)),
        points=Count("pk", filter=Q(kind=Station.Kind.POINT)),
    )
    receptions = scoped(user, ReceptionSession.objects.all()).aggregate(
        receptions=Count("pk"), drafts=Count("pk", filter=Q(status=ReceptionSession.Status.DRAFT))
    )
    tickets = scoped(user, Ticket.objects.all()).aggregate(
        tickets=Count("pk"),
        open_tickets=Count("pk", filter=~Q(status__in=Ticket.FINAL_STATUSES)),
        closed_tickets=Count("pk", filter=Q(status=Ticket.Status.CLOSED)),
    )
    return {**stations, **receptions, **tickets}


# --- the to-do list of the home page (我的待办) ---------------------------------------------

# How far ahead "due soon" looks, in working days (the unit's queue says the same).
DUE_SOON_WORKING_DAYS = 2


@dataclass(frozen=True)
class TodoItem:
    key: str
    label: str
    count: int
    url: str
    urgent: bool = False  # overdue and the like: shown in red while not zero


@dataclass(frozen=True)
class TodoGroup:
    key: str
    title: str
    items: list[TodoItem]

    @property
    def total(self) -> int:
        return sum(i.count for i in self.items)


@dataclass(frozen=True)
class Todo:
    groups: list[TodoGroup] = field(default_factory=list)
    can_log_reception: bool = False

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)


def _q(url_name: str, query: str = "") -> str:
    return reverse(url_name) + query


def workbench_todo(*, user, today: dt.date | None = None) -> Todo:
    """What waits for ``user`` in each of their roles, counted: one aggregate over the
    tickets of every role at once, one over their reception days, one calendar read for
    "due soon" (and the scope, read once per request): four queries whatever the data.
    Who sees which group is ``liaison.scoping``'s rule (the queues' predicates)."""
    today = today or timezone.localdate()
    decide, unit, supervise = (
        scoping.has_decision_queue(user),
        scoping.has_unit_queue(user),
        scoping.has_supervision_queue(user),
    )
    slots_wanted = decide or bool(scoping.scope_for(user).deputy_ids)
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS) if (decide or unit) else today
    S = Ticket.Status
    counts: dict[str, int] = {}
    if decide or unit or supervise:
        mine = (scoping.decidable_tickets_q(user) if decide else scoping.NOTHING) | (
            scoping.unit_tickets_q(user) if unit else scoping.NOTHING
        )
        if supervise:
            mine |= scoping.supervised_tickets_q(user)
        d = scoping.decidable_tickets_q(user) if decide else scoping.NOTHING
        u = (scoping.unit_tickets_q(user) & Q(status=S.ASSIGNED)) if unit else scoping.NOTHING
        s = (
            (scoping.supervised_tickets_q(user) & ~Q(status__in=Ticket.FINAL_STATUSES))
            if supervise
            else scoping.NOTHING
        )
        running = Q(status__in=Ticket.RUNNING_STATUSES)
        late, due_soon = Q(due_on__lt=today), Q(due_on__gte=today, due_on__lte=soon)
        escalated = Q(tier=Ticket.Tier.STANDING_COMMITTEE) | Q(escalation_level__gt=0)
        counts = Ticket.objects.filter(mine).aggregate(
            to_accept=Count("pk", filter=d & Q(status=S.REGISTERED)),
            to_assign=Count("pk", filter=d & Q(status=S.ACCEPTED)),
            return_requested=Count("pk", filter=d & Q(status=S.ASSIGNED, return_requested_at__isnull=False)),
            to_deliver=Count("pk", filter=d & Q(status=S.REPLIED)),
            to_rate=Count("pk", filter=d & Q(status=S.DELIVERED, satisfaction="")),
            to_close=Count("pk", filter=d & Q(status=S.DELIVERED) & ~Q(satisfaction="")),
            station_overdue=Count("pk", filter=d & running & late),
            station_due_soon=Count("pk", filter=d & running & due_soon),
            to_reply=Count("pk", filter=u),
            unit_overdue=Count("pk", filter=u & late),
            unit_due_soon=Count("pk", filter=u & due_soon),
            escalated=Count("pk", filter=s & escalated),
            area_overdue=Count("pk", filter=s & running & late),
        )
    groups: list[TodoGroup] = []
    if decide:
        queue = "suggestions:decision_queue"
        groups.append(
            TodoGroup(
                "station",
                _("联络站待办"),
                [
                    TodoItem(
                        "to_accept",
                        _("待受理"),
                        counts["to_accept"],
                        _q("suggestions:list", "?status=registered"),
                    ),
                    TodoItem(
                        "to_assign",
                        _("待交办"),
                        counts["to_assign"],
                        _q("suggestions:list", "?status=accepted"),
                    ),
                    TodoItem(
                        "return_requested",
                        _("申请退回待处理"),
                        counts["return_requested"],
                        _q(queue, "#decide"),
                    ),
                    TodoItem(
                        "to_deliver",
                        _("答复待反馈群众"),
                        counts["to_deliver"],
                        _q("suggestions:list", "?status=replied"),
                    ),
                    TodoItem("to_rate", _("待记录群众评价"), counts["to_rate"], _q(queue, "#feedback")),
                    TodoItem("to_close", _("待办结"), counts["to_close"], _q(queue, "#feedback")),
                    TodoItem(
                        "overdue", _("逾期"), counts["station_overdue"], _q(queue, "#overdue"), urgent=True
                    ),
                    TodoItem(
                        "due_soon",
                        _("即将到期（2个工作日内）"),
                        counts["station_due_soon"],
                        _q("suggestions:list", "?o=due_on"),
                    ),
                ],
            )
        )
    if unit:
        queue = "suggestions:unit_queue"
        groups.append(
            TodoGroup(
                "unit",
                _("承办单位待办"),
                [
                    TodoItem(
                        "to_reply", _("交办给本单位、待答复"), counts["to_reply"], _q(queue, "#assigned")
                    ),
                    TodoItem(
                        "overdue", _("逾期未答复"), counts["unit_overdue"], _q(queue, "#overdue"), urgent=True
                    ),
                    TodoItem(
                        "due_soon",
                        _("即将到期（2个工作日内）"),
                        counts["unit_due_soon"],
                        _q(queue, "#due_soon"),
                    ),
                ],
            )
        )
    if supervise:
        queue = "suggestions:supervision_queue"
        groups.append(
            TodoGroup(
                "supervision",
                _("督办"),
                [
                    TodoItem(
                        "escalated", _("提交常委会 / 上报督办"), counts["escalated"], _q(queue, "#escalated")
                    ),
                    TodoItem(
                        "overdue", _("辖区逾期件"), counts["area_overdue"], _q(queue, "#overdue"), urgent=True
                    ),
                ],
            )
        )
    if slots_wanted:
        week_end = today + dt.timedelta(days=6 - today.weekday())
        slots = (
            ReceptionSlot.objects.filter(scoping.own_slots_q(user), date__gte=today, date__lte=week_end)
            .values("pk")
            .distinct()
        )
        row = ReceptionSlot.objects.filter(pk__in=slots).aggregate(
            today=Count("pk", filter=Q(date=today)), week=Count("pk")
        )
        items = [
            TodoItem("today", _("今日接待"), row["today"], _q("visits:upcoming")),
            TodoItem("week", _("本周接待"), row["week"], _q("visits:upcoming")),
        ]
        groups.append(TodoGroup("receptions", _("接待安排"), items))
    return Todo(groups=groups, can_log_reception=decide and scoping.can_log_receptions_somewhere(user))
