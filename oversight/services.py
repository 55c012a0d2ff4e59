"""Writes of the oversight app: performance-file entries and the annual evaluation."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from deputies.models import Deputy
from oversight import scoring
from oversight.models import EvaluationResult, EvaluationRun, FileEntry, Grade
from oversight.selectors import empty_measures, evaluated_deputies, file_measures, scheme_for
from stations.models import Region


@transaction.atomic
def file_entry_submit(
    *,
    deputy: Deputy,
    actor: User,
    kind: str,
    occurred_on,
    title: str,
    source: str,
    evidence=None,
    evidence_type: str = "",
    confirmed: bool,
    client_token: uuid.UUID | None = None,
) -> FileEntry:
    """Record one entry. ``confirmed`` when staff enter it (the caller decides who may);
    a deputy's own entry waits for staff. The same ``client_token`` gives the same entry."""
    if client_token is not None:
        existing = FileEntry.objects.filter(client_token=client_token).first()
        if existing is not None:
            return existing
    now = timezone.now()
    entry = FileEntry(
        deputy=deputy,
        kind=kind,
        occurred_on=occurred_on,
        title=title,
        source=source,
        status=FileEntry.Status.CONFIRMED if confirmed else FileEntry.Status.PENDING,
        submitted_by=actor,
        submitted_at=now,
        reviewed_by=actor if confirmed else None,
        reviewed_at=now if confirmed else None,
        client_token=client_token,
    )
    if evidence:
        entry.evidence = evidence
        entry.evidence_type = evidence_type
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        if client_token is None:
            raise
        return FileEntry.objects.get(client_token=client_token)  # a concurrent twin won
    return entry


@transaction.atomic
def file_entry_review(
    *, entry_id: int, deputy: Deputy, actor: User, confirm: bool, note: str = ""
) -> FileEntry:
    """Staff confirm (or decline) a deputy's pending entry. A second review of the same
    entry (a double click, two staff at once) changes nothing."""
    entry = FileEntry.objects.select_for_update().filter(pk=entry_id, deputy=deputy).first()
    if entry is None:
        raise ValidationError(_("未找到该登记事项。"))
    if entry.status != FileEntry.Status.PENDING:
        return entry
    if not confirm and not note.strip():
        raise ValidationError(_("不予采纳时请填写理由。"))
    entry.status = FileEntry.Status.CONFIRMED if confirm else FileEntry.Status.REJECTED
    entry.reviewed_by = actor
    entry.reviewed_at = timezone.now()
    entry.review_note = note.strip()
    entry.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return entry


def _rank(rows: list[dict]) -> None:
    """Competition ranking (1, 2, 2, 4) by total, highest first."""
    rows.sort(key=lambda r: (-r["score"], str(r["deputy_id"])))
    previous, rank = None, 0
    for i, r in enumerate(rows, start=1):
        if r["score"] != previous:
            rank, previous = i, r["score"]
        r["rank"] = rank


def _results(run: EvaluationRun, inputs_by_deputy: dict, overrides: dict) -> list[EvaluationResult]:
    rows = []
    for deputy_id, inputs in inputs_by_deputy.items():
        scored = scoring.score(inputs, run.rule)
        rows.append({"deputy_id": deputy_id, "inputs": inputs, **scored})
    _rank(rows)
    results = []
    for r in rows:
        grade, reason, by, at = r["grade"], "", None, None
        kept = overrides.get(r["deputy_id"])
        if kept is not None and kept.grade != r["grade"]:
            grade, reason, by, at = (
                kept.grade,
                kept.override_reason,
                kept.overridden_by_id,
                kept.overridden_at,
            )
        results.append(
            EvaluationResult(
                run=run,
                deputy_id=r["deputy_id"],
                inputs=r["inputs"],
                points=r["points"],
                score=r["score"],
                computed_grade=r["grade"],
                grade=grade,
                rank=r["rank"],
                flagged=scoring.is_flagged(grade, r["shortfalls"]),
                shortfalls=r["shortfalls"],
                override_reason=reason,
                overridden_by_id=by,
                overridden_at=at,
            )
        )
    return results


@transaction.atomic
def evaluation_run(*, region: Region, year: int, actor: User | None) -> EvaluationRun:
    """Evaluate every deputy of ``region`` for ``year`` (set-based: the file figures of all
    of them in three grouped queries, results inserted in bulk). An open run is computed
    again on the live records, keeping staff overrides; a closed run is not touched."""
    scheme = scheme_for(region=region, year=year)
    if scheme is None:
        raise ValidationError(_("本区域（及上级）尚未制定该年度的履职考核方案。"))
    run, _created = EvaluationRun.objects.get_or_create(region=region, year=year, defaults={"scheme": scheme})
    run = EvaluationRun.objects.select_for_update().get(pk=run.pk)  # one computation at a time
    if run.is_closed:
        raise ValidationError(_("该年度考核已归档，不能重新计算。"))
    run.scheme = scheme
    run.rule = scheme.snapshot()
    if not run.rule["indicators"]:
        raise ValidationError(_("考核方案还没有考核指标。"))
    overrides = {r.deputy_id: r for r in run.results.exclude(override_reason="")}
    measures = file_measures(deputies=evaluated_deputies(region=region, year=year).values("pk"), year=year)
    ids = list(evaluated_deputies(region=region, year=year).values_list("pk", flat=True))
    inputs = {pk: measures.get(pk) or empty_measures() for pk in ids}
    run.results.all().delete()
    EvaluationResult.objects.bulk_create(_results(run, inputs, overrides), batch_size=2000)
    run.computed_at = timezone.now()
    run.computed_by = actor
    run.save(update_fields=["scheme", "rule", "computed_at", "computed_by"])
    return run


def evaluation_rescore(*, run: EvaluationRun) -> list[EvaluationResult]:
    """The run's results scored again from what it stored (inputs and rule), unsaved:
    for a closed run, the proof that its scores are reproducible."""
    inputs = dict(run.results.values_list("deputy_id", "inputs"))
    return _results(run, inputs, {})


@transaction.atomic
def evaluation_close(*, run: EvaluationRun, actor: User) -> EvaluationRun:
    run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
    if run.is_closed:
        return run
    if run.computed_at is None:
        raise ValidationError(_("尚未计算，不能归档。"))
    run.status = EvaluationRun.Status.CLOSED
    run.closed_at = timezone.now()
    run.closed_by = actor
    run.save(update_fields=["status", "closed_at", "closed_by"])
    return run


@transaction.atomic
def evaluation_override(
    *, run: EvaluationRun, result_id, grade: str, reason: str, actor: User
) -> EvaluationResult:
    """Staff set a deputy's final grade with a reason (pghistory keeps the before/after).
    Setting it back to the computed grade clears the override."""
    if grade not in Grade.values:
        raise ValidationError(_("请选择等次。"))
    result = EvaluationResult.objects.select_for_update().filter(pk=result_id, run=run).first()
    if result is None:
        raise ValidationError(_("未找到该代表的考核结果。"))
    reason = (reason or "").strip()
    if grade != result.computed_grade and not reason:
        raise ValidationError(_("调整等次须填写理由。"))
    if grade == result.computed_grade:
        reason = ""
    result.grade = grade
    result.override_reason = reason
    result.overridden_by = actor if reason else None
    result.overridden_at = timezone.now() if reason else None
    result.flagged = scoring.is_flagged(grade, result.shortfalls)
    result.save(update_fields=["grade", "override_reason", "overridden_by", "overridden_at", "flagged"])
    return result
