"""The ticket state machine as ONE declared table (办理流程).

Each ``Transition`` names the statuses it may start from, the status it leads to, and
the ``liaison.scoping`` predicate that says who may take it. ``suggestions.services.
ticket_transition`` is the only code that applies a transition; the ticket page offers
exactly the transitions ``available_actions`` returns; the tests iterate this table, so a
new row is tested (allowed from its sources, refused from every other status) for free.

The flow: registered 登记 → accepted 受理 (with a tier) → assigned 交办 (to a handling unit)
→ replied 答复 → delivered 已反馈群众 (with the citizen's satisfaction) → closed 办结.
Unsatisfied → reopen (back to accepted, counted). A ticket may be withdrawn 撤回, referred
back 退回 by the station (after the unit asks for it), or merged 合并 into another
ticket; a merged ticket's citizen still gets the target's reply (``deliver_to_merged``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from liaison.workflow import Transition, TransitionTable
from suggestions.models import Ticket

S = Ticket.Status

__all__ = ["TRANSITIONS", "Transition", "may_start", "transition_for"]

# The row type, the table type and the engine that applies a row are shared
# (``liaison.workflow``); only the rows are the ticket's own.
TRANSITIONS = TransitionTable(
    (
        Transition(
            "accept", _("受理"), (S.REGISTERED,), S.ACCEPTED, "can_decide_ticket", help=_("确定分级处理方式")
        ),
        Transition(
            "assign",
            _("交办"),
            (S.ACCEPTED, S.ASSIGNED),
            S.ASSIGNED,
            "can_decide_ticket",
            help=_("交办承办单位，按分级重新计算办理期限"),
        ),
        Transition(
            "reply",
            _("答复"),
            (S.ACCEPTED, S.ASSIGNED),
            S.REPLIED,
            "can_reply_ticket",
            help=_("未交办的件仅限代表当场答复"),
        ),
        Transition(
            "request_return",
            _("申请退回"),
            (S.ASSIGNED,),
            S.ASSIGNED,
            "can_act_for_unit",
            needs_comment=True,
            help=_("承办单位说明理由，请联络站退回或改交"),
        ),
        Transition(
            "refer_back",
            _("退回"),
            (S.ASSIGNED,),
            S.ACCEPTED,
            "can_decide_ticket",
            needs_comment=True,
            help=_("收回交办，待重新交办"),
        ),
        Transition(
            "deliver_reply",
            _("反馈群众"),
            (S.REPLIED,),
            S.DELIVERED,
            "can_decide_ticket",
            help=_("将答复告知群众"),
        ),
        Transition(
            "record_satisfaction", _("记录评价"), (S.DELIVERED,), S.DELIVERED, "can_record_satisfaction"
        ),
        Transition(
            "reopen",
            _("重新办理"),
            (S.DELIVERED,),
            S.ACCEPTED,
            "can_decide_ticket",
            needs_comment=True,
            help=_("群众不满意的，重新交办办理"),
        ),
        Transition("close", _("办结"), (S.DELIVERED,), S.CLOSED, "can_decide_ticket"),
        Transition(
            "withdraw",
            _("撤回"),
            (S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.REPLIED),
            S.WITHDRAWN,
            "can_decide_ticket",
            needs_comment=True,
            help=_("群众撤回意见"),
        ),
        Transition(
            "merge",
            _("合并"),
            (S.REGISTERED, S.ACCEPTED, S.ASSIGNED),
            S.MERGED,
            "can_decide_ticket",
            help=_("作为重复件并入另一件，答复一并反馈本件群众"),
        ),
        Transition(
            "deliver_to_merged",
            _("反馈本件群众"),
            (S.MERGED,),
            S.MERGED,
            "can_decide_ticket",
            help=_("将主件的答复告知本件群众"),
        ),
    ),
    kind="ticket",
    status_labels=dict(S.choices),
)


def transition_for(action: str) -> Transition:
    return TRANSITIONS.transition_for(action)


def may_start(action: str, status: str) -> bool:
    return TRANSITIONS.may_start(action, status)
