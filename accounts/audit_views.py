"""The audit trail page: admins and county/city staff browse changes to the records
in their scope; admins also see sign-ins and failed sign-ins."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.services import full_views_log
from liaison.masking import CITIZEN_FIELDS
from liaison.pagination import keyset_page
from liaison.scoping import can_browse_audit, can_browse_sign_ins

KIND_LABELS = {
    "ticket": _("意见建议"),
    "reception": _("接待活动"),
    "station": _("联络站（点）"),
    "deputy": _("人大代表"),
    "user": _("账号"),
    "role": _("角色授权"),
    "account": _("账号事件"),
    "region": _("行政区划"),
    "category": _("意见类别"),
    "calendar": _("工作日历"),
    "slot": _("接待安排"),
    "attachment": _("意见建议附件"),
    "reception_attachment": _("接待活动附件"),
    "import": _("名册导入"),
}
CLIENT_LABELS = {"browser": _("浏览器"), "api_token": _("API 令牌"), "system": _("系统/后台任务")}


@login_required
def audit_list(request):
    if not can_browse_audit(request.user):
        raise PermissionDenied(gettext("只有系统管理员和县、市人大工作人员可以查看审计日志。"))
    kind = request.GET.get("kind", "ticket")
    context = {
        "kind": kind,
        "kinds": KIND_LABELS,
        "can_see_sign_ins": can_browse_sign_ins(request.user),
        # the triggers that record the trail exist only on PostgreSQL (not the SQLite demo)
        "trail_recorded": connection.vendor == "postgresql",
    }
    if kind in ("signins", "failures"):
        if not context["can_see_sign_ins"]:
            raise PermissionDenied(gettext("只有系统管理员可以查看登录记录。"))
        log = selectors.sign_in_log() if kind == "signins" else selectors.failed_sign_in_log()
        context["page"] = keyset_page(request, log, ordering=("-attempt_time", "-id"))
        return render(request, "accounts/sign_in_log.html", context)
    if kind == "account":  # what was done to accounts, in words (no password, no secret)
        context["page"] = keyset_page(
            request, selectors.account_event_log(user=request.user), ordering=("-created_at", "-id")
        )
        return render(request, "accounts/account_event_log.html", context)
    if kind not in selectors.AUDITED_MODELS:
        kind = context["kind"] = "ticket"
    page = keyset_page(request, selectors.audit_events(user=request.user, kind=kind), ordering=("-pgh_id",))
    context["page"] = page
    rows = selectors.audit_rows(user=request.user, kind=kind, events=list(page.object_list))
    context["rows"] = rows
    if kind == "ticket":  # citizens' data shown in full is logged, one row per ticket (PIPL)
        _log_full_views(request, rows)
    context["client_labels"] = CLIENT_LABELS
    return render(request, "accounts/audit_list.html", context)


def _log_full_views(request, rows: list[selectors.AuditRow]) -> None:
    """One access-log row per ticket whose citizen data the page shows in full, naming the
    fields shown (the page's events of one ticket together)."""
    shown: dict = {}
    for row in rows:
        if row.shown_in_full:
            name, fields = shown.get(row.event.pgh_obj_id, (row.event.citizen_name, set()))
            shown[row.event.pgh_obj_id] = (name, fields | set(row.shown_in_full))
    by_fields: dict[tuple[str, ...], list] = {}
    for pk, (name, fields) in shown.items():
        by_fields.setdefault(tuple(f for f in CITIZEN_FIELDS if f in fields), []).append((pk, name))
    for fields, tickets in by_fields.items():
        full_views_log(request=request, tickets=tickets, fields=fields)
