"""Reads of the notifications app: always the signed-in user's own notifications."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext

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
        raise Http404(gettext("没有这条通知。"))
    return notification


def channel_preferences(*, user) -> list[dict]:
    """Each kind of notification with the user's channels (their choice, else the kind's
    default) and which channels the system has at all: one query."""
    from django.conf import settings

    from notifications.kinds import KINDS
    from notifications.models import ChannelPreference

    chosen = {
        kind: (email, sms)
        for kind, email, sms in ChannelPreference.objects.filter(user=user).values_list(
            "kind", "email", "sms"
        )
    }
    system = set(settings.NOTIFICATION_CHANNELS)
    rows = []
    for kind in KINDS.values():
        email, sms = chosen.get(kind.name, (kind.email, kind.sms))
        rows.append(
            {
                "kind": kind,
                "email": email,
                "sms": sms,
                "email_available": "email" in system,
                "sms_available": "sms" in system,
            }
        )
    return rows
