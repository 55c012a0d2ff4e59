"""Reads of reception sessions, already scoped through liaison.scoping."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet

from deputies.models import Deputy, LeadingCadre
from liaison.scoping import citizen_data_q, get_scoped_or_404, ledger_stations_q, loggable_stations, scoped
from stations.models import Region, RegionLevel, Station
from suggestions.models import Category, Ticket
from visits.filters import ReceptionFilter
from visits.models import Attendance, ExportJob, ReceptionAttachment, ReceptionSession, ReceptionSlot

# ?o= of the reception list → a keyset ordering ending in the unique id
RECEPTION_ORDERINGS = {
    "-starts_at": ("-starts_at", "-id"),
    "starts_at": ("starts_at", "id"),
    "citizens_received": ("citizens_received", "id"),
    "-citizens_received": ("-citizens_received", "-id"),
}


def reception_list(*, user, filters=None, request=None) -> ReceptionFilter:
    """Sessions the user may see, newest first, with how many deputies and leading
    cadres were present (counted in SQL, no query per row)."""
    queryset = (
        scoped(user, ReceptionSession.objects.all())
        .select_related("station", "slot")
        .annotate(
            deputies_present=Count(
                "attendances", filter=Q(attendances__role=Attendance.Role.DEPUTY, attendances__present=True)
            ),
            cadres_present=Count(
                "attendances",
                filter=Q(attendances__role=Attendance.Role.LEADING_CADRE, attendances__present=True),
            ),
        )
        .order_by("-starts_at")
    )
    return ReceptionFilter(filters, queryset=queryset, request=request)


def reception_detail(*, user, pk) -> ReceptionSession:
    return get_scoped_or_404(
        user, ReceptionSession.objects.select_related("station__region", "created_by"), pk=pk
    )


def reception_page_data(*, session: ReceptionSession) -> dict:
    return {
        "attendances": list(session.attendances.select_related("deputy", "cadre").order_by("role", "pk")),
    }


# --- the reception form's choices -----------------------------------------------------------


@dataclass(frozen=True)
class ReceptionChoices:
    """What the reception form offers a user: stations they log at, and the people,
    villages, categories and planned slots that go with those stations."""

    stations: QuerySet[Station]
    chosen: Station | None
    deputies: QuerySet[Deputy]
    cadres: QuerySet[LeadingCadre]
    villages: QuerySet[Region]
    categories: QuerySet[Category]
    slots: QuerySet[ReceptionSlot]


def _ancestor_paths(paths: Iterable[str]) -> set[str]:
    return {a for p in paths for a in Region.path_and_ancestors(p)}


def reception_form_choices(*, user, on: dt.date, station_id=None) -> ReceptionChoices:
    """Choices for one chosen station (its deputies and those of the station a point
    hangs under, cadres over its region, its villages, its unheld slots). With no
    station chosen yet the people lists are empty: a county-wide user must not get
    ten thousand checkboxes."""
    stations = loggable_stations(user).select_related("region", "parent").order_by("name")
    chosen = None
    if station_id:
        try:
            chosen = stations.filter(pk=station_id).first()
        except (ValidationError, ValueError):
            chosen = None
    if chosen is None:
        return ReceptionChoices(
            stations=stations,
            chosen=None,
            deputies=Deputy.objects.none(),
            cadres=LeadingCadre.objects.none(),
            villages=Region.objects.none(),
            categories=Category.objects.filter(is_active=True),
            slots=ReceptionSlot.objects.none(),
        )
    homes = [chosen.pk] + ([chosen.parent_id] if chosen.parent_id else [])
    path = chosen.region.path
    township = path[: Region.steplen * RegionLevel.TOWNSHIP]
    return ReceptionChoices(
        stations=stations,
        chosen=chosen,
        deputies=Deputy.objects.filter(home_station__in=homes)
        .select_related("group", "home_station")
        .order_by("home_station__name", "group__name", "name"),
        # city and county cadres over the station's region (领导干部进站)
        cadres=LeadingCadre.objects.filter(region__path__in=_ancestor_paths([path])).order_by(
            "level", "name"
        ),
        villages=Region.objects.filter(path__startswith=township, level=RegionLevel.VILLAGE).order_by("path"),
        categories=Category.objects.filter(is_active=True),
        slots=ReceptionSlot.objects.filter(
            station=chosen,
            session__isnull=True,
            date__gte=on - dt.timedelta(days=30),
            date__lte=on + dt.timedelta(days=30),
        )
        .select_related("station")
        .order_by("date", "starts"),
    )


def my_stations(*, user, limit: int = 6) -> list[Station]:
    """The stations (not points) a user keeps the books of, for the list page's
    shortcuts to their timetable and ledgers."""
    return list(loggable_stations(user).exclude(kind=Station.Kind.POINT).order_by("name")[:limit])


def loggable_station_ids(*, user) -> QuerySet:
    return loggable_stations(user).order_by("name").values_list("pk", flat=True)


def reception_draft(*, user, pk) -> ReceptionSession:
    return get_scoped_or_404(
        user,
        ReceptionSession.objects.select_related("station__region", "slot").prefetch_related(
            "attendances", "attachments"
        ),
        pk=pk,
    )


def reception_attachments(*, session: ReceptionSession) -> list[ReceptionAttachment]:
    return list(session.attachments.all())


def reception_tickets(*, session: ReceptionSession) -> list[Ticket]:
    return list(
        session.tickets.select_related(
            "category", "received_by_deputy", "received_by_cadre", "village"
        ).order_by("created_at")
    )


# --- timetable ------------------------------------------------------------------------------


def station_for_user(*, user, pk) -> Station:
    return get_scoped_or_404(user, Station.objects.select_related("region", "parent"), pk=pk)


def station_timetable(*, station: Station, on: dt.date) -> dict:
    """Published reception days of a station (and its points) from a month back, with
    the deputies who sit and whether a session was logged against each."""
    slots = (
        ReceptionSlot.objects.filter(
            Q(station=station) | Q(station__parent=station), date__gte=on - dt.timedelta(days=30)
        )
        .select_related("station", "session")
        .prefetch_related(Prefetch("deputies", queryset=Deputy.objects.order_by("name")))
        .order_by("date", "starts")
    )
    slots = list(slots)
    return {
        "upcoming": [s for s in slots if s.date >= on],
        "past": [s for s in slots if s.date < on][::-1],
    }


def upcoming_slots(*, user, on: dt.date, days: int = 60) -> QuerySet[ReceptionSlot]:
    return (
        scoped(user, ReceptionSlot.objects.upcoming(on=on).filter(date__lte=on + dt.timedelta(days=days)))
        .select_related("station", "session")
        .prefetch_related(Prefetch("deputies", queryset=Deputy.objects.order_by("name")))
        .order_by("date", "starts")
    )


def slot_for_user(*, user, pk) -> ReceptionSlot:
    return get_scoped_or_404(user, ReceptionSlot.objects.select_related("station__region"), pk=pk)


def slot_deputy_choices(*, station: Station) -> QuerySet[Deputy]:
    return (
        Deputy.objects.filter(Q(home_station=station) | Q(home_station=station.parent_id))
        .select_related("group")
        .order_by("group__name", "name")
    )


# --- ledgers --------------------------------------------------------------------------------

RECEPTION_BOOK_KINDS = (
    ReceptionSession.Kind.STATION_RECEPTION,
    ReceptionSession.Kind.THEMED,
    ReceptionSession.Kind.ONLINE,
)


def ledger_tickets(
    *, user, station: Station, book: str, date_from: dt.date, date_to: dt.date
) -> QuerySet[Ticket]:
    """The book's rows for a station with its points (a township station's book covers
    its villages' points), in the order they were received: one query.

    Reception book: opinions heard at station receptions, themed activities and online,
    and those registered at the station outside any session; door-to-door book: those
    heard on visits (走访)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    lower = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    upper = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if book == "door_to_door":
        kind_q = Q(reception__kind=ReceptionSession.Kind.DOOR_TO_DOOR)
    else:
        kind_q = Q(reception__isnull=True) | Q(reception__kind__in=RECEPTION_BOOK_KINDS)
    return (
        scoped(user, Ticket.objects.all())
        .filter(
            Q(station=station) | Q(station__parent=station),
            kind_q,
            received_at__gte=lower,
            received_at__lt=upper,
        )
        .exclude(status=Ticket.Status.MERGED)
        .select_related(
            "station__region",
            "village",
            "received_by_deputy",
            "received_by_cadre",
            "handling_unit",
            "reception",
        )
        .with_reply_summary()
        .order_by("received_at", "created_at")
    )


def export_jobs(*, user) -> QuerySet[ExportJob]:
    """A user's own exports (a file of citizens' opinions is for whoever asked for it): the
    ledgers of stations whose ledgers they may still export (a role switched off, or a
    station out of their scope now, and the job is gone for them), and the other kinds,
    whose access ``visits.services.EXPORT_KINDS`` checks when one is opened."""
    return (
        ExportJob.objects.filter(
            Q(ledger_stations_q(user, "station__")) | ~Q(kind=ExportJob.Kind.LEDGER), created_by=user
        )
        .select_related("station__region")
        .order_by("-created_at")
    )


def export_full_views(*, user, job: ExportJob) -> list[tuple] | None:
    """The (ticket id, citizen name) of the rows ``job``'s file shows in full, when ``user``
    may still see every one of them so (one query); ``None`` when they may not any more."""
    ids = set(job.full_ticket_ids)
    if not ids:
        return []
    q = citizen_data_q(user)
    if q is None:
        return None
    rows = list(scoped(user, Ticket.objects.filter(q, pk__in=ids)).values_list("pk", "citizen_name"))
    return rows if len(rows) == len(ids) else None
