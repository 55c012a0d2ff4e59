"""The page shell's data: the navigation and the signed-in user's roles.

Both are lazy, so a page that never renders the shell (the admin, an e-mail) costs no
query, and a page that does costs one: the active role assignments with their scopes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from liaison.scoping import (
    can_browse_audit,
    can_import_rosters,
    can_manage_accounts,
    has_decision_queue,
    has_supervision_queue,
    has_unit_queue,
    nav_sections,
    user_roles,
)

# (label, URL name, the section a resolved URL belongs to: its namespace, or its name at the top level)
NAV_ITEMS: list[tuple[str, str, str]] = [
    (_("工作台"), "home", "home"),
    (_("联络站"), "stations:list", "stations"),
    (_("人大代表"), "deputies:list", "deputies"),
    (_("接待活动"), "visits:list", "visits"),
    (_("意见建议"), "suggestions:list", "suggestions"),
    (_("数据看板"), "dashboards:index", "dashboards"),
    (_("履职档案"), "oversight:index", "oversight"),
    (_("代表建议"), "motions:list", "motions"),
]
AUDIT_ITEM = (_("审计日志"), "accounts:audit", "accounts:audit")
IMPORT_ITEM = (_("名册导入"), "onboarding:index", "onboarding")  # roster imports, term changes
ACCOUNTS_ITEM = (_("账号管理"), "accounts:users", "accounts:users")
ADMIN_ITEM = (_("管理后台"), "admin:index", "admin")


# The work queues, in the order a user holding several roles sees them.
QUEUE_ITEMS = [
    (_("办理待办"), "suggestions:unit_queue", has_unit_queue),
    (_("决定待办"), "suggestions:decision_queue", has_decision_queue),
    (_("督办"), "suggestions:supervision_queue", has_supervision_queue),
]


def _current_section(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "accounts":
        return f"accounts:{match.url_name}"
    return match.namespace.split(":")[0] if match.namespace else (match.url_name or "")


def nav_items(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    # only the sections the user's roles can use (liaison.scoping.nav_sections): a unit or
    # a deputy sees no link to a page that would be empty for them
    sections = nav_sections(user)
    items = [item for item in NAV_ITEMS if item[2] in sections]
    items += [(label, url_name, "suggestions:queue") for label, url_name, has in QUEUE_ITEMS if has(user)]
    if can_browse_audit(user):
        items.append(AUDIT_ITEM)
    if can_import_rosters(user):
        items.append(IMPORT_ITEM)
    if can_manage_accounts(user):
        items.append(ACCOUNTS_ITEM)
    if user.is_staff:
        items.append(ADMIN_ITEM)
    section = _current_section(request)
    nav = []
    for label, url_name, key in items:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        nav.append({"label": label, "url": url, "active": key == section})
    return nav


def _active_assignments(user) -> list:
    # liaison.scoping's per-request cached query: the header and the scoping of the page's
    # data cost one query between them
    return sorted(user_roles(user), key=lambda a: (a.role, a.created_at))


def role_labels(user) -> list[str]:
    """Each active role as '联络员 · 凤山街道联络站', in one query."""
    labels = []
    for assignment in _active_assignments(user):
        scope = assignment.station or assignment.region or assignment.deputy or assignment.handling_unit
        # "站长（乡镇人大主席）" → "站长": the header has little room.
        label = assignment.get_role_display().split("（")[0]
        labels.append(f"{label} · {scope}" if scope else label)
    return labels


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    return {
        "nav_items": SimpleLazyObject(lambda: nav_items(request)),
        "user_roles": SimpleLazyObject(lambda: role_labels(user)),
    }
