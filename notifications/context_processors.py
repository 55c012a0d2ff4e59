"""The unread-notifications badge of the page header: lazy (a page that never renders the
header costs nothing) and counted once per request (one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import BADGE_CAP, unread_count


def _badge(request: HttpRequest) -> str:
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        count = unread_count(user=request.user)
        cached = "" if not count else (f"{BADGE_CAP}+" if count > BADGE_CAP else str(count))
        request._unread_notifications = cached
    return cached


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": ""}
    return {"unread_notifications": SimpleLazyObject(lambda: _badge(request))}
