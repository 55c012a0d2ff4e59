"""Reads of the online liaison station: only what is public (代表信息公示).

Never a deputy's phone or ID, never a citizen's details: the querysets here select the
public columns only (``only``), so a template cannot reach the others by accident."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from deputies.models import Deputy, Mandate
from stations.models import Region, RegionLevel, Station
from suggestions.models import Category, Ticket
from visits.models import ReceptionSlot

SEARCH_LIMIT = 30
STATIONS_LIMIT = 100
TIMETABLE_DAYS = 60
DEPUTY_PUBLIC_FIELDS = ("id", "name", "gender", "occupation", "home_station_id")


def public_stations() -> QuerySet[Station]:
    """Stations a citizen can find: every station not closed."""
    return Station.objects.exclude(status=Station.Status.CLOSED)


def region_or_404(pk) -> Region:
    try:
        return Region.objects.get(pk=int(pk))
    except (Region.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def top_regions() -> QuerySet[Region]:
    return Region.objects.filter(depth=1).only("id", "name", "level", "path")


def region_children(*, region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path, depth=region.depth + 1).only(
        "id", "name", "level", "path"
    )


def region_ancestors(*, region: Region) -> list[Region]:
    paths = Region.path_and_ancestors(region.path)[:-1]
    return list(Region.objects.filter(path__in=paths).only("id", "name", "path").order_by("path"))


def stations_under(*, region: Region) -> QuerySet[Station]:
    return (
        public_stations()
        .in_region(region)
        .select_related("region")
        .only("id", "name", "kind", "address", "region__name")
        .order_by("region__path", "name")[:STATIONS_LIMIT]
    )


def station_search(*, text: str) -> list[Station]:
    """Stations by place name: the station's name or address, or the name of the region
    it is in or under (a village's name finds its township's station)."""
    words = (text or "").replace("\x00", "").split()[:3]
    if not words:
        return []
    match = Q()
    for word in words:
        word = word[:30]
        places = Region.objects.filter(name__icontains=word).values_list("path", flat=True)[:50]
        place_q = Q()
        for path in places:
            # the region itself and the regions above it (a village's township has the station)
            place_q |= Q(region__path__in=Region.path_and_ancestors(path)) | Q(region__path__startswith=path)
        match &= Q(name__icontains=word) | Q(address__icontains=word) | place_q
    return list(
        public_stations()
        .filter(match)
        .select_related("region")
        .only("id", "name", "kind", "address", "region__name")
        .order_by("name")[:SEARCH_LIMIT]
    )


def _one_or_404(qs: QuerySet, pk):
    """One record by primary key, or the same 404 for a missing one and a malformed key."""
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def station_or_404(pk) -> Station:
    return _one_or_404(public_stations().select_related("region", "publication"), pk)


def _serving_mandates(today: dt.date) -> Prefetch:
    return Prefetch(
        "mandates",
        queryset=Mandate.objects.filter(status=Mandate.Status.SERVING, started_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
        .only("id", "deputy_id", "level", "term")
        .order_by("level"),
        to_attr="serving",
    )


def station_deputies(*, station: Station, today: dt.date | None = None) -> list[Deputy]:
    """The deputies based at the station (就近编组进站) with their serving mandates and photo."""
    today = today or timezone.localdate()
    return list(
        Deputy.objects.filter(home_station=station)
        .select_related("public_photo")
        .only(*DEPUTY_PUBLIC_FIELDS, "public_photo__photo", "public_photo__id", "public_photo__deputy_id")
        .prefetch_related(_serving_mandates(today))
        .order_by("name", "id")
    )


def _slots(qs: QuerySet[ReceptionSlot]) -> list[ReceptionSlot]:
    return list(
        qs.select_related("station")
        .only("id", "date", "starts", "ends", "note", "station__id", "station__name")
        .prefetch_related(Prefetch("deputies", queryset=Deputy.objects.only("id", "name").order_by("name")))
        .order_by("date", "starts")[:50]
    )


def station_timetable(*, station: Station, today: dt.date | None = None) -> list[ReceptionSlot]:
    """The published reception timetable: the next two months' reception days."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=TIMETABLE_DAYS)
    return _slots(ReceptionSlot.objects.filter(station=station, date__gte=today, date__lte=until))


def deputy_or_404(pk, *, today: dt.date | None = None) -> Deputy:
    today = today or timezone.localdate()
    qs = (
        Deputy.objects.filter(home_station__in=public_stations())
        .select_related("home_station", "public_photo")
        .only(
            *DEPUTY_PUBLIC_FIELDS,
            "home_station__id",
            "home_station__name",
            "home_station__address",
            "public_photo__photo",
            "public_photo__id",
            "public_photo__deputy_id",
        )
        .prefetch_related(_serving_mandates(today))
    )
    return _one_or_404(qs, pk)


def deputy_timetable(*, deputy: Deputy, today: dt.date | None = None) -> list[ReceptionSlot]:
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=TIMETABLE_DAYS)
    return _slots(ReceptionSlot.objects.filter(deputies=deputy, date__gte=today, date__lte=until))


def station_villages(*, station: Station) -> QuerySet[Region]:
    """The villages of the station's township (what a ticket's village may be)."""
    township = station.region.path[: Region.steplen * RegionLevel.TOWNSHIP]
    return Region.objects.filter(level=RegionLevel.VILLAGE, path__startswith=township).only("id", "name")


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).only("id", "code", "name")


def latest_reply(*, ticket: Ticket):
    """The reply delivered to this citizen (text, unit, time), or None before delivery."""
    delivery = (
        ticket.deliveries.select_related("reply__handling_unit")
        .only("id", "delivered_at", "reply__text", "reply__created_at", "reply__handling_unit__name")
        .order_by("-delivered_at", "-pk")
        .first()
    )
    return delivery.reply if delivery else None


def station_deputy(*, station: Station, pk) -> Deputy | None:
    """A deputy of the station named by a poster's link (``?deputy=``), or None."""
    if not pk:
        return None
    try:
        return Deputy.objects.filter(home_station=station).only("id", "name").get(pk=pk)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        return None
