"""Writes of the deputies app: registering deputies and their mandates.

A person may hold mandates at several levels at once (a township deputy who is also a
county deputy): one Deputy, several Mandates."""

import datetime as dt
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from deputies.models import Deputy, DeputyGroup, Mandate
from stations.models import Region, Station


@transaction.atomic
def deputy_create(
    *,
    name: str,
    gender: str,
    home_station: Station,
    phone: str = "",
    group: DeputyGroup | None = None,
    **fields: Any,
) -> Deputy:
    deputy = Deputy(name=name, gender=gender, home_station=home_station, phone=phone, group=group, **fields)
    deputy.full_clean()
    deputy.save()
    return deputy


@transaction.atomic
def mandate_add(
    *,
    deputy: Deputy,
    level: str,
    term: int,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    congress_region: Region | None = None,
    constituency: str = "",
    status: str = Mandate.Status.SERVING,
) -> Mandate:
    """Add a mandate. The same (level, term) twice for one deputy is refused with a form
    error (the database's unique constraint stays the last line of defence)."""
    mandate = Mandate(
        deputy=deputy,
        level=level,
        term=term,
        started_on=started_on,
        ended_on=ended_on,
        congress_region=congress_region,
        constituency=constituency,
        status=status,
    )
    try:
        mandate.full_clean()
    except ValidationError as exc:
        duplicate = any(
            e.code == "unique_together" for e in getattr(exc, "error_dict", {}).get(NON_FIELD_ERRORS, [])
        )
        if duplicate:
            raise ValidationError(
                gettext("该代表已有{level}第{term}届代表资格。").format(
                    level=mandate.get_level_display(), term=term
                )
            ) from exc
        raise
    mandate.save()
    return mandate
