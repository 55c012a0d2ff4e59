"""Outbox handlers of the notifications app (see ``liaison.outbox``): thin, calling services."""

from __future__ import annotations

from liaison import outbox
from notifications import services


@outbox.handler(services.EMAIL_TASK)
def send_email(user_id: int, notification_ids: list[int], total: int | None = None) -> None:
    services.notification_email_send(user_id=user_id, notification_ids=notification_ids, total=total)


@outbox.handler(services.SMS_TASK)
def send_sms(user_id: int, notification_ids: list[int], total: int | None = None) -> None:
    services.notification_sms_send(user_id=user_id, notification_ids=notification_ids, total=total)
