"""Filters shared by the list pages (django-filter)."""

import django_filters
from django.db.models import QuerySet

from liaison.scoping import scoped
from stations.models import Region, RegionLevel


def scoped_regions(request) -> QuerySet[Region]:
    """Regions offered in a filter: counties and townships the user may see."""
    if request is None:
        return Region.objects.none()
    return scoped(request.user, Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP]))


class RegionSubtreeFilter(django_filters.ModelChoiceFilter):
    """Choose a region; match everything in its subtree (``<prefix>region__path``)."""

    def __init__(self, *args, path_field: str = "region__path", **kwargs):
        self.path_field = path_field
        kwargs.setdefault("queryset", scoped_regions)
        kwargs.setdefault("label", "区域")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})
