"""Reads of the stations app: region subtrees and the stations in them."""

import datetime as dt

from django.db.models import Count, DateField, Value
from django.db.models.functions import Coalesce

from liaison.scoping import get_scoped_or_404, scoped
from stations.filters import StationFilter
from stations.models import Region, RegionQuerySet, Station, StationQuerySet


def region_subtree(*, region: Region) -> RegionQuerySet:
    """The region and every region under it, in tree order: one indexed prefix match."""
    return Region.objects.subtree(region)


def stations_in_region(*, region: Region) -> StationQuerySet:
    """Stations and points anywhere in ``region``'s subtree, with region and parent loaded."""
    return (
        Station.objects.in_region(region)
        .select_related("region", "parent")
        .order_by("region__path", "kind", "name")
    )


def station_points(*, station: Station) -> StationQuerySet:
    """The stations and points directly under ``station``."""
    return Station.objects.filter(parent=station).select_related("region").order_by("name")


# --- pages (scoped through liaison.scoping) -------------------------------------------


# The list's orderings, for keyset paging (liaison.pagination.keyset_page): every field in
# one direction, ending in the primary key; a station with no 建站日期 sorts as the earliest.
STATION_ORDERINGS: dict[str, tuple[str, ...]] = {
    "": ("region__path", "kind", "name", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "established_on": ("established_key", "id"),
    "-established_on": ("-established_key", "-id"),
}


def station_list_ordering(order: str | None) -> tuple[str, ...]:
    return STATION_ORDERINGS.get(order or "", STATION_ORDERINGS[""])


def station_list(*, user, filters: dict | None = None, request=None) -> StationFilter:
    """The stations and points the user may see, filtered; a FilterSet whose ``qs`` is
    ready to paginate (region and parent joined, no query per row)."""
    from stations.filters import StationFilter

    queryset = (
        scoped(user, Station.objects.select_related("region", "parent"))
        .annotate(established_key=Coalesce("established_on", Value(dt.date.min), output_field=DateField()))
        .order_by("region__path", "kind", "name")
    )
    return StationFilter(filters, queryset=queryset, request=request)


def station_detail(*, user, pk) -> Station:
    return get_scoped_or_404(
        user, Station.objects.select_related("region", "parent", "parent__region"), pk=pk
    )


def station_page_data(*, station: Station) -> dict:
    """Everything the station page shows beside the station: a fixed number of queries."""
    return {
        "staff": list(station.staff.filter(is_active=True).order_by("role", "name")),
        "points": list(station.children.select_related("region").order_by("name")),
        "funding": list(station.funding.order_by("-year", "source")),
        "groups": list(
            station.deputy_groups.select_related("leader")
            .annotate(member_count=Count("members"))
            .order_by("name")
        ),
        "deputy_count": station.deputies.count(),
    }
