"""Station inspections (督导检查) recorded by county/city staff: the visit, one finding per
item of the six haves / five in place (met or not, what was found, a photo), the problems
to fix by a deadline and their follow-up (整改: done on a date, or overdue).

Writes (``inspection_record``, ``finding_fix``) take keyword arguments and are atomic; the
reads give querysets already limited to a region subtree (the views check the region
through ``liaison.scoping``) with a fixed number of queries per page."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import ChecklistItem, Inspection, InspectionFinding
from stations.models import Region, Station


@dataclass(frozen=True)
class FindingInput:
    item: str
    passed: bool
    finding: str = ""
    fix_by: dt.date | None = None
    photo: object | None = None  # an upload already checked (a JPEG or PNG photo)


class ProblemState:
    """Where a problem found in an inspection stands on a day."""

    DONE = "done"  # 已整改
    OVERDUE = "overdue"  # 逾期未整改
    OPEN = "open"  # 整改中

    LABELS = {DONE: gettext_lazy("已整改"), OVERDUE: gettext_lazy("逾期未整改"), OPEN: gettext_lazy("整改中")}


def problem_state(finding: InspectionFinding, today: dt.date) -> str:
    if finding.fixed_on is not None:
        return ProblemState.DONE
    if finding.fix_by is not None and finding.fix_by < today:
        return ProblemState.OVERDUE
    return ProblemState.OPEN


def inspected_stations(*, region: Region) -> QuerySet[Station]:
    """The stations and points of ``region`` an inspection may be recorded for (open ones)."""
    return (
        Station.objects.filter(region__path__startswith=region.path)
        .exclude(status=Station.Status.CLOSED)
        .order_by("name", "pk")
    )


@transaction.atomic
def inspection_record(
    *,
    station: Station,
    visited_on: dt.date,
    inspectors: str,
    notes: str = "",
    findings: list[FindingInput],
    actor,
    client_token: uuid.UUID | None = None,
) -> Inspection:
    """Record a visit with its checklist, all or nothing. The same ``client_token`` (a
    double click, a retried submission) gives the same inspection."""
    if client_token is not None:
        existing = Inspection.objects.filter(client_token=client_token).first()
        if existing is not None:
            return existing
    errors = []
    today = timezone.localdate()
    if visited_on > today:
        errors.append(_("检查日期不能晚于今天。"))
    if not inspectors.strip():
        errors.append(_("请填写检查人员。"))
    items = [f.item for f in findings]
    if not findings or len(set(items)) != len(items) or not set(items) <= set(ChecklistItem.values):
        errors.append(_("检查项目有误，请重新填写。"))
    for f in findings:
        label = ChecklistItem(f.item).label if f.item in ChecklistItem.values else f.item
        if not f.passed and not f.finding.strip():
            errors.append(_("“%(item)s”不达标，请填写检查发现的问题。") % {"item": label})
        if f.fix_by is not None and f.fix_by < visited_on:
            errors.append(_("“%(item)s”的整改期限不能早于检查日期。") % {"item": label})
    if errors:
        raise ValidationError(errors)
    inspection = Inspection(
        station=station,
        visited_on=visited_on,
        inspectors=inspectors.strip(),
        notes=notes.strip(),
        recorded_by=actor,
        client_token=client_token,
    )
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        if client_token is None:
            raise
        return Inspection.objects.get(client_token=client_token)  # a concurrent twin won
    rows = []
    for f in findings:
        row = InspectionFinding(
            inspection=inspection,
            item=f.item,
            passed=f.passed,
            finding=f.finding.strip(),
            fix_by=None if f.passed else f.fix_by,
        )
        if f.photo:
            row.photo = f.photo
        rows.append(row)
    for row in rows:
        # one by one only because a photo is written to storage on save (11 rows at most)
        row.save()
    return inspection


@transaction.atomic
def finding_fix(*, finding_id: int, region: Region, fixed_on: dt.date, note: str, actor) -> InspectionFinding:
    """Record that a problem was fixed (整改完成). A second report of the same fix (a double
    click, two staff at once) changes nothing."""
    finding = (
        InspectionFinding.objects.select_for_update()
        .select_related("inspection")
        .filter(pk=finding_id, inspection__station__region__path__startswith=region.path)
        .first()
    )
    if finding is None:
        raise ValidationError(_("未找到该问题。"))
    if finding.passed:
        raise ValidationError(_("该项检查达标，无需整改。"))
    if finding.fixed_on is not None:
        return finding
    if fixed_on > timezone.localdate():
        raise ValidationError(_("整改完成日期不能晚于今天。"))
    if fixed_on < finding.inspection.visited_on:
        raise ValidationError(_("整改完成日期不能早于检查日期。"))
    if not note.strip():
        raise ValidationError(_("请填写整改情况。"))
    finding.fixed_on = fixed_on
    finding.fix_note = note.strip()
    finding.fixed_by = actor
    finding.save(update_fields=["fixed_on", "fix_note", "fixed_by"])
    return finding


# --- reads ---------------------------------------------------------------------------------


def inspections_in(*, region: Region, year: int | None = None) -> QuerySet[Inspection]:
    """The inspections of a region's stations, with their problem counts (one query)."""
    qs = Inspection.objects.filter(station__region__path__startswith=region.path)
    if year is not None:
        qs = qs.filter(visited_on__year=year)
    today = timezone.localdate()
    problem = Q(findings__passed=False)
    return qs.select_related("station", "recorded_by").annotate(
        items=Count("findings"),
        problems=Count("findings", filter=problem),
        fixed=Count("findings", filter=problem & Q(findings__fixed_on__isnull=False)),
        overdue=Count(
            "findings", filter=problem & Q(findings__fixed_on__isnull=True, findings__fix_by__lt=today)
        ),
    )


def problems_in(*, region: Region, state: str = "") -> QuerySet[InspectionFinding]:
    """The problems found in a region's inspections, for the follow-up list (整改跟踪):
    every one, or those done, overdue or still open today."""
    today = timezone.localdate()
    qs = InspectionFinding.objects.filter(
        passed=False, inspection__station__region__path__startswith=region.path
    ).select_related("inspection__station", "fixed_by")
    if state == ProblemState.DONE:
        qs = qs.filter(fixed_on__isnull=False)
    elif state == ProblemState.OVERDUE:
        qs = qs.filter(fixed_on__isnull=True, fix_by__lt=today)
    elif state == ProblemState.OPEN:
        qs = qs.filter(fixed_on__isnull=True).filter(Q(fix_by__isnull=True) | Q(fix_by__gte=today))
    return qs


def problem_counts(*, region: Region) -> dict[str, int]:
    """Done / overdue / open problems of a region today (one aggregate query)."""
    today = timezone.localdate()
    running = Q(fixed_on__isnull=True)
    return InspectionFinding.objects.filter(
        passed=False, inspection__station__region__path__startswith=region.path
    ).aggregate(
        done=Count("pk", filter=Q(fixed_on__isnull=False)),
        overdue=Count("pk", filter=running & Q(fix_by__lt=today)),
        open=Count("pk", filter=running & (Q(fix_by__isnull=True) | Q(fix_by__gte=today))),
    )


def inspection_in(*, region: Region, inspection_id: int) -> Inspection | None:
    return (
        Inspection.objects.filter(pk=inspection_id, station__region__path__startswith=region.path)
        .select_related("station", "recorded_by")
        .first()
    )


def inspection_findings(inspection: Inspection) -> list[InspectionFinding]:
    """The findings in the checklist's order, each with its state today."""
    order = {value: i for i, value in enumerate(ChecklistItem.values)}
    today = timezone.localdate()
    rows = sorted(inspection.findings.select_related("fixed_by"), key=lambda f: order.get(f.item, 99))
    for f in rows:
        f.state = problem_state(f, today) if not f.passed else ""
    return rows
