"""Sending notifications: the inbox rows at once, e-mail and SMS through the outbox.

Set-based: ``notify_many`` costs the same handful of queries for 3 messages or 3,000
(one INSERT per ``BATCH_SIZE`` rows, one SELECT of the recipients' addresses, one INSERT
of outbox messages), so a sweep that notifies thousands of users stays a few statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from liaison import outbox
from notifications import sms
from notifications.models import Notification

BATCH_SIZE = 1000
LISTED_MAX = 20  # an e-mail lists at most this many notifications, then says how many more
EMAIL_TASK = "notifications.send_email"
SMS_TASK = "notifications.send_sms"


@dataclass(frozen=True)
class Message:
    """One notification for one user."""

    user_id: int
    kind: str
    title: str
    body: str = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def channels() -> list[str]:
    return list(settings.NOTIFICATION_CHANNELS)


def notify_many(messages: Iterable[Message]) -> int:
    """Write the inbox rows in bulk, then queue one e-mail (and one SMS, if enabled) per
    recipient who has an address, covering all of that recipient's new notifications.
    Call it inside the transaction of the change it is about: the notifications and their
    delivery commit (or roll back) with it. Returns the number of inbox rows."""
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=m.user_id,
            kind=m.kind,
            title=m.title[:200],
            body=m.body,
            url=m.url,
            data=m.data or {},
            created_at=now,
        )
        for m in messages
    ]
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        wanted = [c for c in channels() if c in ("email", "sms")]
        if wanted:
            _queue_delivery(rows, wanted)
    return len(rows)


def notify(
    *, user_ids: Iterable[int], kind: str, title: str, body: str = "", url: str = "", data: dict | None = None
) -> int:
    """The same notification to several users."""
    return notify_many(
        Message(user_id=uid, kind=kind, title=title, body=body, url=url, data=data or {})
        for uid in dict.fromkeys(user_ids)
    )


def _queue_delivery(rows: list[Notification], wanted: list[str]) -> None:
    by_user: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_user[row.recipient_id].append(row.pk)
    contacts = (
        get_user_model()
        .objects.filter(pk__in=list(by_user), is_active=True)
        .values_list("pk", "email", "phone")
    )
    queued = []
    for user_id, email, phone in contacts:
        ids = sorted(by_user[user_id])
        args, kwargs = [user_id, ids[:LISTED_MAX]], {"total": len(ids)}
        if "email" in wanted and email:
            queued.append((EMAIL_TASK, args, kwargs))
        if "sms" in wanted and phone:
            queued.append((SMS_TASK, args, kwargs))
    outbox.enqueue_many(queued, batch_size=BATCH_SIZE)


def _pending(user_id: int, notification_ids: list[int]) -> tuple[Any, list[Notification]]:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None, []
    notifications = list(
        Notification.objects.filter(recipient_id=user_id, pk__in=notification_ids).order_by(
            "created_at", "pk"
        )
    )
    return user, notifications


def notification_email_send(*, user_id: int, notification_ids: list[int], total: int | None = None) -> bool:
    """Send one e-mail (in Chinese) listing a user's new notifications (the first
    ``LISTED_MAX`` of ``total``)."""
    user, notifications = _pending(user_id, notification_ids)
    if user is None or not user.email or not notifications:
        return False
    total = max(total or 0, len(notifications))
    context = {
        "user": user,
        "notifications": notifications,
        "total": total,
        "more": total - len(notifications),
        "site_url": settings.SITE_URL,
    }
    if total == 1:
        subject = f"【人大代表联络站】{notifications[0].title}"
    else:
        subject = f"【人大代表联络站】您有 {total} 条新通知"
    send_mail(
        subject=subject,
        message=render_to_string("notifications/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


def notification_sms_send(*, user_id: int, notification_ids: list[int], total: int | None = None) -> bool:
    """Send one short SMS about a user's new notifications."""
    user, notifications = _pending(user_id, notification_ids)
    if user is None or not user.phone or not notifications:
        return False
    total = max(total or 0, len(notifications))
    if total == 1:
        text = f"【人大代表联络站】{notifications[0].title}"
    else:
        text = f"【人大代表联络站】您有{total}条新通知：{notifications[0].title}等"
    sms.get_backend().send(user.phone, text + "，请登录平台查看。")
    return True


@transaction.atomic
def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them (``notification_id`` None).
    Only the user's own: another user's id marks nothing."""
    qs = Notification.objects.for_user(user).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
