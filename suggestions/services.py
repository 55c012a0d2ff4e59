"""Writes of the suggestions app: citizen opinions as tickets.

First version: registration. The state machine (allowed transitions as one declared
table, events on every transition, replies, deadlines) grows here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from suggestions.models import Category, Ticket

if TYPE_CHECKING:
    from accounts.models import User
    from deputies.models import Deputy, LeadingCadre
    from stations.models import Region, Station
    from visits.models import ReceptionSession


@transaction.atomic
def ticket_register(
    *,
    station: Station,
    category: Category,
    content: str,
    citizen_name: str,
    citizen_phone: str = "",
    citizen_address: str = "",
    citizen_id_number: str = "",
    consent_to_share: bool = False,
    village: Region | None = None,
    reception: ReceptionSession | None = None,
    received_by_deputy: Deputy | None = None,
    received_by_cadre: LeadingCadre | None = None,
    on_the_spot_action: str = "",
    received_at: datetime | None = None,
    actor: User | None = None,
) -> Ticket:
    """Register (登记) one citizen opinion as a ticket."""
    if station.is_closed:
        raise ValidationError({"station": "该联络站已撤销，不能登记新的意见建议。"})
    if reception is not None and reception.station_id != station.pk:
        raise ValidationError({"reception": "接待活动不属于该联络站。"})
    ticket = Ticket(
        station=station,
        category=category,
        content=content,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        citizen_address=citizen_address,
        citizen_id_number=citizen_id_number,
        consent_to_share=consent_to_share,
        village=village,
        reception=reception,
        received_by_deputy=received_by_deputy,
        received_by_cadre=received_by_cadre,
        on_the_spot_action=on_the_spot_action,
        received_at=received_at or (reception.starts_at if reception else timezone.now()),
        status=Ticket.Status.REGISTERED,
        created_by=actor,
    )
    ticket.full_clean()
    ticket.save()
    return ticket
