"""The five-star rating of stations (五星级联络站): the indicators measured from the year's
records for every station of a region in a fixed number of grouped queries, the rule as a
pure function, and the service that stores each rating with its inputs.

Measured per station (the station's own records; its points are rated on theirs):
- timetable_held: published reception slots of the year with a completed session / slots;
- reception_days: distinct days with a completed reception-day session;
- entries_per_deputy: deputies' station entries there / deputies based there;
- citizens_received: citizens received at completed sessions;
- closure_rate, on_time_rate, satisfaction_rate: the tickets registered there in the
  year (merged left out), closed = last status before the year's end (the timeline), on
  time = closed by the deadline;
- ledger_complete: tickets with the handling tier (分级处理) recorded / collected;
- funding: the year's funding (StationFunding);
- checklist_passed: items met / items checked at the year's latest inspection.
Stations closed (已撤销) are not rated; their records stay in the deputies' files."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from deputies.models import Deputy
from oversight.models import STATION_RATE_MEASURES, Inspection, InspectionFinding, StarRule, StationRating
from oversight.selectors import year_bounds
from stations.models import Region, Station, StationFunding
from suggestions.models import Ticket, TimelineEvent
from visits.models import Attendance, ReceptionSession, ReceptionSlot

FIELDS = (
    "slots",
    "slots_held",
    "reception_days",
    "entries",
    "deputies_based",
    "citizens_received",
    "collected",
    "closed",
    "on_time",
    "rated",
    "satisfied",
    "tier_recorded",
    "funding",
    "items_checked",
    "items_passed",
)


def rated_stations(*, region: Region) -> QuerySet[Station]:
    return Station.objects.filter(region__path__startswith=region.path).exclude(status=Station.Status.CLOSED)


def station_measures(*, stations: QuerySet, year: int) -> dict:
    """Every input of the rating for each station of ``stations`` (a queryset kept as a
    subquery): seven grouped queries whatever their number."""
    lower, upper = year_bounds(year)
    out: dict = {}

    def row(pk) -> dict:
        return out.setdefault(pk, dict.fromkeys(FIELDS, 0))

    ids = stations.values("pk")
    done = ReceptionSession.Status.DONE
    for r in (
        ReceptionSlot.objects.filter(station__in=ids, date__year=year)
        .values("station_id")
        .annotate(slots=Count("pk"), slots_held=Count("pk", filter=Q(session__status=done)))
        .order_by()
    ):
        row(r.pop("station_id")).update(r)
    for r in (
        ReceptionSession.objects.filter(
            station__in=ids, status=done, starts_at__gte=lower, starts_at__lt=upper
        )
        .values("station_id")
        .annotate(
            reception_days=Count(
                TruncDate("starts_at"),
                distinct=True,
                filter=Q(kind=ReceptionSession.Kind.STATION_RECEPTION),
            ),
            citizens_received=Coalesce(Sum("citizens_received"), 0),
        )
        .order_by()
    ):
        row(r.pop("station_id")).update(r)
    for r in (
        Attendance.objects.station_entries()
        .filter(role=Attendance.Role.DEPUTY, session__station__in=ids)
        .filter(session__starts_at__gte=lower, session__starts_at__lt=upper)
        .values("session__station_id")
        .annotate(entries=Count("pk"))
        .order_by()
    ):
        row(r["session__station_id"])["entries"] = r["entries"]
    for r in (
        Deputy.objects.filter(home_station__in=ids)
        .values("home_station_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row(r["home_station_id"])["deputies_based"] = r["n"]

    S = Ticket.Status
    end_status = Coalesce(
        Subquery(
            TimelineEvent.objects.filter(ticket=OuterRef("pk"), at__lt=upper)
            .order_by("-at", "-pk")
            .values("to_status")[:1]
        ),
        Case(When(closed_at__lt=upper, then=Value(S.CLOSED)), default=Value("")),
        output_field=CharField(),
    )
    closed = Q(end_status=S.CLOSED)
    for r in (
        Ticket.objects.counted()
        .filter(station__in=ids, received_at__gte=lower, received_at__lt=upper)
        .annotate(end_status=end_status)
        .values("station_id")
        .annotate(
            collected=Count("pk"),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(due_on__isnull=False, closed_at__date__lte=F("due_on"))),
            rated=Count("pk", filter=Q(satisfaction__gt="")),
            satisfied=Count(
                "pk",
                filter=Q(satisfaction__in=[Ticket.Satisfaction.SATISFIED, Ticket.Satisfaction.BASICALLY]),
            ),
            tier_recorded=Count("pk", filter=Q(tier__gt="")),
        )
        .order_by()
    ):
        row(r.pop("station_id")).update(r)
    for r in (
        StationFunding.objects.filter(station__in=ids, year=year)
        .values("station_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        row(r["station_id"])["funding"] = float(r["total"] or 0)
    latest = (
        Inspection.objects.filter(station=OuterRef("inspection__station"), visited_on__year=year)
        .order_by("-visited_on", "-pk")
        .values("pk")[:1]
    )
    for r in (
        InspectionFinding.objects.filter(inspection__station__in=ids, inspection__visited_on__year=year)
        .filter(inspection=Subquery(latest))
        .values("inspection__station_id")
        .annotate(checked=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by()
    ):
        target = row(r["inspection__station_id"])
        target["items_checked"], target["items_passed"] = r["checked"], r["passed"]
    for figures in out.values():
        add_station_rates(figures)
    return out


def _ratio(part, whole):
    return part / whole if whole else None


def add_station_rates(f: dict) -> None:
    f["timetable_held"] = _ratio(f["slots_held"], f["slots"])
    f["entries_per_deputy"] = _ratio(f["entries"], f["deputies_based"])
    f["closure_rate"] = _ratio(f["closed"], f["collected"])
    f["on_time_rate"] = _ratio(f["on_time"], f["closed"])
    f["satisfaction_rate"] = _ratio(f["satisfied"], f["rated"])
    f["ledger_complete"] = _ratio(f["tier_recorded"], f["collected"])
    f["checklist_passed"] = _ratio(f["items_passed"], f["items_checked"])


def empty_station_measures() -> dict:
    f = dict.fromkeys(FIELDS, 0)
    add_station_rates(f)
    return f


def stars_for(inputs: dict, rule: dict) -> tuple[int, dict]:
    """The stars a station earns: per criterion the highest level whose threshold its value
    reaches (0 to 5; a rate without a base does not apply), and the lowest of those."""
    levels: dict[str, int | None] = {}
    for c in rule["criteria"]:
        value = inputs.get(c["measure"])
        if value is None:
            levels[c["measure"]] = None if c["measure"] in STATION_RATE_MEASURES else 0
            if levels[c["measure"]] is None:
                continue
            value = 0
        reached = sum(1 for t in c["thresholds"] if Decimal(str(value)) >= Decimal(t))
        levels[c["measure"]] = reached
    applied = [v for v in levels.values() if v is not None]
    return (min(applied) if applied else 0), levels


def star_rule_for(*, region: Region, year: int) -> StarRule | None:
    paths = [region.path[:n] for n in range(Region.steplen, len(region.path) + 1, Region.steplen)]
    return StarRule.objects.filter(year=year, region__path__in=paths).order_by("-region__depth").first()


@transaction.atomic
def station_rating_run(*, region: Region, year: int, actor=None) -> list[StationRating]:
    """Rate every open station of ``region`` for ``year``: the inputs in seven grouped
    queries, the ratings replaced in bulk; a staff override (with its reason) is kept."""
    rule_obj = star_rule_for(region=region, year=year)
    if rule_obj is None:
        raise ValidationError(_("本区域（及上级）尚未制定该年度的星级评定办法。"))
    rule = rule_obj.snapshot()
    if not rule["criteria"]:
        raise ValidationError(_("星级评定办法还没有评定标准。"))
    stations = rated_stations(region=region)
    # one rating computation per region at a time
    Region.objects.select_for_update().filter(pk=region.pk).first()
    measures = station_measures(stations=stations, year=year)
    ids = list(stations.values_list("pk", flat=True))
    existing = StationRating.objects.filter(station__in=ids, year=year)
    kept = {r.station_id: r for r in existing.exclude(override_reason="")}
    existing.delete()
    now = timezone.now()
    ratings = []
    for pk in ids:
        inputs = measures.get(pk) or empty_station_measures()
        stars, levels = stars_for(inputs, rule)
        final, reason, by = stars, "", None
        old = kept.get(pk)
        if old is not None and old.stars != stars:
            final, reason, by = old.stars, old.override_reason, old.overridden_by_id
        ratings.append(
            StationRating(
                station_id=pk,
                year=year,
                region=region,
                rule=rule,
                inputs=inputs,
                levels=levels,
                computed_stars=stars,
                stars=final,
                override_reason=reason,
                overridden_by_id=by,
                computed_at=now,
            )
        )
    return StationRating.objects.bulk_create(ratings, batch_size=2000)


@transaction.atomic
def station_rating_override(*, rating_id, stars: int, reason: str, actor) -> StationRating:
    rating = StationRating.objects.select_for_update().filter(pk=rating_id).first()
    if rating is None:
        raise ValidationError(_("未找到该联络站的星级。"))
    if not 0 <= stars <= 5:
        raise ValidationError(_("星级应为 0 到 5。"))
    reason = (reason or "").strip()
    if stars != rating.computed_stars and not reason:
        raise ValidationError(_("调整星级须填写理由。"))
    rating.stars = stars
    rating.override_reason = reason if stars != rating.computed_stars else ""
    rating.overridden_by = actor if rating.override_reason else None
    rating.save(update_fields=["stars", "override_reason", "overridden_by"])
    return rating


def explain_rating(rating: StationRating) -> list[dict]:
    """ "Why N stars?": per criterion the measured value, the five thresholds and the level reached."""
    lines = []
    for c in rating.rule.get("criteria", []):
        value = rating.inputs.get(c["measure"])
        is_rate = c["measure"] in STATION_RATE_MEASURES and c["measure"] != "entries_per_deputy"
        if value is None:
            shown = "—"
        elif is_rate:
            shown = f"{value * 100:.1f}%"
        else:
            shown = f"{value:g}" if isinstance(value, float) else value
        lines.append(
            {
                "label": c["label"],
                "value": shown,
                "thresholds": " / ".join(c["thresholds"]),
                "level": rating.levels.get(c["measure"]),
                "limits": rating.levels.get(c["measure"]) == rating.computed_stars,
            }
        )
    return lines


def ratings_in(*, region: Region, year: int) -> QuerySet[StationRating]:
    return (
        StationRating.objects.filter(year=year, station__region__path__startswith=region.path)
        .select_related("station", "overridden_by")
        .order_by("-stars", "station__name", "pk")
    )
