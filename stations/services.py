"""Writes of the stations app: creating, editing and closing stations and points.

Every write runs ``full_clean()``, so ``Station.clean()`` (a point hangs under a station
that is not itself a point; nothing is its own parent) holds for every caller, not only
for forms."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

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
        current = Station.objects.select_for_update().values_list("version", flat=True).get(pk=station.pk)
        if current != expected_version:
            raise ValidationError("该联络站已被他人修改，请刷新后再提交。", code="stale")
    if "kind" in fields and fields["kind"] == Station.Kind.POINT and station.pk and station.children.exists():
        raise ValidationError({"kind": "该站下设有站点，不能改为联络点。"})
    for name, value in fields.items():
        setattr(station, name, value)
    station.full_clean()
    station.save()
    return station


@transaction.atomic
def station_close(*, station: Station) -> Station:
    """Close (撤销) a station. Its records stay; it takes no new receptions. A station
    with points still running cannot be closed: close or move the points first."""
    if station.is_closed:
        return station
    if station.children.exclude(status=Station.Status.CLOSED).exists():
        raise ValidationError("该站下仍有未撤销的站点，请先撤销或调整下设站点。")
    station.status = Station.Status.CLOSED
    station.save(update_fields=["status"])
    return station
