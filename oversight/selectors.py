"""Reads of the oversight app: the computed part of the performance files (履职档案),
for one deputy or every deputy of a region at once, in a fixed number of queries.

Counting rules (those of the dashboards, ``suggestions.selectors.work_figures``):
- station entries: present at a completed session of an at-station kind
  (``ReceptionSession.AT_STATION_KINDS``) starting in the year, at any station (a deputy
  with mandates in two counties counts the entries at both);
- receptions by kind, citizens received: completed sessions the deputy was present at;
- opinions collected: tickets the deputy received in the year, merged ones left out;
  closed: the one rule of every figure (``suggestions.selectors.closed_by``): closed now
  and closed before the year's end, so a ticket reopened after the year ended is not
  closed for it (as on the dashboard and in the circular; a closed evaluation keeps the
  inputs it stored); withdrawn: the last status before the year's end, from the timeline;
- satisfaction: satisfied or basically satisfied / rated;
- staff-recorded entries: confirmed ``FileEntry`` rows dated in the year, per kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from uuid import UUID

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from deputies.models import Deputy, Mandate
from oversight.models import EntryKind, EvaluationRun, EvaluationScheme, FileEntry
from stations.models import Region
from suggestions.models import Ticket, TimelineEvent
from suggestions.selectors import closed_by, period_bounds
from visits.models import Attendance, ReceptionSession

COUNTS = (
    "station_entries",
    "door_to_door",
    "online",
    "themed",
    "station_reception",
    "citizens_received",
    "opinions_collected",
    "opinions_closed",
    "opinions_open",
    "opinions_withdrawn",
    "opinions_rated",
    "opinions_satisfied",
) + tuple(EntryKind.values)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return period_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))


def evaluated_deputies(*, region: Region, year: int) -> QuerySet[Deputy]:
    """The deputies a region evaluates for a year: based at a station in the region or
    holding a mandate of the region's congress, with a mandate running in the year."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    running = Mandate.objects.filter(deputy=OuterRef("pk"), started_on__lte=last).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first)
    )
    of_congress = Mandate.objects.filter(deputy=OuterRef("pk"), congress_region__path__startswith=region.path)
    return Deputy.objects.filter(Exists(running)).filter(
        Q(home_station__region__path__startswith=region.path) | Exists(of_congress)
    )


def _by_deputy(deputies: QuerySet | Iterable[UUID]) -> Q:
    return Q(deputy__in=deputies)


def file_measures(*, deputies: QuerySet | list[UUID], year: int) -> dict[UUID, dict[str, float | int | None]]:
    """Every figure of the computed file for each of ``deputies`` (a queryset, kept as a
    subquery, or a list of ids): three grouped queries whatever their number."""
    lower, upper = year_bounds(year)
    out: dict[UUID, dict] = {}

    def row(deputy_id) -> dict:
        return out.setdefault(deputy_id, dict.fromkeys(COUNTS, 0))

    done = Q(present=True, session__status=ReceptionSession.Status.DONE)
    kind = ReceptionSession.Kind
    attendance = (
        Attendance.objects.filter(done, _by_deputy(deputies))
        .filter(session__starts_at__gte=lower, session__starts_at__lt=upper)
        .values("deputy_id")
        .annotate(
            station_entries=Count("pk", filter=Q(session__kind__in=ReceptionSession.AT_STATION_KINDS)),
            station_reception=Count("pk", filter=Q(session__kind=kind.STATION_RECEPTION)),
            door_to_door=Count("pk", filter=Q(session__kind=kind.DOOR_TO_DOOR)),
            online=Count("pk", filter=Q(session__kind=kind.ONLINE)),
            themed=Count("pk", filter=Q(session__kind=kind.THEMED)),
            citizens_received=Coalesce(Sum("session__citizens_received"), 0),
        )
        .order_by()
    )
    for r in attendance:
        row(r.pop("deputy_id")).update(r)

    S = Ticket.Status
    # withdrawn (撤回) by the last status before the year's end, from the timeline (a ticket
    # without a timeline: by its status now)
    status_at_end = Coalesce(
        Subquery(
            TimelineEvent.objects.filter(ticket=OuterRef("pk"), at__lt=upper)
            .order_by("-at", "-pk")
            .values("to_status")[:1]
        ),
        F("status"),
        output_field=CharField(),
    )
    closed = closed_by(upper)
    tickets = (
        Ticket.objects.counted()
        .filter(received_by_deputy__in=deputies, received_at__gte=lower, received_at__lt=upper)
        .annotate(end_status=status_at_end)
        .values("received_by_deputy_id")
        .annotate(
            opinions_collected=Count("pk"),
            opinions_closed=Count("pk", filter=closed),
            opinions_withdrawn=Count("pk", filter=Q(end_status=S.WITHDRAWN) & ~closed),
            opinions_rated=Count("pk", filter=Q(satisfaction__gt="")),
            opinions_satisfied=Count(
                "pk",
                filter=Q(satisfaction__in=[Ticket.Satisfaction.SATISFIED, Ticket.Satisfaction.BASICALLY]),
            ),
        )
        .order_by()
    )
    for r in tickets:
        target = row(r.pop("received_by_deputy_id"))
        target.update(r)
        target["opinions_open"] = r["opinions_collected"] - r["opinions_closed"] - r["opinions_withdrawn"]

    entries = (
        FileEntry.objects.filter(_by_deputy(deputies), status=FileEntry.Status.CONFIRMED)
        .filter(occurred_on__year=year)
        .values("deputy_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in entries:
        row(r["deputy_id"])[r["kind"]] = r["n"]

    for figures in out.values():
        _add_rates(figures)
    return out


def _add_rates(figures: dict) -> None:
    collected, rated = figures["opinions_collected"], figures["opinions_rated"]
    figures["closure_rate"] = figures["opinions_closed"] / collected if collected else None
    figures["satisfaction_rate"] = figures["opinions_satisfied"] / rated if rated else None


def empty_measures() -> dict:
    figures = dict.fromkeys(COUNTS, 0)
    _add_rates(figures)
    return figures


def deputy_file(*, deputy: Deputy, year: int) -> dict:
    """One deputy's file for a year: the computed figures, the entries (every status),
    the receptions attended and the opinions received (for the "why?" lists)."""
    lower, upper = year_bounds(year)
    measures = file_measures(deputies=[deputy.pk], year=year).get(deputy.pk) or empty_measures()
    entries = list(
        FileEntry.objects.filter(deputy=deputy, occurred_on__year=year).select_related(
            "submitted_by", "reviewed_by"
        )
    )
    receptions = list(
        ReceptionSession.objects.filter(
            attendances__deputy=deputy,
            attendances__present=True,
            status=ReceptionSession.Status.DONE,
            starts_at__gte=lower,
            starts_at__lt=upper,
        )
        .select_related("station")
        .order_by("starts_at", "pk")
    )
    return {
        "deputy": deputy,
        "year": year,
        "measures": measures,
        "entries": entries,
        "confirmed": [e for e in entries if e.status == FileEntry.Status.CONFIRMED],
        "pending": [e for e in entries if e.status == FileEntry.Status.PENDING],
        "receptions": receptions,
    }


def scheme_for(*, region: Region, year: int) -> EvaluationScheme | None:
    """The scheme a region evaluates by: its own for the year, else its nearest ancestor's
    (a city's scheme applies to its counties unless they configure their own)."""
    paths = [region.path[:n] for n in range(Region.steplen, len(region.path) + 1, Region.steplen)]
    return (
        EvaluationScheme.objects.filter(year=year, region__path__in=paths)
        .select_related("region")
        .order_by("-region__depth")
        .first()
    )


def evaluation_run_for(*, region: Region, year: int) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(region=region, year=year).select_related("scheme").first()


def evaluation_results(*, run: EvaluationRun) -> QuerySet:
    return run.results.select_related("deputy__home_station", "overridden_by").order_by(
        "rank", "deputy__name", "pk"
    )


def explain(*, inputs: dict, points: dict, rule: dict) -> list[dict]:
    """ "Why this score?": per indicator of the stored rule, the measured value, the target,
    the points earned and whether a required target was missed."""
    from oversight.models import RATE_MEASURES

    lines = []
    for ind in rule.get("indicators", []):
        measure = ind["measure"]
        value = inputs.get(measure)
        is_rate = measure in RATE_MEASURES
        shown = "—" if value is None else (f"{value * 100:.1f}%" if is_rate else value)
        target = f"{float(ind['target']) * 100:.0f}%" if is_rate else ind["target"]
        short = bool(ind.get("required")) and value is not None and float(value) < float(ind["target"])
        lines.append(
            {
                "label": ind["label"],
                "value": shown,
                "target": target,
                "weight": ind["weight"],
                "points": points.get(measure),
                "short": short or (bool(ind.get("required")) and value is None and not is_rate),
            }
        )
    return lines
