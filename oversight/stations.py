"""The five-star rating of stations (五星级联络站): the indicators measured from the year's
records for every station of a region in a fixed number of grouped queries, the rule as a
pure function, and the service that stores each rating with its inputs.

Measured per station (the station's own records; its points are rated on theirs):
- timetable_held: published reception slots of the year with a completed session / slots;
- reception_days: distinct days with a completed reception-day session;
- entries_per_deputy: deputies' station entries there / deputies based there;
- citizens_received: citizens received at completed sessions;
- closure_rate, on_time_rate, satisfaction_rate: the tickets registered there in the
  year (merged left out), closed and on time by the rules of every figure
  (``suggestions.selectors.closed_by``, ``reports.services.on_time_q``: closed now and
  before the year's end; by the deadline, a ticket without one on time);
- ledger_complete: tickets with the handling tier (分级处理) recorded / collected;
- funding: the year's funding (StationFunding);
- checklist_passed: items met / items checked at the year's latest inspection.
Stations closed (已撤销) are not rated; their records stay in the deputies' files."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deputies.models import Deputy
from oversight.models import (
    STATION_RATE_MEASURES,
    Inspection,
    InspectionFinding,
    StarRatingClosure,
    StarRule,
    StationMeasure,
    StationRating,
)
from oversight.selectors import year_bounds
from reports.services import counted_tickets, on_time_q
from stations.models import Region, Station, StationFunding
from suggestions.models import Ticket
from suggestions.selectors import closed_by
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

    closed = closed_by(upper)
    for r in (
        counted_tickets()
        .filter(station__in=ids, received_at__gte=lower, received_at__lt=upper)
        .values("station_id")
        .annotate(
            collected=Count("pk"),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & on_time_q()),
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
        .values("inspection__station_id", "inspection_id", "inspection__visited_on")
        .annotate(checked=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by()
    ):
        target = row(r["inspection__station_id"])
        target["items_checked"], target["items_passed"] = r["checked"], r["passed"]
        # which visit the checklist rate comes from ("why?" links to it)
        target["inspection_id"] = r["inspection_id"]
        target["inspected_on"] = r["inspection__visited_on"].isoformat()
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


def closure_for(*, region: Region, year: int) -> StarRatingClosure | None:
    """The archive that freezes ``region``'s ratings of ``year``: its own, an ancestor's
    (a city archived the year) or a descendant's (a county archived its stations, which
    a city's run would otherwise recompute)."""
    paths = [region.path[:n] for n in range(Region.steplen, len(region.path) + 1, Region.steplen)]
    return (
        StarRatingClosure.objects.filter(year=year)
        .filter(Q(region__path__in=paths) | Q(region__path__startswith=region.path))
        .select_related("region", "closed_by")
        .order_by("region__depth")
        .first()
    )


@transaction.atomic
def station_rating_run(*, region: Region, year: int, actor=None) -> list[StationRating]:
    """Rate every open station of ``region`` for ``year``: the inputs in seven grouped
    queries, the ratings replaced in bulk; a staff override (with its reason) is kept.
    An archived year is never computed again on the live records."""
    # one rating computation per region at a time (and none beside an archiving)
    Region.objects.select_for_update().filter(pk=region.pk).first()
    closure = closure_for(region=region, year=year)
    if closure is not None:
        raise ValidationError(
            _("%(region)s%(year)s年度星级评定已归档，不能重新计算。")
            % {"region": closure.region.name, "year": year}
        )
    rule_obj = star_rule_for(region=region, year=year)
    if rule_obj is None:
        raise ValidationError(_("本区域（及上级）尚未制定该年度的星级评定办法。"))
    rule = rule_obj.snapshot()
    if not rule["criteria"]:
        raise ValidationError(_("星级评定办法还没有评定标准。"))
    stations = rated_stations(region=region)
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
        final, reason, by, when = stars, "", None, None
        old = kept.get(pk)
        if old is not None and old.stars != stars:
            final, reason, by, when = old.stars, old.override_reason, old.overridden_by_id, old.overridden_at
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
                overridden_at=when,
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
    rating.overridden_at = timezone.now() if rating.override_reason else None
    rating.save(update_fields=["stars", "override_reason", "overridden_by", "overridden_at"])
    return rating


@transaction.atomic
def station_rating_close(*, region: Region, year: int, actor) -> StarRatingClosure:
    """Archive (归档) a region's ratings of a year: from now on they are the record. A
    second archiving (a double click, two staff at once) changes nothing."""
    Region.objects.select_for_update().filter(pk=region.pk).first()
    existing = StarRatingClosure.objects.filter(region=region, year=year).first()
    if existing is not None:
        return existing
    if not ratings_in(region=region, year=year).exists():
        raise ValidationError(_("尚未计算星级，不能归档。"))
    return StarRatingClosure.objects.create(region=region, year=year, closed_by=actor)


def station_rating_rescore(ratings) -> dict:
    """Each rating's stars computed again from what it stored (inputs and rule), nothing
    read from the live records: the proof that an archived year's stars are reproducible.
    Returns {rating id: (stars, levels)}."""
    return {r.pk: stars_for(r.inputs, r.rule) for r in ratings}


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


INPUT_LABELS = {
    "slots": gettext_lazy("公示接待安排（次）"),
    "slots_held": gettext_lazy("按安排开展接待（次）"),
    "reception_days": gettext_lazy("开展进站接待（天）"),
    "entries": gettext_lazy("驻站代表进站（人次）"),
    "deputies_based": gettext_lazy("驻站代表（人）"),
    "citizens_received": gettext_lazy("接待群众（人次）"),
    "collected": gettext_lazy("收集意见建议（件）"),
    "closed": gettext_lazy("办结（件）"),
    "on_time": gettext_lazy("按期办结（件）"),
    "rated": gettext_lazy("已评价（件）"),
    "satisfied": gettext_lazy("满意及基本满意（件）"),
    "tier_recorded": gettext_lazy("已记录分级处理（件）"),
    "funding": gettext_lazy("年度经费（元）"),
    "items_checked": gettext_lazy("最近一次检查的项目（项）"),
    "items_passed": gettext_lazy("其中达标（项）"),
}


def _shown(measure: str, value) -> str:
    if value is None:
        return "—"
    if measure in STATION_RATE_MEASURES and measure != StationMeasure.ENTRIES_PER_DEPUTY:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def why_rating(rating: StationRating) -> dict:
    """Everything behind a rating, read from what it stored: every measured input (the
    counts and the rates made of them), each criterion's value against its five
    thresholds and the level reached (the lowest decides), the computed and the final
    stars, and every override made (from the audit trail: who, when, why)."""
    inputs = [
        {"key": k, "label": label, "value": _shown(k, rating.inputs.get(k))}
        for k, label in INPUT_LABELS.items()
    ]
    criteria = []
    for c in rating.rule.get("criteria", []):
        level = rating.levels.get(c["measure"])
        criteria.append(
            {
                "measure": c["measure"],
                "label": c["label"],
                "value": _shown(c["measure"], rating.inputs.get(c["measure"])),
                "thresholds": [
                    {"stars": n, "value": t, "reached": level is not None and level >= n}
                    for n, t in enumerate(c["thresholds"], start=1)
                ],
                "level": level,
                "limits": level is not None and level == rating.computed_stars,
            }
        )
    Event = StationRating.pgh_event_model
    overrides = list(
        Event.objects.filter(station_id=rating.station_id, year=rating.year, pgh_label="update")
        .exclude(override_reason="")
        .select_related("overridden_by")
        .order_by("pgh_created_at", "pgh_id")
    )
    return {"inputs": inputs, "criteria": criteria, "overrides": overrides}
