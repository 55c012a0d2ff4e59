"""The kinds of notification (通知类型): their names in both languages and the channels a
user gets them by until they choose otherwise (``ChannelPreference``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    email: bool = True  # default channels besides the inbox
    sms: bool = False
    help: str = ""


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("ticket_assigned", _("意见建议交办给本单位"), help=_("承办单位工作人员")),
        Kind("ticket_replied", _("承办单位已答复"), help=_("联络员、站长：待反馈群众")),
        Kind("ticket_return_requested", _("承办单位申请退回"), help=_("联络员、站长：待处理退回申请")),
        Kind("ticket_referred_back", _("已退回、待重新交办"), help=_("原承办单位与联络站")),
        Kind("ticket_reopened", _("群众不满意、重新办理"), help=_("承办单位工作人员")),
        Kind("tickets_registered", _("接待活动登记了意见建议"), help=_("联络员、站长：待受理")),
        Kind("ticket_due_soon", _("办理期限将到"), sms=True, help=_("承办单位工作人员")),
        Kind("ticket_overdue", _("逾期未答复"), sms=True, help=_("承办单位工作人员")),
        Kind("escalation", _("逾期升级督办"), help=_("承办单位与县、市人大工作人员")),
        Kind("ticket_submitted_online", _("群众网上提交意见建议"), help=_("联络员、站长：待受理")),
        Kind("ticket_citizen_unsatisfied", _("群众网上评价不满意"), help=_("联络员、站长：决定是否重新办理")),
        Kind("reception_tomorrow", _("明日进站接待"), sms=True, help=_("排班的人大代表")),
        Kind("motion_assigned", _("代表建议交办给本单位"), help=_("主办、协办单位工作人员")),
        Kind("motion_rehandle", _("代表不满意、重新办理"), help=_("主办单位工作人员")),
        Kind("motion_ticket", _("群众意见转为代表建议"), help=_("联络员、站长：告知群众")),
    )
}


def kind_for(name: str) -> Kind:
    """A registered kind, or one with the defaults (e-mail and SMS as the system allows)."""
    return KINDS.get(name) or Kind(name, name, email=True, sms=True)
