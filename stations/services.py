"""Writes of the stations app: creating, editing and closing stations and points.

Every write runs ``full_clean()``, so ``Station.clean()`` (a point hangs under a station
that is not itself a point; nothing is its own parent) holds for every caller, not only
for forms.

Station row locks are never ``FOR UPDATE``: that conflicts with the ``FOR KEY SHARE`` every
insert of a row referencing the station takes (a ticket, a session), so a station edit
would queue behind a reception, or deadlock with it. Edits take ``FOR NO KEY UPDATE``;
a reception holds ``FOR SHARE`` (``station_status_held``), which conflicts only with edits."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext

from stations.models import Region, Station

# Fields a caller may set through ``station_update``; the sync bookkeeping is not one.
STATION_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "parent",
        "region",
        "address",
        "latitude",
        "longitude",
        "themed_base",
        "established_on",
        "status",
        *Station.SIX_HAVES,
        *Station.FIVE_IN_PLACE,
    }
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - STATION_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable station fields: {sorted(unknown)}")


@transaction.atomic
def station_create(
    *, name: str, kind: str, region: Region, parent: Station | None = None, **fields: Any
) -> Station:
    _check_fields(fields)
    station = Station(name=name, kind=kind, region=region, parent=parent, **fields)
    station.full_clean()
    station.save()
    return station


@transaction.atomic
def station_update(*, station: Station, expected_version: int | None = None, **fields: Any) -> Station:
    """With ``expected_version`` the row is locked and a station changed meanwhile is
    refused (code "stale") instead of overwritten."""
    _check_fields(fields)
    if expected_version is not None:
        current = (
            Station.objects.select_for_update(no_key=True)
            .values_list("version", flat=True)
            .get(pk=station.pk)
        )
        if current != expected_version:
            raise ValidationError(gettext("该联络站已被他人修改，请刷新后再提交。"), code="stale")
    if "kind" in fields and fields["kind"] == Station.Kind.POINT and station.pk and station.children.exists():
        raise ValidationError({"kind": gettext("该站下设有站点，不能改为联络点。")})
    for name, value in fields.items():
        setattr(station, name, value)
    station.full_clean()
    station.save()
    return station


def station_status_held(*, station_id) -> str:
    """The station's status, read ``FOR SHARE`` and held until the caller's transaction
    ends: a ``station_close`` waits for the caller to commit, and a caller that comes
    after a close waits for the close and reads "closed". It does not conflict with other
    holders (two receptions at one station) nor with inserts referencing the station."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("station_status_held needs a transaction")
    if connection.vendor != "postgresql":  # SQLite has one writer at a time: no row locks
        return Station.objects.values_list("status", flat=True).get(pk=station_id)
    table = connection.ops.quote_name(Station._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status FROM {table} WHERE id = %s FOR SHARE", [station_id])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        raise Station.DoesNotExist(f"no station {station_id}")
    return row[0]


@transaction.atomic
def station_close(*, station: Station) -> Station:
    """Close (撤销) a station. Its records stay; it takes no new receptions (the row lock
    makes a close and a reception in progress wait for each other, see
    ``station_status_held``). A station with points still running cannot be closed: close
    or move the points first."""
    status = (
        Station.objects.select_for_update(no_key=True).values_list("status", flat=True).get(pk=station.pk)
    )
    if status == Station.Status.CLOSED:
        station.status = status
        return station
    if station.children.exclude(status=Station.Status.CLOSED).exists():
        raise ValidationError(gettext("该站下仍有未撤销的站点，请先撤销或调整下设站点。"))
    station.status = Station.Status.CLOSED
    station.save(update_fields=["status"])
    return station
