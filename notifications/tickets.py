"""Who is told at each handover of a ticket (办理流程通知).

``ticket_transition_notify`` is called by ``suggestions.services.ticket_transition``
inside the transaction of the step, so the notifications (and their e-mail / SMS outbox
rows) commit or roll back with the change itself; nothing talks to a broker. Recipients
are resolved in one query per step (``liaison.scoping``), never per ticket of a batch.
Each message folds into a digest (``services.Digest``): a unit given thirty tickets in a
few minutes gets one notification "30 件意见建议交办给您" linking to the filtered list.

The texts are stored in Chinese, the system's language (as every notification is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_noop

from liaison import scoping
from liaison.texts import text
from notifications.services import Digest, Message, notify_many

if TYPE_CHECKING:
    from suggestions.models import Ticket, TimelineEvent


def _list_url(status: str) -> str:
    return f"{reverse('suggestions:list')}?status={status}"


def _short(ticket: Ticket) -> str:
    text = " ".join(ticket.content.split())
    return text if len(text) <= 30 else f"{text[:30]}…"


def _keepers(ticket: Ticket, actor_id: int | None) -> list[int]:
    return [uid for uid in scoping.station_keeper_ids(ticket.station) if uid != actor_id]


def _unit_staff(unit_id, actor_id: int | None) -> list[int]:
    if unit_id is None:
        return []
    return [uid for uid in scoping.unit_staff_ids([unit_id]).get(unit_id, []) if uid != actor_id]


def transition_messages(
    *, ticket: Ticket, event: TimelineEvent, actor_id: int | None, previous_unit_id=None
) -> list[Message]:
    """The messages one workflow step sends (none for a step nobody waits on)."""
    action, url = event.action, reverse("suggestions:detail", args=[ticket.pk])
    data = {"ticket": str(ticket.pk), "event": event.pk, "action": action}
    unit_name = (ticket.handling_unit.name if ticket.handling_unit_id else "") or event.data.get(
        "handling_unit", ""
    )

    def to(users, kind, title, body, digest):
        return [
            Message(user_id=u, kind=kind, title=title, body=body, url=url, data=data, digest=digest)
            for u in users
        ]

    if action == "assign":
        return to(
            _unit_staff(ticket.handling_unit_id, actor_id),
            "ticket_assigned",
            text(gettext_noop("交办：{short}"), short=_short(ticket)),
            text(
                gettext_noop("{name}交办给{unit_name}，办理期限 {due_on}。请在期限内答复。"),
                name=ticket.station.name,
                unit_name=unit_name,
                due_on=f"{ticket.due_on:%Y-%m-%d}",
            ),
            Digest(
                "assigned",
                text(gettext_noop("{n} 件意见建议交办给您")),
                _list_url("assigned"),
                text(gettext_noop("请在各件办理期限内答复。")),
            ),
        )
    if action == "reply":
        return to(
            _keepers(ticket, actor_id),
            "ticket_replied",
            text(gettext_noop("已答复：{short}"), short=_short(ticket)),
            text(
                gettext_noop("{value}已答复，请将答复反馈群众并记录评价。"),
                value=unit_name or text(gettext_noop("经办人")),
            ),
            Digest("replied", text(gettext_noop("{n} 件意见建议已答复，待反馈群众")), _list_url("replied")),
        )
    if action == "request_return":
        return to(
            _keepers(ticket, actor_id),
            "ticket_return_requested",
            text(gettext_noop("申请退回：{short}"), short=_short(ticket)),
            text(
                gettext_noop("{unit_name}申请退回，理由：{comment}。请退回后重新交办。"),
                unit_name=unit_name,
                comment=event.comment,
            ),
            Digest(
                "return_requested",
                text(gettext_noop("{n} 件意见建议申请退回，待处理")),
                f"{reverse('suggestions:decision_queue')}#decide",
            ),
        )
    if action == "refer_back":
        return to(
            _unit_staff(previous_unit_id, actor_id),
            "ticket_referred_back",
            text(gettext_noop("已退回：{short}"), short=_short(ticket)),
            text(
                gettext_noop("{name}已收回交办（{comment}），本单位无需再办理。"),
                name=ticket.station.name,
                comment=event.comment,
            ),
            Digest(
                "referred_back_unit",
                text(gettext_noop("{n} 件意见建议已从本单位收回")),
                reverse("suggestions:unit_queue"),
            ),
        ) + to(
            _keepers(ticket, actor_id),
            "ticket_referred_back",
            text(gettext_noop("待重新交办：{short}"), short=_short(ticket)),
            text(
                gettext_noop("已从{value}退回（{comment}），请重新交办。"),
                value=unit_name or text(gettext_noop("承办单位")),
                comment=event.comment,
            ),
            Digest(
                "referred_back", text(gettext_noop("{n} 件意见建议已退回，待重新交办")), _list_url("accepted")
            ),
        )
    if action == "reopen":
        return to(
            _unit_staff(ticket.handling_unit_id, actor_id),
            "ticket_reopened",
            text(gettext_noop("重新办理：{short}"), short=_short(ticket)),
            text(
                gettext_noop("群众对答复不满意，{name}重新办理（{comment}），将重新交办。"),
                name=ticket.station.name,
                comment=event.comment,
            ),
            Digest(
                "reopened",
                text(gettext_noop("{n} 件意见建议群众不满意、重新办理")),
                reverse("suggestions:unit_queue"),
            ),
        )
    if (
        action == "record_satisfaction"
        and event.data.get("given_by") == "citizen_online"
        and event.data.get("satisfaction") == "unsatisfied"
    ):
        return to(
            _keepers(ticket, actor_id),
            "ticket_citizen_unsatisfied",
            f"群众网上评价不满意：{_short(ticket)}",
            "群众在网上联络站对答复评价为不满意，请决定是否重新办理。",
            Digest("citizen_unsatisfied", "{n} 件意见建议群众网上评价不满意", _list_url("delivered")),
        )
    return []


def ticket_transition_notify(
    *, ticket: Ticket, event: TimelineEvent, actor_id: int | None, previous_unit_id=None
) -> int:
    """Tell whoever must act next about one workflow step, in the caller's transaction."""
    return notify_many(
        transition_messages(ticket=ticket, event=event, actor_id=actor_id, previous_unit_id=previous_unit_id)
    )
