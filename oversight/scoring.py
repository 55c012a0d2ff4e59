"""The evaluation rule as a pure function: measured inputs + a stored rule → points,
total, grade. No database: a closed run is re-scored from what it stored."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from oversight.models import RATE_MEASURES, SHORT_GRADES, Grade

CENT = Decimal("0.01")


def _dec(value) -> Decimal:
    return Decimal(str(value))


def score(inputs: dict, rule: dict) -> dict:
    """Points per indicator (``weight × min(value / target, 1)``), the total on 100 (the
    weights of indicators that do not apply, a rate without a base, leave the total),
    the grade by the rule's thresholds, and the required indicators not met."""
    points: dict[str, str | None] = {}
    earned = Decimal(0)
    possible = Decimal(0)
    shortfalls: list[str] = []
    for ind in rule["indicators"]:
        measure, target, weight = ind["measure"], _dec(ind["target"]), _dec(ind["weight"])
        value = inputs.get(measure)
        if value is None:
            if measure in RATE_MEASURES:
                points[measure] = None  # not applicable
                continue
            value = 0
        got = (weight * min(_dec(value) / target, Decimal(1))).quantize(CENT, ROUND_HALF_UP)
        points[measure] = str(got)
        earned += got
        possible += weight
        if ind.get("required") and _dec(value) < target:
            shortfalls.append(measure)
    total = (earned / possible * 100).quantize(CENT, ROUND_HALF_UP) if possible else Decimal(0)
    return {"points": points, "score": total, "grade": grade_for(total, rule), "shortfalls": shortfalls}


def grade_for(total: Decimal, rule: dict) -> str:
    thresholds = rule["thresholds"]
    for grade in (Grade.EXCELLENT, Grade.COMPETENT, Grade.BASIC):
        if total >= _dec(thresholds[grade]):
            return grade
    return Grade.INCOMPETENT


def is_flagged(grade: str, shortfalls: list) -> bool:
    return grade in SHORT_GRADES or bool(shortfalls)
