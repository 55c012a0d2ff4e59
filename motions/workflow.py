"""The two declared tables of this app, applied by the shared engine
(``liaison.workflow.apply_transition``) through ``motions.services``.

Deputy suggestions (代表建议): submitted 提交 → registered 立案 (numbered, classified) →
assigned 交办 (lead unit 主办 + co-units 协办; the legal period starts) → the lead unit
records consultations 见面沟通 and may have the period extended 延期 → replied 答复 (A/B/C)
→ evaluated 测评 (the deputy's vote) → closed 办结; 不满意 → rehandle 重新办理 (back to
assigned, a new period).

Supervision items (督办事项): supervising 督办中 (progress reports 进展报告) → reported
已报告 (the result, 限期报告) → evaluated 已测评 (the members' vote) → closed 办结;
unsatisfactory → resupervise 再督办 (back to supervising, a new re-report date).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from liaison.workflow import Transition, TransitionTable
from motions.models import DeputySuggestion, SupervisionItem

S = DeputySuggestion.Status
I = SupervisionItem.Status  # noqa: E741

SUGGESTION_TRANSITIONS = TransitionTable(
    (
        Transition(
            "register", _("立案编号"), (S.SUBMITTED,), S.REGISTERED, "can_run_motion", help=_("编号并分类")
        ),
        Transition(
            "assign",
            _("交办"),
            (S.REGISTERED, S.ASSIGNED),
            S.ASSIGNED,
            "can_run_motion",
            help=_("确定主办、协办单位；办理期限自交办之日起三个月"),
        ),
        Transition(
            "consult",
            _("记录见面沟通"),
            (S.ASSIGNED,),
            S.ASSIGNED,
            "can_act_for_motion_unit",
            help=_("主办、协办单位与代表见面沟通"),
        ),
        Transition(
            "extend",
            _("延期"),
            (S.ASSIGNED,),
            S.ASSIGNED,
            "can_run_motion",
            needs_comment=True,
            help=_("确有困难的，经同意可延长至自交办之日起六个月，须说明理由"),
        ),
        Transition(
            "reply",
            _("书面答复"),
            (S.ASSIGNED,),
            S.REPLIED,
            "can_reply_motion",
            help=_("主办单位书面答复并分类"),
        ),
        Transition(
            "evaluate",
            _("代表测评"),
            (S.REPLIED,),
            S.EVALUATED,
            "can_evaluate_motion",
            help=_("满意、基本满意或不满意"),
        ),
        Transition(
            "rehandle",
            _("重新办理"),
            (S.EVALUATED,),
            S.ASSIGNED,
            "can_run_motion",
            needs_comment=True,
            help=_("代表不满意的，交原承办单位重新办理"),
        ),
        Transition("close", _("办结"), (S.EVALUATED,), S.CLOSED, "can_run_motion"),
        Transition(
            "withdraw",
            _("撤回"),
            (S.SUBMITTED, S.REGISTERED),
            S.WITHDRAWN,
            "can_withdraw_motion",
            needs_comment=True,
            help=_("交办前，领衔代表可撤回"),
        ),
    ),
    kind="deputy suggestion",
    status_labels=dict(S.choices),
)

SUPERVISION_TRANSITIONS = TransitionTable(
    (
        Transition(
            "report_progress",
            _("报告进展"),
            (I.SUPERVISING,),
            I.SUPERVISING,
            "can_report_supervision",
            needs_comment=True,
        ),
        Transition(
            "report_result",
            _("报告办理结果"),
            (I.SUPERVISING,),
            I.REPORTED,
            "can_report_supervision",
            help=_("责任单位在限期内向常委会报告"),
        ),
        Transition(
            "vote",
            _("满意度测评"),
            (I.REPORTED,),
            I.EVALUATED,
            "can_run_supervision",
            help=_("记录常委会组成人员的测评票数"),
        ),
        Transition(
            "resupervise",
            _("再督办"),
            (I.EVALUATED,),
            I.SUPERVISING,
            "can_run_supervision",
            help=_("测评不满意的，限期重新整改并再次报告"),
        ),
        Transition("close", _("办结"), (I.EVALUATED,), I.CLOSED, "can_run_supervision"),
    ),
    kind="supervision item",
    status_labels=dict(I.choices),
)
