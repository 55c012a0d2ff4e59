"""Outbox handlers of the notifications app (see ``liaison.outbox``): thin, calling services."""

from __future__ import annotations

from django.urls import reverse

from liaison import outbox, scoping
from notifications import services
from visits.models import ReceptionSession


@outbox.handler(services.EMAIL_TASK)
def send_email(user_id: int, notification_ids: list[int], total: int | None = None) -> None:
    services.notification_email_send(user_id=user_id, notification_ids=notification_ids, total=total)


@outbox.handler(services.SMS_TASK)
def send_sms(user_id: int, notification_ids: list[int], total: int | None = None) -> None:
    services.notification_sms_send(user_id=user_id, notification_ids=notification_ids, total=total)


@outbox.handler("visits.tickets_registered")
def tickets_registered(session_id: str, actor_id: int | None = None) -> None:
    """A reception's opinions are registered: tell the station's keepers (its liaison
    officers and the station head), except who recorded it, that they await a decision."""
    session = ReceptionSession.objects.select_related("station__region").filter(pk=session_id).first()
    if session is None:
        return
    count = session.tickets.count()
    if not count:
        return
    station = session.station
    recipients = [uid for uid in scoping.station_keeper_ids(station) if uid != actor_id]
    services.notify(
        user_ids=recipients,
        kind="tickets_registered",
        title=f"{station.name}登记了 {count} 条群众意见建议，待决定处理方式",
        body=f"接待活动：{session.theme or session.get_kind_display()}（{session.starts_at:%Y-%m-%d}）",
        url=reverse("visits:detail", args=[session.pk]),
        data={"reception": str(session.pk), "station": str(station.pk), "tickets": count},
    )
