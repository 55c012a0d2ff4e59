"""Roster imports (upload → preview → confirm) and term changes (换届).

- ``import_start`` keeps the uploaded file on an ``ImportJob`` (the audit record) and
  checks it at once, or, for a long file, queues the check through the outbox for a worker
  that reports progress on the job row.
- ``import_preview_run`` reads the file and plans it (``onboarding.kinds``): nothing is
  written but the job's report.
- ``import_confirm`` plans the file again against the database as it is now and applies
  the plan in one transaction: all rows or none. Confirms are serialised (the job row is
  locked, and one advisory lock covers every import), and a job already applied is simply
  returned, so a double click or a retried request applies once.
- ``import_confirm_request`` is the page's confirm: a long file's goes to a worker
  (``import_confirm_run``), once.
- ``term_end`` ends every serving mandate of a level and term on a date, set-based.
- ``mandate_by_election`` (补选) adds a mandate mid-term; ``mandate_end`` terminates one or
  records a resignation (终止、辞职) with its date and reason, and the deputy's roles follow
  (their deputy accounts and group leadership end once no mandate is left serving)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass

import pghistory
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from accounts.models import AccountEventKind, Role, RoleAssignment
from accounts.services import account_event_record
from deputies.models import Deputy, DeputyGroup, Mandate
from liaison import outbox, scoping
from onboarding.kinds import KINDS, ImportScope, Plan
from onboarding.models import ImportJob
from onboarding.sheets import DATA_SHEET, SheetError, read_rows

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# files longer than this are checked by a worker, with progress shown
SYNC_MAX_ROWS = 2000
ROWS_SHOWN = 500
PROBLEMS_SHOWN = 1000
_ADVISORY_LOCK = 0x0B0A2D  # one key for all roster imports: confirms run one at a time


class ImportRefused(ValueError):
    """A confirm or upload that cannot proceed; the message is for the user (Chinese)."""


def import_scope(user) -> ImportScope:
    return ImportScope(paths=scoping.import_region_paths(user))


def _estimated_rows(content: bytes) -> int:
    """The sheet's row count from its dimension record (no cell is read)."""
    from io import BytesIO

    try:
        book = load_workbook(BytesIO(content), read_only=True)
    except Exception as exc:
        raise ImportRefused(gettext("无法读取该文件，请上传由模板填写的 .xlsx 文件")) from exc
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        return sheet.max_row or 0
    finally:
        book.close()


@transaction.atomic
def import_start(*, user, kind: str, name: str, content: bytes) -> ImportJob:
    """Keep the file and check it (now, or in the background for a long file)."""
    if kind not in KINDS:
        raise ImportRefused(gettext("未知的导入类型"))
    if not scoping.can_import_rosters(user):
        raise ImportRefused(gettext("您没有导入名册的权限"))
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportRefused(gettext("文件超过20MB，请分批导入"))
    rows = _estimated_rows(content)
    job = ImportJob(
        kind=kind,
        created_by=user,
        original_name=name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=rows,  # an estimate until checked: the progress bar's scale
    )
    job.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(content), save=False)
    job.save()
    if rows > SYNC_MAX_ROWS:
        outbox.enqueue("onboarding.import_preview", str(job.pk))
        return job
    return import_preview_run(job_id=job.pk)


def _plan(job: ImportJob, *, user, progress=None) -> Plan:
    kind = KINDS[job.kind]
    with job.file.open("rb") as f:
        return kind.plan(read_rows(f, kind.columns, progress), scope=import_scope(user))


def _report(plan: Plan) -> dict:
    changed = [r.as_dict() for r in plan.rows if r.action != "unchanged"]
    return {
        "problems": [p.as_dict() for p in sorted(plan.problems, key=lambda p: p.row)[:PROBLEMS_SHOWN]],
        "rows": changed[:ROWS_SHOWN],
        "rows_left_off": max(0, len(changed) - ROWS_SHOWN),
    }


def _counts(plan: Plan) -> dict:
    return {
        "row_count": len(plan.rows) + len({p.row for p in plan.problems}),
        "created_count": plan.count("create"),
        "updated_count": plan.count("update"),
        "unchanged_count": plan.count("unchanged"),
        "problem_count": len(plan.problems),
    }


def import_preview_run(*, job_id) -> ImportJob:
    """Check a kept file and record what a confirm would do; writes nothing else."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.CHECKING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING, progress=1)
    total = max(1, job.row_count or 0)

    def progress(row_number: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=min(95, max(1, row_number * 90 // total)))

    try:
        plan = _plan(job, user=job.created_by, progress=progress)
    except SheetError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.INVALID, error=str(exc), progress=100, checked_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    except Exception as exc:
        logger.exception("import preview %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            checked_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.INVALID if plan.problems else ImportJob.Status.PREVIEWED,
        progress=100,
        report=_report(plan),
        checked_at=timezone.now(),
        **_counts(plan),
    )
    job.refresh_from_db()
    return job


def _serialise_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])


def import_confirm_request(*, job: ImportJob, user) -> ImportJob:
    """Confirm from a page: a short file at once; a long one is handed to a worker (the
    request would outlive the web server's timeout), exactly once however often the button
    is pressed: the job moves from checked to 导入中 under its row lock."""
    if job.row_count <= SYNC_MAX_ROWS:
        return import_confirm(job=job, user=user)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status in (ImportJob.Status.APPLIED, ImportJob.Status.CONFIRMING):
            return locked
        if locked.status != ImportJob.Status.PREVIEWED:
            raise ImportRefused(gettext("该文件尚未通过检查，不能导入"))
        if not scoping.can_import_rosters(user):
            raise ImportRefused(gettext("您没有导入名册的权限"))
        locked.status = ImportJob.Status.CONFIRMING
        locked.applied_by = user
        locked.progress = 0
        locked.save(update_fields=["status", "applied_by", "progress"])
        outbox.enqueue("onboarding.import_confirm", str(locked.pk))
        return locked


def import_confirm_run(*, job_id) -> ImportJob:
    """The worker's side of a long confirm; a refusal is recorded on the job."""
    job = ImportJob.objects.select_related("applied_by").get(pk=job_id)
    try:
        if connection.vendor != "postgresql":
            return import_confirm(job=job, user=job.applied_by)
        # the audit trail names who confirmed, as the request's middleware would
        with pghistory.context(
            user=job.applied_by_id, url=reverse("onboarding:job", args=[job.pk]), client="worker"
        ):
            return import_confirm(job=job, user=job.applied_by)
    except ImportRefused as exc:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CONFIRMING).update(
            status=ImportJob.Status.FAILED, error=str(exc)
        )
        job.refresh_from_db()
        return job


def import_confirm(*, job: ImportJob, user) -> ImportJob:
    """Apply a checked file, all or nothing; a second confirm of the same job is a no-op."""
    try:
        with transaction.atomic():
            _serialise_imports()
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status == ImportJob.Status.APPLIED:
                return locked
            if locked.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.CONFIRMING):
                raise ImportRefused(gettext("该文件尚未通过检查，不能导入"))
            if not scoping.can_import_rosters(user):
                raise ImportRefused(gettext("您没有导入名册的权限"))
            plan = _plan(locked, user=user)
            if plan.problems:
                # the database changed since the preview: show the new problems, save nothing
                ImportJob.objects.filter(pk=locked.pk).update(
                    status=ImportJob.Status.INVALID,
                    report=_report(plan),
                    checked_at=timezone.now(),
                    **_counts(plan),
                )
                locked.refresh_from_db()
                return locked
            plan.apply()
            for name, value in {**_counts(plan), "report": _report(plan)}.items():
                setattr(locked, name, value)
            locked.status = ImportJob.Status.APPLIED
            locked.applied_at = timezone.now()
            locked.applied_by = user
            locked.save()
            return locked
    except IntegrityError as exc:
        logger.warning("import %s refused on confirm: %s", job.pk, exc)
        raise ImportRefused(
            gettext("导入时数据与检查结果不一致（可能已被其他人修改），未保存任何记录，请重新上传检查")
        ) from exc


# --- term changes (换届) ------------------------------------------------------------------


@dataclass(frozen=True)
class TermEnd:
    ended: int
    skipped_started_later: int


def term_mandates(*, user, level: str, term: int, congress_region=None):
    """The serving mandates a term change by ``user`` would end."""
    qs = Mandate.objects.filter(
        scoping.term_mandates_q(user), level=level, term=term, status=Mandate.Status.SERVING
    )
    if congress_region is not None:
        qs = qs.filter(congress_region__path__startswith=congress_region.path)
    return qs


@transaction.atomic
def term_end(*, user, level: str, term: int, ended_on: dt.date, congress_region=None) -> TermEnd:
    """End every serving mandate of ``level`` and ``term`` inside the user's regions on
    ``ended_on`` (届满), in one UPDATE. The deputies, their other mandates and everything
    they did stay; a run again finds nothing left to end."""
    if not scoping.can_import_rosters(user):
        raise ImportRefused(gettext("您没有办理换届的权限"))
    qs = term_mandates(user=user, level=level, term=term, congress_region=congress_region)
    later = qs.filter(started_on__gt=ended_on).count()
    ended = qs.filter(started_on__lte=ended_on).update(
        status=Mandate.Status.ENDED,
        ended_on=ended_on,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    return TermEnd(ended=ended, skipped_started_later=later)


# --- the mandate lifecycle: by-elections, terminations, resignations ---------------------

MANDATE_ENDINGS = (Mandate.Status.TERMINATED, Mandate.Status.RESIGNED)


def mandate_by_election(
    *,
    user,
    deputy: Deputy,
    level: str,
    term: int,
    started_on: dt.date,
    congress_region=None,
    constituency: str = "",
) -> Mandate:
    """补选: a new mandate mid-term for ``deputy``. The same by-election submitted again
    (twice clicked, retried) returns the mandate it made; another mandate of the same level
    and term is refused."""
    with transaction.atomic():
        deputy = Deputy.objects.select_for_update().select_related("home_station__region").get(pk=deputy.pk)
        if not scoping.can_add_mandate(user, deputy, congress_region):
            raise ImportRefused(gettext("该代表或所属人大不在您的管辖范围内"))
        existing = Mandate.objects.filter(deputy=deputy, level=level, term=term).first()
        if existing is not None:
            if existing.by_election and existing.started_on == started_on:
                return existing
            raise ImportRefused(
                gettext("该代表已有{level}第{term}届代表资格").format(
                    level=existing.get_level_display(), term=term
                )
            )
        return Mandate.objects.create(
            deputy=deputy,
            level=level,
            term=term,
            started_on=started_on,
            congress_region=congress_region,
            constituency=constituency,
            by_election=True,
        )


def mandate_end(*, user, mandate: Mandate, status: str, ended_on: dt.date, reason: str) -> Mandate:
    """终止 or 辞职: the mandate ends on ``ended_on`` with its reason; once the deputy has no
    mandate left serving, their deputy accounts' roles end and they lead no group. The
    same ending submitted again changes nothing; a mandate already ended otherwise is
    refused. Past periods keep counting the mandate for the days it ran."""
    if status not in MANDATE_ENDINGS:
        raise ImportRefused(gettext("未知的终止方式"))
    reason = (reason or "").strip()
    if not reason:
        raise ImportRefused(gettext("请填写终止原因"))
    with transaction.atomic():
        locked = (
            Mandate.objects.select_for_update(of=("self",))
            .filter(scoping.term_mandates_q(user))
            .filter(pk=mandate.pk)
            .first()
        )
        if locked is None or not scoping.can_import_rosters(user):
            raise ImportRefused(gettext("该代表资格不在您的管辖范围内"))
        if locked.status != Mandate.Status.SERVING:
            if (locked.status, locked.ended_on, locked.end_reason) == (status, ended_on, reason):
                return locked
            raise ImportRefused(gettext("该代表资格已结束，不能再次终止"))
        if ended_on < locked.started_on:
            raise ImportRefused(gettext("终止日期不能早于任期开始"))
        locked.status = status
        locked.ended_on = ended_on
        locked.end_reason = reason[:200]
        locked.save()
        _roles_follow(deputy_id=locked.deputy_id, actor=user, reason=locked.get_status_display())
        return locked


def _roles_follow(*, deputy_id, actor, reason: str) -> None:
    """A person with no mandate left serving is no longer a deputy in the system: their
    deputy role assignments end (kept, inactive, each with an account event) and the
    groups they led have no leader until one is named."""
    if Mandate.objects.filter(deputy_id=deputy_id, status=Mandate.Status.SERVING).exists():
        return
    ended = list(
        RoleAssignment.objects.filter(role=Role.DEPUTY, deputy_id=deputy_id, is_active=True).select_related(
            "user", "deputy"
        )
    )
    RoleAssignment.objects.filter(pk__in=[a.pk for a in ended]).update(is_active=False)
    for assignment in ended:  # one or two accounts per person
        account_event_record(
            user=assignment.user,
            actor=actor,
            kind=AccountEventKind.ROLE_REVOKED,
            detail=f"{Role(Role.DEPUTY).label} · {assignment.deputy}（{reason}）",
        )
    DeputyGroup.objects.filter(leader_id=deputy_id).update(
        leader=None, version=F("version") + 1, updated_at=timezone.now()
    )
