"""Writes of the visits app: registering reception sessions and who attended them.

First version: the rules every caller must get the same way (a closed station takes no
new receptions; an attendance names the person its role needs)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from deputies.models import Deputy, LeadingCadre
from stations.models import Station
from visits.models import Attendance, ReceptionSession

CLOSED_STATION_MESSAGE = "该联络站已撤销，不能登记新的接待活动。"


@transaction.atomic
def reception_create(
    *,
    station: Station,
    kind: str,
    starts_at: dt.datetime,
    citizens_received: int = 0,
    created_by=None,
    **fields: Any,
) -> ReceptionSession:
    # Lock the station row so a concurrent station_close cannot slip in between.
    status = Station.objects.select_for_update().values_list("status", flat=True).get(pk=station.pk)
    if status == Station.Status.CLOSED:
        raise ValidationError(CLOSED_STATION_MESSAGE)
    session = ReceptionSession(
        station=station,
        kind=kind,
        starts_at=starts_at,
        citizens_received=citizens_received,
        created_by=created_by,
        **fields,
    )
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def attendance_add(
    *,
    session: ReceptionSession,
    deputy: Deputy | None = None,
    cadre: LeadingCadre | None = None,
    role: str | None = None,
    guest_name: str = "",
    guest_title: str = "",
    present: bool = True,
) -> Attendance:
    """Record one person at a session. ``role`` defaults from who is given: a deputy, a
    leading cadre; an invited official or legal expert needs ``role`` and ``guest_name``."""
    if role is None:
        role = Attendance.Role.DEPUTY if deputy else Attendance.Role.LEADING_CADRE if cadre else None
    if role is None:
        raise ValidationError({"role": "请指定参加人员的身份。"})
    if role == Attendance.Role.DEPUTY and (deputy is None or cadre is not None or guest_name):
        raise ValidationError({"deputy": "身份为人大代表时，须且只须指定一名代表。"})
    if role == Attendance.Role.LEADING_CADRE and (cadre is None or deputy is not None or guest_name):
        raise ValidationError({"cadre": "身份为领导干部时，须且只须指定一名领导干部。"})
    if role in (Attendance.Role.OFFICIAL, Attendance.Role.LEGAL_EXPERT) and (
        deputy is not None or cadre is not None or not guest_name.strip()
    ):
        raise ValidationError({"guest_name": "特邀人员须填写姓名，且不关联代表或领导干部。"})
    if deputy is not None and session.attendances.filter(deputy=deputy).exists():
        raise ValidationError({"deputy": f"{deputy}已登记参加本次活动。"})
    if cadre is not None and session.attendances.filter(cadre=cadre).exists():
        raise ValidationError({"cadre": f"{cadre}已登记参加本次活动。"})
    attendance = Attendance(
        session=session,
        role=role,
        deputy=deputy,
        cadre=cadre,
        guest_name=guest_name.strip(),
        guest_title=guest_title,
        present=present,
    )
    attendance.full_clean()
    attendance.save()
    return attendance
