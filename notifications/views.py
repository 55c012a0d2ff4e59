"""The inbox (通知) pages: the signed-in user's own notifications only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors, services


@login_required
def notification_list(request):
    try:
        before = int(request.GET["before"]) if request.GET.get("before") else None
    except ValueError:
        before = None
    rows, older = selectors.inbox_page(user=request.user, before=before)
    return render(
        request,
        "notifications/inbox.html",
        {"notifications": rows, "older": older, "is_first_page": before is None},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read and go where it points (or back to the inbox).
    Another user's notification is not found, like a missing one."""
    notification = selectors.notification_of_user_or_404(user=request.user, notification_id=pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url if request.POST.get("go") and notification.url else ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notification_mark_read(user=request.user)
    messages.success(
        request,
        _("已将 %(count)s 条通知标记为已读。") % {"count": count} if count else _("没有未读通知。"),
    )
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """通知方式: per kind, e-mail and SMS on or off (the inbox always). A checkbox left
    unticked is "off"; every kind is saved at once."""
    rows = selectors.channel_preferences(user=request.user)
    if request.method == "POST":
        choices = {
            row["kind"].name: (
                request.POST.get(f"{row['kind'].name}-email") == "on",
                request.POST.get(f"{row['kind'].name}-sms") == "on",
            )
            for row in rows
        }
        services.channel_preferences_save(user=request.user, choices=choices)
        messages.success(request, _("通知方式已保存。"))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"rows": rows})
