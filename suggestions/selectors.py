"""Reads over citizen opinions: the work figures (进站人次、接待群众、收集问题、办结问题)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from liaison.scoping import get_scoped_or_404, scoped
from stations.models import Region, Station
from suggestions.filters import TicketFilter
from suggestions.models import Ticket
from visits.models import Attendance, ReceptionSession

Group = Literal["deputies", "cadres"]

_ROLE = {"deputies": Attendance.Role.DEPUTY, "cadres": Attendance.Role.LEADING_CADRE}
_RECEIVER = {"deputies": "received_by_deputy", "cadres": "received_by_cadre"}


@dataclass(frozen=True)
class WorkFigures:
    """One row of the work-figures table for a group over a period."""

    entries: int  # 进站人次
    citizens_received: int  # 接待群众人次
    issues_collected: int  # 收集问题（件）
    issues_closed: int  # 办结问题（件）

    @property
    def closure_rate(self) -> float:
        """Closed / collected, 0 when nothing was collected."""
        return self.issues_closed / self.issues_collected if self.issues_collected else 0.0


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local dates (Asia/Shanghai), inclusive → aware ``[start 00:00, end+1 00:00)``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lower, upper


def within(
    qs: QuerySet, *, via: str, region: Region | None = None, station: Station | None = None
) -> QuerySet:
    """Limit ``qs`` (reaching its station through ``via``) to a region subtree and/or a
    station with its points."""
    if region is not None:
        qs = qs.filter(**{f"{via}__region__path__startswith": region.path})
    if station is not None:
        qs = qs.filter(Q(**{via: station}) | Q(**{f"{via}__parent": station}))
    return qs


def closed_by(upper: dt.datetime) -> Q:
    """THE rule for "closed" in every figure of a period (dashboards, reports, circulars,
    performance files, station ratings): the ticket is closed now and was closed before
    the period's end (``upper``, exclusive). A ticket reopened after the period is not
    closed for it (its ``closed_at`` is cleared on reopening; closed again, it counts from
    its new closing time). The rollups apply the same rule at their month grain
    (``closed_month`` is the month of ``closed_at``; ``closed_month <= the period's last
    month``). What the figures said on a past day is the as-of report's question, read
    from the timeline (``reports.asof``); closed evaluations and archived ratings keep
    their stored inputs. Why this rule: README, "Oversight", "One counting rule"."""
    return Q(closed_at__isnull=False, closed_at__lt=upper)


def work_figures(
    *,
    group: Group,
    start: dt.date,
    end: dt.date,
    region: Region | None = None,
    station: Station | None = None,
) -> WorkFigures:
    """The four figures for deputies (all five levels) or leading cadres, in three queries.

    - entries: present attendances of the group's role at done sessions of an at-station
      kind (``ReceptionSession.AT_STATION_KINDS``) starting in the period;
    - citizens received: ``citizens_received`` summed over done sessions (any kind)
      starting in the period with at least one present attendee of the group (a joint
      session counts for deputies and for cadres);
    - issues collected: tickets received in the period by a deputy (resp. a cadre),
      merged ones excluded;
    - issues closed: those of them closed before the period's end.

    ``region`` limits to stations in that subtree; ``station`` to that station and its points.
    """
    role = _ROLE[group]
    lower, upper = period_bounds(start, end)

    entries = (
        within(Attendance.objects.station_entries(), via="session__station", region=region, station=station)
        .filter(role=role, session__starts_at__gte=lower, session__starts_at__lt=upper)
        .count()
    )

    present = Attendance.objects.filter(session=OuterRef("pk"), role=role, present=True)
    citizens = (
        within(ReceptionSession.objects, via="station", region=region, station=station)
        .held()
        .between(lower, upper)
        .filter(Exists(present))
        .aggregate(total=Sum("citizens_received"))["total"]
        or 0
    )

    tickets = (
        within(Ticket.objects.counted(), via="station", region=region, station=station)
        .received_between(lower, upper)
        .filter(**{f"{_RECEIVER[group]}__isnull": False})
        .aggregate(
            collected=Count("pk"),
            closed=Count("pk", filter=closed_by(upper)),
        )
    )
    return WorkFigures(
        entries=entries,
        citizens_received=citizens,
        issues_collected=tickets["collected"],
        issues_closed=tickets["closed"],
    )


# --- pages (scoped through liaison.scoping) -------------------------------------------


# A NULL never compares in a keyset tuple: tickets without a deadline sort as if due last.
NO_DEADLINE = dt.date(9999, 12, 31)

# ?o= of the ticket list → a keyset ordering ending in the unique id
TICKET_ORDERINGS = {
    "-received_at": ("-received_at", "-id"),
    "received_at": ("received_at", "id"),
    "due_on": ("due_sort", "id"),
    "-due_on": ("-due_sort", "-id"),
}


def with_due_sort(qs: QuerySet) -> QuerySet:
    return qs.annotate(due_sort=Coalesce("due_on", Value(NO_DEADLINE), output_field=DateField()))


def ticket_list(*, user, filters=None, request=None) -> TicketFilter:
    """Tickets the user may see, newest first. Lists always show citizens masked."""
    queryset = with_due_sort(
        scoped(user, Ticket.objects.all())
        .select_related("station", "category", "received_by_deputy", "received_by_cadre", "handling_unit")
        .order_by("-received_at")
    )
    return TicketFilter(filters, queryset=queryset, request=request)


def ticket_list_ordering(order: str | None) -> tuple[str, ...]:
    return TICKET_ORDERINGS.get(order or "", TICKET_ORDERINGS["-received_at"])


def ticket_detail(*, user, pk) -> Ticket:
    return get_scoped_or_404(
        user,
        Ticket.objects.select_related(
            "station__region",
            "village",
            "category",
            "reception",
            "received_by_deputy",
            "received_by_cadre",
            "handling_unit",
        ),
        pk=pk,
    )


# --- the workflow: deadlines, actions, timeline, duplicates, queues ------------------------

from dataclasses import field as _field  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Case, Prefetch, Subquery, When  # noqa: E402
from django.db.models.functions import Substr  # noqa: E402
from django.utils import timezone  # noqa: E402

from liaison import scoping  # noqa: E402
from stations.models import RegionLevel  # noqa: E402
from suggestions.calendar import WorkingCalendar, add_working_days, calendar_for_dues, deadline_state  # noqa: E402
from suggestions.models import Attachment, Delivery, Reply, TimelineEvent  # noqa: E402
from suggestions.workflow import TRANSITIONS, Transition  # noqa: E402

QUEUE_LIMIT = 50


def with_deadlines(tickets, *, today: dt.date | None = None, calendar: WorkingCalendar | None = None) -> list:
    """Set ``ticket.deadline`` (a ``suggestions.calendar.DeadlineState``: green / yellow /
    red and the time left or overdue) on each ticket, with one calendar query in all.
    The one place where pages get deadline colours from."""
    tickets = list(tickets)
    today = today or timezone.localdate()
    running = [t for t in tickets if t.status in Ticket.RUNNING_STATUSES and t.due_on]
    if calendar is None:  # always one query, so a page's count does not depend on its rows
        calendar = calendar_for_dues((t.due_on for t in running), today)
    for t in tickets:
        t.deadline = deadline_state(
            due_on=t.due_on, running=t.status in Ticket.RUNNING_STATUSES, today=today, calendar=calendar
        )
    return tickets


def available_actions(user, ticket: Ticket) -> list[Transition]:
    """The transitions ``user`` may take on ``ticket`` now: allowed from its status by the
    workflow table and permitted by the table's ``liaison.scoping`` predicate."""
    return [
        t
        for t in TRANSITIONS.values()
        if ticket.status in t.sources and getattr(scoping, t.who)(user, ticket)
    ]


def ticket_timeline(*, ticket: Ticket) -> list[TimelineEvent]:
    """The ticket's events, oldest first, with actors and attachments (two queries)."""
    return list(
        TimelineEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("at", "pk")
    )


def ticket_replies(*, ticket: Ticket) -> list[Reply]:
    return list(
        Reply.objects.filter(ticket=ticket)
        .select_related("handling_unit", "author", "event")
        .prefetch_related("event__attachments")
        .order_by("created_at", "pk")
    )


def ticket_deliveries(*, ticket: Ticket) -> list[Delivery]:
    """Deliveries to this ticket's citizen."""
    return list(
        Delivery.objects.filter(ticket=ticket).select_related("delivered_by").order_by("delivered_at")
    )


def merged_tickets_delivery(*, ticket: Ticket) -> list[Ticket]:
    """Tickets merged into ``ticket``, each with ``has_latest_reply`` set: whether its
    citizen got the target's latest reply (two queries)."""
    latest = Reply.objects.filter(ticket=ticket).order_by("-created_at", "-pk").values("pk")[:1]
    merged = list(
        Ticket.objects.filter(merged_into=ticket)
        .annotate(has_latest_reply=Exists(Delivery.objects.filter(ticket=OuterRef("pk"), reply__in=latest)))
        .select_related("category")
        .order_by("received_at")
    )
    return merged


def _area_path(region: Region) -> str:
    """The township subtree a region lies in (itself when it is a township or above)."""
    extra = max(0, region.level - RegionLevel.TOWNSHIP)
    return region.path[: len(region.path) - Region.steplen * extra] if extra else region.path


def similar_open_tickets(*, user, ticket: Ticket, limit: int = 5) -> list[Ticket]:
    """Possible duplicates of ``ticket``: open tickets in the same township area and
    category, the user may see, most similar text first. PostgreSQL: trigram similarity
    (pg_trgm); elsewhere: tickets sharing a keyword of the content."""
    qs = (
        scoped(user, Ticket.objects.open())
        .filter(
            category=ticket.category_id, station__region__path__startswith=_area_path(ticket.station.region)
        )
        .exclude(pk=ticket.pk)
        .select_related("station", "category")
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return list(
            qs.annotate(similarity=TrigramSimilarity("content", ticket.content))
            .filter(similarity__gte=0.15)
            .order_by("-similarity", "-received_at")[:limit]
        )
    keywords = _keywords(ticket.content)[:12]
    if not keywords:
        return []
    # at least two shared keywords, most shared first
    shared = sum((Case(When(content__icontains=word, then=1), default=0) for word in keywords), Value(0))
    return list(qs.annotate(shared=shared).filter(shared__gte=2).order_by("-shared", "-received_at")[:limit])


def _keywords(text: str) -> list[str]:
    """Crude keywords for the non-PostgreSQL fallback: the overlapping pairs of Chinese
    characters (Chinese has no spaces; two characters are the commonest word length)."""
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return list(dict.fromkeys(a + b for a, b in zip(chars, chars[1:], strict=False)))


def merge_targets(*, user, ticket: Ticket) -> QuerySet:
    """Open tickets ``ticket`` may be merged into: same township area and category,
    visible to the user and decidable by them (``can_decide_ticket`` as a filter; the
    service checks it again on the chosen one)."""
    escalated = Q(tier=Ticket.Tier.STANDING_COMMITTEE) | Q(escalation_level__gt=0)
    return (
        scoped(user, Ticket.objects.open())
        .filter(scoping.decidable_tickets_q(user) | (scoping.supervised_tickets_q(user) & escalated))
        .filter(
            category=ticket.category_id, station__region__path__startswith=_area_path(ticket.station.region)
        )
        .exclude(pk=ticket.pk)
        .select_related("category")
        .order_by("-received_at")
    )


_QUEUE_RELATED = ("station", "category", "handling_unit")


@dataclass
class Queue:
    """Sections of a work queue: (title, key, tickets, total) and a reply-rate figure.
    ``parts`` keeps each section's queryset and keyset ordering, for ``queue_section``."""

    sections: list[tuple[str, str, list, int]] = _field(default_factory=list)
    parts: dict[str, tuple[str, QuerySet, tuple[str, ...]]] = _field(default_factory=dict)


def _section(qs: QuerySet, order: tuple[str, ...], limit: int = QUEUE_LIMIT) -> list:
    return list(qs.select_related(*_QUEUE_RELATED).order_by(*order)[:limit])


def _queue(
    parts: list[tuple[str, str, QuerySet, tuple[str, ...]]], today: dt.date, *, lists: bool = True
) -> Queue:
    """Each part listed (first ``QUEUE_LIMIT`` rows) and counted: two queries a part;
    deadlines for every row from one calendar query. Each order ends in the unique id
    over columns that are never NULL (``due_sort``), so a section pages by keyset
    (``queue_section``). ``lists=False``: only the parts, no query."""
    parts = [(title, key, with_due_sort(qs), order) for title, key, qs, order in parts]
    queue = Queue(parts={key: (title, qs, order) for title, key, qs, order in parts})
    if not lists:
        return queue
    rows = [_section(qs, order) for _title, _key, qs, order in parts]
    counts = [qs.count() for _title, _key, qs, _order in parts]
    with_deadlines([t for section in rows for t in section], today=today)
    queue.sections = [
        (title, key, section, n)
        for (title, key, _qs, _o), section, n in zip(parts, rows, counts, strict=True)
    ]
    return queue


def queue_section(request, queue: Queue, key: str, *, today: dt.date | None = None):
    """``(title, page)``: one section of ``queue`` paged by keyset (liaison.pagination), or
    None for an unknown key. Three queries: rows, bounded count, calendar."""
    from liaison.pagination import keyset_page

    if key not in queue.parts:
        return None
    title, qs, order = queue.parts[key]
    page = keyset_page(request, qs.select_related(*_QUEUE_RELATED), ordering=order)
    with_deadlines(page.object_list, today=today)
    return title, page


def unit_queue(*, user, today: dt.date | None = None, lists: bool = True) -> Queue:
    """承办单位待办: assigned to us, due within two working days, overdue."""
    today = today or timezone.localdate()
    mine = Ticket.objects.filter(scoping.unit_tickets_q(user), status=Ticket.Status.ASSIGNED)
    soon = add_working_days(today, 2)
    return _queue(
        [
            (gettext("逾期未答复"), "overdue", mine.filter(due_on__lt=today), ("due_sort", "id")),
            (
                gettext("即将到期（2个工作日内）"),
                "due_soon",
                mine.due_by(on=today, until=soon),
                ("due_sort", "id"),
            ),
            (gettext("交办给我单位"), "assigned", mine, ("due_sort", "received_at", "id")),
        ],
        today,
        lists=lists,
    )


def decision_queue(*, user, today: dt.date | None = None, lists: bool = True) -> Queue:
    """联络站待办: waiting for my decision, overdue, awaiting the citizen's feedback."""
    today = today or timezone.localdate()
    mine = Ticket.objects.filter(scoping.decidable_tickets_q(user))
    waiting = mine.filter(
        Q(status__in=(Ticket.Status.REGISTERED, Ticket.Status.ACCEPTED, Ticket.Status.REPLIED))
        | Q(status=Ticket.Status.ASSIGNED, return_requested_at__isnull=False)
    )
    return _queue(
        [
            (gettext("待我决定（受理、交办、退回申请、反馈答复）"), "decide", waiting, ("received_at", "id")),
            (gettext("逾期"), "overdue", mine.overdue(on=today), ("due_sort", "id")),
            (
                gettext("待群众评价与办结"),
                "feedback",
                mine.filter(status=Ticket.Status.DELIVERED),
                ("updated_at", "id"),
            ),
        ],
        today,
        lists=lists,
    )


def supervision_queue(*, user, today: dt.date | None = None, lists: bool = True) -> Queue:
    """县（市）人大督办: escalated to us (standing committee tier or raised by escalation), and
    overdue tickets in our region."""
    today = today or timezone.localdate()
    ours = Ticket.objects.filter(scoping.supervised_tickets_q(user)).open()
    return _queue(
        [
            (
                gettext("提交常委会 / 上报督办"),
                "escalated",
                ours.escalated(),
                ("due_sort", "received_at", "id"),
            ),
            (gettext("辖区逾期件"), "overdue", ours.overdue(on=today), ("due_sort", "id")),
        ],
        today,
        lists=lists,
    )


@dataclass(frozen=True)
class ReplyFigures:
    """答复率: of the tickets accepted for handling (not withdrawn or merged), how many
    got a reply delivered to the citizen."""

    handled: int
    delivered: int

    @property
    def reply_rate(self) -> float:
        return self.delivered / self.handled if self.handled else 0.0


def reply_figures(*, user) -> ReplyFigures:
    """Over the tickets the user may see (one query)."""
    row = (
        scoped(user, Ticket.objects.all())
        .exclude(status__in=Ticket.UNHANDLED_STATUSES)
        .aggregate(
            handled=Count("pk"),
            delivered=Count("pk", filter=Q(status__in=Ticket.REPLY_DELIVERED_STATUSES)),
        )
    )
    return ReplyFigures(handled=row["handled"], delivered=row["delivered"])


def assignable_units(*, ticket: Ticket) -> QuerySet:
    """Active handling units serving the ticket's area: units of the regions above it
    (county departments, the city's utilities) and inside its township."""
    from suggestions.models import HandlingUnit

    above = Region.path_and_ancestors(ticket.station.region.path)
    return (
        HandlingUnit.objects.filter(is_active=True)
        .filter(Q(region__path__in=above) | Q(region__path__startswith=_area_path(ticket.station.region)))
        .select_related("region")
        .order_by("region__path", "name")
    )


def ticket_attachment(*, ticket: Ticket, attachment_id: str):
    """One attachment of ``ticket``'s timeline, or None (the ticket is already scoped)."""
    if not str(attachment_id).isdigit():
        return None
    return Attachment.objects.filter(event__ticket=ticket, pk=int(attachment_id)).first()


# --- the same citizen, the same opinion: earlier tickets and warnings at registration --------

EARLIER_LIMIT = 10
DUPLICATE_MONTHS = 6
DUPLICATE_SIMILARITY = 0.5
DUPLICATE_LIMIT = 3


def citizen_earlier_tickets(*, user, ticket: Ticket, limit: int = EARLIER_LIMIT) -> list[Ticket]:
    """The citizen's other opinions (same phone), the user may see, newest first, at most
    ``limit`` (one query, served by the phone's trigram index)."""
    if not ticket.citizen_phone:
        return []
    return list(
        scoped(user, Ticket.objects.filter(citizen_phone=ticket.citizen_phone))
        .exclude(pk=ticket.pk)
        .select_related("station", "category")
        .order_by("-received_at", "-id")[:limit]
    )


def _county_path(region: Region) -> str:
    """The county subtree a region lies in (the region itself above county level)."""
    extra = max(0, region.level - RegionLevel.COUNTY)
    return region.path[: len(region.path) - Region.steplen * extra] if extra else region.path


@dataclass
class RegistrationWarning:
    """Earlier tickets that look like ``ticket``: the same phone, or a near-identical text."""

    ticket: Ticket
    same_phone: list
    similar: list


NEAR_DUPLICATES_SQL = """
SELECT s.ord, m.id
  FROM unnest(%s::text[], %s::uuid[]) WITH ORDINALITY AS s(content, self_id, ord)
  CROSS JOIN LATERAL (
      SELECT t.id FROM suggestions_ticket t
       JOIN stations_station st ON st.id = t.station_id
       JOIN stations_region r ON r.id = st.region_id
       WHERE t.content %% s.content AND similarity(t.content, s.content) >= %s
         AND r.path LIKE %s AND t.received_at >= %s AND t.id <> ALL(%s::uuid[])
       ORDER BY similarity(t.content, s.content) DESC, t.received_at DESC
       LIMIT %s
  ) AS m
"""


def registration_warnings(
    *, user, station: Station, tickets: list[Ticket], months: int = DUPLICATE_MONTHS
) -> list[RegistrationWarning]:
    """For tickets just registered at one station: earlier tickets in the station's county
    of the last ``months`` months with the same phone, or (PostgreSQL) a near-identical
    content (trigram similarity ≥ ``DUPLICATE_SIMILARITY``, the ``%`` operator on the
    content's GIN index), that the user may see. A warning, not a refusal. Three queries
    whatever the number of rows: phones, similar texts, and the found tickets in scope."""
    if not tickets:
        return []
    county = _county_path(station.region)
    since = timezone.now() - dt.timedelta(days=31 * months)
    own = [t.pk for t in tickets]
    recent = Ticket.objects.filter(station__region__path__startswith=county, received_at__gte=since).exclude(
        pk__in=own
    )
    phones = {t.citizen_phone for t in tickets if t.citizen_phone}
    by_phone: dict[str, list] = {}
    for pk, phone in recent.filter(citizen_phone__in=phones).values_list("pk", "citizen_phone"):
        by_phone.setdefault(phone, []).append(pk)
    similar: dict[int, list] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                NEAR_DUPLICATES_SQL,
                [
                    [t.content for t in tickets],
                    [t.pk for t in tickets],
                    DUPLICATE_SIMILARITY,
                    county + "%",
                    since,
                    own,
                    DUPLICATE_LIMIT,
                ],
            )
            for ord_, pk in cursor.fetchall():
                similar.setdefault(ord_ - 1, []).append(pk)
    wanted = {pk for pks in by_phone.values() for pk in pks} | {pk for pks in similar.values() for pk in pks}
    if not wanted:
        return []
    visible = {
        t.pk: t
        for t in scoped(user, Ticket.objects.filter(pk__in=wanted)).select_related("station", "category")
    }
    warnings = []
    for i, t in enumerate(tickets):
        phone = sorted(
            (visible[pk] for pk in by_phone.get(t.citizen_phone, []) if pk in visible),
            key=lambda x: x.received_at,
            reverse=True,
        )[:EARLIER_LIMIT]
        text = [visible[pk] for pk in similar.get(i, []) if pk in visible and visible[pk] not in phone]
        if phone or text:
            warnings.append(RegistrationWarning(ticket=t, same_phone=phone, similar=text))
    return warnings


# --- the printed forms: 交办单 / 答复单 --------------------------------------------------


def ticket_for_print(*, user, pk) -> Ticket:
    """A ticket as the printed forms need it, in one query: what the ticket page loads,
    the latest reply and delivery (``with_reply_summary``), when it was last assigned,
    and the name of the county it is in (for the form's title). Same 404 as the page."""
    last_assign = TimelineEvent.objects.filter(ticket=OuterRef("pk"), action="assign").order_by("-at", "-pk")
    county = Region.objects.filter(
        level=RegionLevel.COUNTY, path=Substr(OuterRef("station__region__path"), 1, Region.steplen * 2)
    )
    queryset = (
        Ticket.objects.select_related(
            "station__region",
            "category",
            "received_by_deputy",
            "received_by_cadre",
            "handling_unit",
            "village",
        )
        .with_reply_summary()
        .annotate(
            last_assigned_at=Subquery(last_assign.values("at")[:1]),
            county_name=Subquery(county.values("name")[:1]),
        )
    )
    return get_scoped_or_404(user, queryset, pk=pk)
