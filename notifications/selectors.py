"""Reads of the notifications app: always the signed-in user's own notifications."""

from __future__ import annotations

from django.http import Http404

from notifications.models import Notification

PAGE_SIZE = 30
BADGE_CAP = 99  # the badge says "99+" beyond this; counting stops there


def inbox_page(
    *, user, before: int | None = None, size: int | None = None
) -> tuple[list[Notification], int | None]:
    """One page of the user's notifications, newest first, keyset-paged on the id (ids
    grow with time): the page and the cursor of the next (older) page, or None. One query."""
    size = size or PAGE_SIZE
    qs = Notification.objects.for_user(user).order_by("-id")
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: size + 1])
    older = rows[size - 1].pk if len(rows) > size else None
    return rows[:size], older


def unread_count(*, user, cap: int = BADGE_CAP) -> int:
    """Unread notifications, counted up to ``cap + 1`` (one indexed query, bounded)."""
    return Notification.objects.for_user(user).unread().order_by()[: cap + 1].count()


def notification_of_user_or_404(*, user, notification_id: int) -> Notification:
    """One of the user's own notifications; another user's answers the same 404 as a
    missing one (existence does not leak)."""
    notification = Notification.objects.for_user(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("没有这条通知。")
    return notification
