"""As-of figures (截至某日的数据): the ticket figures of a past period as they stood at a
chosen moment ("the H1 figures as reported on 2023-07-05"), computed from the append-only
timeline (``TimelineEvent``), not from snapshots: each ticket's state at that moment is
its last event before it.

The rules are the live figures' (``suggestions.selectors.closed_by``) applied to the
state of that moment:
- collected: received in the period and known by then (a first event before the moment;
  a ticket without a timeline, imported with its result, by its time received), and not
  merged into another by then;
- closed: its state at the moment was closed, and that closing (the last event, a close)
  was before the period's end; a ticket without a timeline by its own closing time.
A ticket reopened after the moment is still closed as of it; one entered late (after the
moment) is not collected as of it. One grouped query, whatever the scope.

Monthly snapshots (``reports.services.report_snapshots_monthly``, job ``snapshots``) fix
the live figures each month; the test checks that the as-of figures for a snapshot's
moment equal what the snapshot stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Count, DateTimeField, Exists, OuterRef, Q, Subquery

from reports.periods import Period, Scope
from reports.selectors import _bounds, _in_scope
from reports.services import TZ
from suggestions.models import Ticket, TimelineEvent


@dataclass
class AsOfFigures:
    as_of: dt.datetime
    collected: int = 0
    closed: int = 0
    deputy_collected: int = 0
    deputy_closed: int = 0
    cadre_collected: int = 0
    cadre_closed: int = 0

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.collected if self.collected else None

    def as_dict(self) -> dict:
        return {
            "collected": self.collected,
            "closed": self.closed,
            "deputy_collected": self.deputy_collected,
            "deputy_closed": self.deputy_closed,
            "cadre_collected": self.cadre_collected,
            "cadre_closed": self.cadre_closed,
            "closure_rate": self.closure_rate,
        }


def end_of_day(day: dt.date) -> dt.datetime:
    """The moment a date's figures stand at: the start of the next day, local time."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)


def figures_as_of(*, scope: Scope, period: Period, at: dt.datetime) -> AsOfFigures:
    """The period's ticket figures for ``scope`` as they stood at the moment ``at``."""
    lower, upper = _bounds(period)
    before = TimelineEvent.objects.filter(ticket=OuterRef("pk"), at__lt=at).order_by("-at", "-pk")
    any_event = TimelineEvent.objects.filter(ticket=OuterRef("pk"))
    qs = (
        Ticket.objects.filter(received_at__gte=lower, received_at__lt=min(upper, at))
        .annotate(
            has_timeline=Exists(any_event),
            known=Exists(before),
            state=Subquery(before.values("to_status")[:1], output_field=CharField()),
            state_at=Subquery(before.values("at")[:1], output_field=DateTimeField()),
        )
        .filter(Q(known=True) | Q(has_timeline=False))
        # merged by then (or, without a timeline, merged now): not counted, as in the figures
        .exclude(
            Q(known=True, state=Ticket.Status.MERGED) | Q(has_timeline=False, status=Ticket.Status.MERGED)
        )
    )
    if scope.deputy is not None:
        qs = qs.filter(received_by_deputy=scope.deputy)
    if scope.handling_unit is not None:
        qs = qs.filter(handling_unit=scope.handling_unit)
    qs = _in_scope(qs, scope, path="station__region__path")
    # (a ticket without a timeline: closed before the period's end and before the moment)
    closed_then = Q(known=True, state=Ticket.Status.CLOSED, state_at__lt=upper) | (
        Q(has_timeline=False) & Q(closed_at__lt=min(upper, at))
    )
    deputy, cadre = Q(received_by_deputy__isnull=False), Q(received_by_cadre__isnull=False)
    row = qs.aggregate(
        collected=Count("pk"),
        closed=Count("pk", filter=closed_then),
        deputy_collected=Count("pk", filter=deputy),
        deputy_closed=Count("pk", filter=deputy & closed_then),
        cadre_collected=Count("pk", filter=cadre),
        cadre_closed=Count("pk", filter=cadre & closed_then),
    )
    return AsOfFigures(as_of=at, **{k: v or 0 for k, v in row.items()})
