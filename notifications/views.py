"""The inbox (通知) pages: the signed-in user's own notifications only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

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
    messages.success(request, f"已将 {count} 条通知标记为已读。" if count else "没有未读通知。")
    return redirect("notifications:list")
