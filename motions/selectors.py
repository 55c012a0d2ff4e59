"""Reads of deputies' suggestions and supervision items, already scoped; the figures by
SQL aggregation (one query per table, whatever the number of rows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liaison import scoping
from motions.models import (
    CongressSession,
    DeputySuggestion,
    Satisfaction,
    SuggestionEvent,
    SupervisionEvent,
    SupervisionItem,
)
from motions.workflow import SUGGESTION_TRANSITIONS, SUPERVISION_TRANSITIONS
from stations.models import Region
from suggestions.models import HandlingUnit


def suggestions_of(user) -> QuerySet[DeputySuggestion]:
    return scoping.scoped(user, DeputySuggestion.objects.all()).select_related(
        "session__region", "submitted_by", "lead_unit"
    )


# the events not written by a table row
CREATION_LABELS = {"submit": _("提交"), "list": _("列入督办")}


def _labelled(record, table):
    for event in record.timeline.all():
        row = table.get(event.action)
        event.label = row.label if row else CREATION_LABELS.get(event.action, event.action)
    return record


def suggestion_detail(*, user, suggestion_id) -> DeputySuggestion:
    """The suggestion in scope with everything its page shows (same 404 otherwise)."""
    qs = suggestions_of(user).prefetch_related(
        "co_signers",
        "co_units",
        Prefetch(
            "timeline",
            queryset=SuggestionEvent.objects.select_related("actor")
            .prefetch_related("attachments")
            .order_by("at", "pk"),
        ),
        "consultations__unit",
    )
    return _labelled(scoping.get_scoped_or_404(user, qs, pk=suggestion_id), SUGGESTION_TRANSITIONS)


def suggestion_actions(user, suggestion: DeputySuggestion):
    return SUGGESTION_TRANSITIONS.available(user, suggestion)


def items_of(user) -> QuerySet[SupervisionItem]:
    return scoping.scoped(user, SupervisionItem.objects.all()).select_related("region")


def item_detail(*, user, item_id) -> SupervisionItem:
    qs = items_of(user).prefetch_related(
        "departments",
        Prefetch(
            "timeline",
            queryset=SupervisionEvent.objects.select_related("actor")
            .prefetch_related("attachments")
            .order_by("at", "pk"),
        ),
    )
    return _labelled(scoping.get_scoped_or_404(user, qs, pk=item_id), SUPERVISION_TRANSITIONS)


def item_actions(user, item: SupervisionItem):
    return SUPERVISION_TRANSITIONS.available(user, item)


def runnable_sessions(user) -> QuerySet[CongressSession]:
    return CongressSession.objects.filter(scoping.motion_sessions_q(user)).select_related("region")


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class FigureRow:
    """One line of the figures: a unit or a session."""

    key: object
    name: str
    assigned: int
    replied: int
    on_time: int
    a: int
    b: int
    c: int
    satisfied: int
    basic: int
    unsatisfied: int
    rehandled: int

    @property
    def on_time_rate(self) -> float | None:
        return _share(self.on_time, self.replied)

    @property
    def a_share(self) -> float | None:
        return _share(self.a, self.a + self.b + self.c)

    @property
    def b_share(self) -> float | None:
        return _share(self.b, self.a + self.b + self.c)

    @property
    def c_share(self) -> float | None:
        return _share(self.c, self.a + self.b + self.c)

    @property
    def voted(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        """满意 and 基本满意 among the votes."""
        return _share(self.satisfied + self.basic, self.voted)


_AGGREGATES = {
    "assigned": Count("pk"),
    "replied": Count("pk", filter=Q(replied_on__isnull=False)),
    "on_time": Count("pk", filter=Q(replied_on__isnull=False, replied_on__lte=F("due_on"))),
    "a": Count("pk", filter=Q(reply_class="A")),
    "b": Count("pk", filter=Q(reply_class="B")),
    "c": Count("pk", filter=Q(reply_class="C")),
    "satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
    "basic": Count("pk", filter=Q(satisfaction=Satisfaction.BASIC)),
    "unsatisfied": Count("pk", filter=Q(satisfaction=Satisfaction.UNSATISFIED)),
    "rehandled": Count("pk", filter=Q(rehandle_count__gt=0)),
}


def suggestion_figures(*, user, session: CongressSession | None = None) -> dict[str, list[FigureRow]]:
    """Handled on time, A/B/C shares and satisfaction per lead unit and per session,
    over the assigned suggestions of the sessions the user runs (two queries). A
    suggestion counts for its lead unit (主办单位: the one that replies)."""
    base = DeputySuggestion.objects.filter(
        session__in=runnable_sessions(user).values("pk"), lead_unit__isnull=False
    )
    if session is not None:
        base = base.filter(session=session)
    return _figure_rows(base)


def _figure_rows(base: QuerySet[DeputySuggestion]) -> dict[str, list[FigureRow]]:
    """The per-unit and per-session rows of ``base`` (two queries)."""
    by_unit = base.values("lead_unit", "lead_unit__name").annotate(**_AGGREGATES).order_by("lead_unit__name")
    by_session = (
        base.values("session", "session__name", "session__opens_on")
        .annotate(**_AGGREGATES)
        .order_by("-session__opens_on", "session")
    )
    names = ("assigned", *(k for k in _AGGREGATES if k != "assigned"))

    def rows(values, key, name):
        return [FigureRow(key=v[key], name=v[name], **{n: v[n] for n in names}) for v in values]

    return {
        "units": rows(by_unit, "lead_unit", "lead_unit__name"),
        "sessions": rows(by_session, "session", "session__name"),
    }


@dataclass(frozen=True)
class SupervisionSummary:
    total: int
    closed: int
    reported: int
    reported_on_time: int
    evaluated: int
    satisfied: int  # items whose vote came out 满意 or 基本满意
    resupervised: int

    @property
    def on_time_rate(self) -> float | None:
        return _share(self.reported_on_time, self.reported)

    @property
    def satisfaction_rate(self) -> float | None:
        return _share(self.satisfied, self.evaluated)

    @property
    def closure_rate(self) -> float | None:
        return _share(self.closed, self.total)


_SUPERVISION_AGGREGATES = {
    "total": Count("pk"),
    "closed": Count("pk", filter=Q(status=SupervisionItem.Status.CLOSED)),
    "reported": Count("pk", filter=Q(reported_on__isnull=False)),
    "reported_on_time": Count("pk", filter=Q(reported_on__isnull=False, reported_on__lte=F("report_due"))),
    "evaluated": Count("pk", filter=~Q(outcome="")),
    "satisfied": Count("pk", filter=Q(outcome__in=(Satisfaction.SATISFIED, Satisfaction.BASIC))),
    "resupervised": Count("pk", filter=Q(resupervise_count__gt=0)),
}


def supervision_year(*, user, year: int) -> tuple[list[SupervisionItem], SupervisionSummary]:
    """The annual list (督办事项清单) with status and rates (three queries)."""
    qs = items_of(user).filter(year=year)
    items = list(
        qs.prefetch_related(Prefetch("departments", queryset=HandlingUnit.objects.order_by("name"))).order_by(
            "region__path", "number"
        )
    )
    return items, SupervisionSummary(**qs.aggregate(**_SUPERVISION_AGGREGATES))


# --- the figures beside the stations' (dashboards, circulars) --------------------------------


@dataclass(frozen=True)
class MotionFigures:
    """A region's deputy suggestions and supervision items for a period: what the county
    and city dashboards show beside the stations' figures and what a circular states."""

    units: list[FigureRow]
    sessions: list[FigureRow]
    supervision: SupervisionSummary
    years: tuple[int, ...]

    @property
    def total(self) -> FigureRow:
        """All the period's sessions together (the sum of the session rows)."""
        names = (
            "assigned",
            "replied",
            "on_time",
            "a",
            "b",
            "c",
            "satisfied",
            "basic",
            "unsatisfied",
            "rehandled",
        )
        return FigureRow(key=None, name="", **{n: sum(getattr(r, n) for r in self.sessions) for n in names})

    @property
    def is_empty(self) -> bool:
        return not self.sessions and not self.supervision.total


def region_motion_figures(*, region: Region, period) -> MotionFigures:
    """The figures of the deputy suggestions and supervision items of ``region`` and the
    regions under it (a city's own congress and its counties') for ``period``
    (``reports.periods.Period``), in three queries:

    - suggestions: those of the congress sessions held in the period (opening day within
      it), with the state they are in today: a session's suggestions are counted as a
      whole, those submitted between sessions included; each counts for its lead unit;
    - supervision items: those of the years the period touches (the annual lists).

    Aggregate figures of the region, as the stations' figures beside them: the dashboard
    and the circular are the region's already (``liaison.scoping`` decided who sees them)."""
    sessions = CongressSession.objects.filter(
        region__path__startswith=region.path,
        opens_on__gte=period.first_day,
        opens_on__lte=period.last_day,
    )
    rows = _figure_rows(
        DeputySuggestion.objects.filter(session__in=sessions.values("pk"), lead_unit__isnull=False)
    )
    years = tuple(range(period.first_day.year, period.last_day.year + 1))
    supervision = SupervisionItem.objects.filter(region__path__startswith=region.path, year__in=years)
    return MotionFigures(
        units=rows["units"],
        sessions=rows["sessions"],
        supervision=SupervisionSummary(**supervision.aggregate(**_SUPERVISION_AGGREGATES)),
        years=years,
    )


# --- a station opinion turned into a deputy suggestion (转为代表建议) ---------------------------


@dataclass(frozen=True)
class TicketMotions:
    """What a ticket's page shows of the suggestions made of it: each with ``visible``
    (may the user open it), and whether the user may turn it into one now."""

    suggestions: list[DeputySuggestion]
    can_submit: bool


def ticket_motions(*, user, ticket) -> TicketMotions:
    """No query unless the ticket was tiered 转为代表建议; then two (the suggestions, and
    which of them the user's scope opens)."""
    from suggestions.models import Ticket

    if ticket.tier != Ticket.Tier.DEPUTY_SUGGESTION:
        return TicketMotions([], False)
    rows = list(
        DeputySuggestion.objects.filter(source_ticket=ticket)
        .exclude(status=DeputySuggestion.Status.WITHDRAWN)
        .order_by("submitted_at", "id")
    )
    if rows:
        mine = set(
            scoping.scoped(user, DeputySuggestion.objects.filter(pk__in=[r.pk for r in rows])).values_list(
                "pk", flat=True
            )
        )
        for r in rows:
            r.visible = r.pk in mine
    can_submit = not rows and ticket.status not in Ticket.FINAL_STATUSES and scoping.can_submit_motion(user)
    return TicketMotions(rows, can_submit)
