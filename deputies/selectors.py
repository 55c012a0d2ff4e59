"""Reads of the deputies app."""

from django.db.models import Prefetch

from deputies.filters import DeputyFilter
from deputies.models import Deputy, DeputyQuerySet, Level, Mandate
from liaison.scoping import get_scoped_or_404, scoped
from stations.models import Region

# Highest level first, the order the five levels are always listed in.
LEVEL_ORDER = {level: i for i, level in enumerate(Level.values)}


def deputies_in_region(*, region: Region) -> DeputyQuerySet:
    """Deputies whose home station lies in ``region``'s subtree, with station and
    mandates loaded (two queries for any number of deputies)."""
    return (
        Deputy.objects.in_region(region)
        .select_related("home_station", "group")
        .prefetch_related(Prefetch("mandates", queryset=Mandate.objects.order_by("level", "-term")))
        .order_by("name", "id")
    )


def deputy_levels(*, deputy: Deputy) -> list[str]:
    """The levels at which ``deputy`` is currently serving, national first. Uses the
    prefetched mandates when there are any."""
    levels = {m.level for m in deputy.mandates.all() if m.status == Mandate.Status.SERVING}
    return sorted(levels, key=LEVEL_ORDER.__getitem__)


# --- pages (scoped through liaison.scoping) -------------------------------------------


def deputy_list(*, user, filters=None, request=None) -> DeputyFilter:
    queryset = (
        scoped(user, Deputy.objects.all())
        .select_related("home_station", "group")
        .prefetch_related(Prefetch("mandates", queryset=Mandate.objects.order_by("level")))
        .order_by("home_station__name", "name")
    )
    return DeputyFilter(filters, queryset=queryset, request=request)


def deputy_detail(*, user, pk) -> Deputy:
    return get_scoped_or_404(
        user, Deputy.objects.select_related("home_station__region", "group__leader"), pk=pk
    )


def deputy_page_data(*, deputy: Deputy) -> dict:
    return {
        "mandates": list(deputy.mandates.select_related("congress_region").order_by("level", "-term")),
    }
