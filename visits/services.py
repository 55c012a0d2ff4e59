"""Writes of the visits app: registering reception sessions and who attended them.

First version: the rules every caller must get the same way (a closed station takes no
new receptions; an attendance names the person its role needs)."""

import datetime as dt
import io
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from PIL import Image, ImageOps

from deputies.models import Deputy, LeadingCadre
from liaison import outbox, scoping
from liaison.texts import label, text
from liaison.uploads import ATTACHMENT_TYPES, ID_REUSED_MESSAGE, attachment_check, original_name, upload_check
from stations.models import Region, Station
from stations.services import station_status_held
from suggestions.models import Category, Ticket
from suggestions.services import ticket_register
from visits.models import Attendance, ExportJob, ReceptionAttachment, ReceptionSession, ReceptionSlot

logger = logging.getLogger(__name__)

CLOSED_STATION_MESSAGE = gettext_lazy("该联络站已撤销，不能登记新的接待活动。")


def _check_station_open(station: Station) -> None:
    """Refuse a closed station, holding its row (``FOR SHARE``) so that a concurrent
    ``station_close`` cannot slip in before this transaction commits."""
    if station_status_held(station_id=station.pk) == Station.Status.CLOSED:
        raise ValidationError(CLOSED_STATION_MESSAGE)


@transaction.atomic
def reception_create(
    *,
    station: Station,
    kind: str,
    starts_at: dt.datetime,
    citizens_received: int = 0,
    created_by=None,
    **fields: Any,
) -> ReceptionSession:
    _check_station_open(station)
    session = ReceptionSession(
        station=station,
        kind=kind,
        starts_at=starts_at,
        citizens_received=citizens_received,
        created_by=created_by,
        **fields,
    )
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def attendance_add(
    *,
    session: ReceptionSession,
    deputy: Deputy | None = None,
    cadre: LeadingCadre | None = None,
    role: str | None = None,
    guest_name: str = "",
    guest_title: str = "",
    present: bool = True,
) -> Attendance:
    """Record one person at a session. ``role`` defaults from who is given: a deputy, a
    leading cadre; an invited official or legal expert needs ``role`` and ``guest_name``."""
    if role is None:
        role = Attendance.Role.DEPUTY if deputy else Attendance.Role.LEADING_CADRE if cadre else None
    if role is None:
        raise ValidationError({"role": gettext("请指定参加人员的身份。")})
    if role == Attendance.Role.DEPUTY and (deputy is None or cadre is not None or guest_name):
        raise ValidationError({"deputy": gettext("身份为人大代表时，须且只须指定一名代表。")})
    if role == Attendance.Role.LEADING_CADRE and (cadre is None or deputy is not None or guest_name):
        raise ValidationError({"cadre": gettext("身份为领导干部时，须且只须指定一名领导干部。")})
    if role in (Attendance.Role.OFFICIAL, Attendance.Role.LEGAL_EXPERT) and (
        deputy is not None or cadre is not None or not guest_name.strip()
    ):
        raise ValidationError({"guest_name": gettext("特邀人员须填写姓名，且不关联代表或领导干部。")})
    if deputy is not None and session.attendances.filter(deputy=deputy).exists():
        raise ValidationError({"deputy": gettext("{deputy}已登记参加本次活动。").format(deputy=deputy)})
    if cadre is not None and session.attendances.filter(cadre=cadre).exists():
        raise ValidationError({"cadre": gettext("{cadre}已登记参加本次活动。").format(cadre=cadre)})
    attendance = Attendance(
        session=session,
        role=role,
        deputy=deputy,
        cadre=cadre,
        guest_name=guest_name.strip(),
        guest_title=guest_title,
        present=present,
    )
    attendance.full_clean()
    attendance.save()
    return attendance


# --- a whole reception, as the form (or an API client) records it -------------------------

# Bounds the page and the API share.
CITIZENS_RECEIVED_MAX = 100_000
LEDGER_ROWS_MAX = 200


@dataclass(frozen=True)
class Guest:
    """An invited official (特邀部门人员) or legal expert (法律专家), by name."""

    role: str
    name: str
    title: str = ""


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger (登记簿): a citizen's opinion heard at the session.

    ``id`` becomes the ticket's UUID: an offline client chooses it, so it can refer to
    the ticket (attach a photo of the citizen's letter) before it is online."""

    citizen_name: str
    content: str
    category: Category
    citizen_phone: str = ""
    citizen_address: str = ""
    village: Region | None = None
    received_by_deputy: Deputy | None = None
    received_by_cadre: LeadingCadre | None = None
    on_the_spot_action: str = ""
    consent_to_share: bool = False
    id: uuid.UUID | None = None

    def as_draft(self) -> dict:
        """JSON for a draft (ids, not instances)."""
        return {
            "id": str(self.id) if self.id else "",
            "citizen_name": self.citizen_name,
            "citizen_phone": self.citizen_phone,
            "citizen_address": self.citizen_address,
            "village": str(self.village.pk) if self.village else "",
            "category": self.category.pk,
            "content": self.content,
            "receiver": (
                f"deputy:{self.received_by_deputy.pk}"
                if self.received_by_deputy
                else f"cadre:{self.received_by_cadre.pk}"
                if self.received_by_cadre
                else ""
            ),
            "on_the_spot_action": self.on_the_spot_action,
            "consent_to_share": self.consent_to_share,
        }


@dataclass(frozen=True)
class ReceptionInput:
    """Everything the reception form carries, already validated."""

    station: Station
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    theme: str = ""
    theme_kind: str = ""
    citizens_received: int = 0
    notes: str = ""
    exception_reason: str = ""
    slot: ReceptionSlot | None = None
    deputies: Sequence[Deputy] = ()
    cadres: Sequence[LeadingCadre] = ()
    guests: Sequence[Guest] = ()
    rows: Sequence[LedgerRow] = ()
    attachments: Sequence[UploadedFile] = field(default_factory=tuple)


NOT_PRESENT_MESSAGE = gettext_lazy("接待代表须是本次出席的代表或领导干部。")
ROW_ID_TAKEN_MESSAGE = gettext_lazy("登记簿行的 ID 已被其他意见建议使用：{}")
CONFLICT_MESSAGE = gettext_lazy("与同时保存的其他记录冲突，未保存。请取回最新情况后重试。")


def phone_error(phone: str) -> str | None:
    """A citizen's contact number: digits, spaces, "+" and "-" only."""
    if phone and not all(ch.isdigit() or ch in "-+ " for ch in phone):
        return gettext("联系电话只能包含数字和“-”。")
    return None


def session_rule_errors(
    *,
    station: Station | None,
    kind: str | None,
    theme: str,
    theme_kind: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    deputies: Sequence[Deputy] = (),
    slot: ReceptionSlot | None = None,
) -> dict[str, str]:
    """The rules a session's own fields obey, by field (the page's form shows them next
    to its fields; ``_check`` refuses a ReceptionInput that breaks one). Parts not known
    yet (None) are skipped."""
    errors: dict[str, str] = {}
    if kind == ReceptionSession.Kind.THEMED and not theme:
        errors["theme"] = gettext("主题活动须填写主题。")
    elif theme_kind and not theme:
        errors["theme"] = gettext("选择了主题类别，请填写主题。")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = gettext("结束时间须晚于开始时间。")
    if station is not None:
        allowed = {station.pk, station.parent_id}
        wrong = [d.name for d in deputies if d.home_station_id not in allowed]
        if wrong:
            errors["deputies"] = gettext("不是本站的代表：{join}").format(join="、".join(wrong))
        if slot is not None and slot.station_id != station.pk:
            errors["slot"] = gettext("接待安排不属于该联络站。")
    return errors


FUTURE_MESSAGE = gettext_lazy("已完成的接待活动日期不能晚于今天。尚未举行的，请保存为草稿或发布接待安排。")
NO_ATTENDEE_MESSAGE = gettext_lazy(
    "已完成的接待活动须至少有一名出席的代表或领导干部；确无人出席的，请在“特殊情况说明”中写明原因。"
)
NO_CITIZENS_MESSAGE = gettext_lazy(
    "接待群众为 0 人次的，请在“特殊情况说明”中写明原因（如：当天无群众来访）。"
)
ROWS_WITHOUT_CITIZENS_MESSAGE = gettext_lazy("登记了 {} 条群众意见建议，接待群众不能为 0 人次。")
# Kinds whose purpose is to receive citizens: 0 citizens needs a reason. A themed
# "station +" activity (training, a central task) may receive none.
RECEIVING_KINDS = (
    ReceptionSession.Kind.STATION_RECEPTION,
    ReceptionSession.Kind.DOOR_TO_DOOR,
    ReceptionSession.Kind.ONLINE,
)


def completion_rule_errors(
    *,
    kind: str | None,
    starts_at: dt.datetime | None,
    attendees: int,
    citizens_received: int | None,
    rows: int,
    exception_reason: str,
    today: dt.date | None = None,
) -> dict[str, str]:
    """The rules a session recorded as completed (已完成) obeys, by field; a draft is
    exempt (it may be filled in before the day). ``attendees`` counts deputies and
    leading cadres present; ``rows`` the ledger rows. A session is dated by its local day:
    one logged in the morning before its start time is not "in the future"."""
    errors: dict[str, str] = {}
    today = today or timezone.localdate()
    reason = exception_reason.strip()
    if starts_at is not None and timezone.localdate(starts_at) > today:
        errors["starts_at"] = FUTURE_MESSAGE
    if not attendees and not reason:
        errors["deputies"] = NO_ATTENDEE_MESSAGE
    if citizens_received == 0:
        if rows:
            errors["citizens_received"] = ROWS_WITHOUT_CITIZENS_MESSAGE.format(rows)
        elif kind in RECEIVING_KINDS and not reason:
            errors["citizens_received"] = NO_CITIZENS_MESSAGE
    return errors


def _check_receivers(data: ReceptionInput) -> None:
    deputy_ids = {d.pk for d in data.deputies}
    cadre_ids = {c.pk for c in data.cadres}
    for row in data.rows:
        if (row.received_by_deputy and row.received_by_deputy.pk not in deputy_ids) or (
            row.received_by_cadre and row.received_by_cadre.pk not in cadre_ids
        ):
            raise ValidationError(NOT_PRESENT_MESSAGE)


def _check_row_ids(data: ReceptionInput) -> None:
    """A row's id becomes its ticket's: it must be new, and not given twice."""
    counts = Counter(row.id for row in data.rows if row.id)
    repeated = {i for i, n in counts.items() if n > 1}
    taken = repeated | set(Ticket.objects.filter(pk__in=list(counts)).values_list("pk", flat=True))
    if taken:
        raise ValidationError({"rows": ROW_ID_TAKEN_MESSAGE.format("、".join(sorted(map(str, taken))))})


def _check(data: ReceptionInput, *, session: ReceptionSession | None = None, draft: bool = False) -> None:
    errors = session_rule_errors(
        station=data.station,
        kind=data.kind,
        theme=data.theme,
        theme_kind=data.theme_kind,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        deputies=data.deputies,
        slot=data.slot,
    )
    if not draft:
        errors = {
            **completion_rule_errors(
                kind=data.kind,
                starts_at=data.starts_at,
                attendees=len(data.deputies) + len(data.cadres),
                citizens_received=data.citizens_received,
                rows=len(data.rows),
                exception_reason=data.exception_reason,
            ),
            **errors,
        }
    if errors:
        raise ValidationError(errors)
    if len(data.rows) > LEDGER_ROWS_MAX:
        raise ValidationError(
            {
                "rows": gettext("一次最多登记 {LEDGER_ROWS_MAX} 条意见建议。").format(
                    LEDGER_ROWS_MAX=LEDGER_ROWS_MAX
                )
            }
        )
    if data.slot is not None:
        held = ReceptionSession.objects.filter(slot=data.slot)
        if session is not None:
            held = held.exclude(pk=session.pk)
        if held.exists():
            raise ValidationError({"slot": gettext("该接待安排已登记过接待活动。")})
    _check_receivers(data)
    if not draft:
        _check_row_ids(data)


def _with_row_ids(data: ReceptionInput) -> ReceptionInput:
    """Every row gets its ticket's UUID now (a draft keeps it until it is finished)."""
    if all(row.id for row in data.rows):
        return data
    return replace(data, rows=[row if row.id else replace(row, id=uuid.uuid4()) for row in data.rows])


def _fill(*, session: ReceptionSession, data: ReceptionInput, draft: bool, actor) -> None:
    """Attendances, attachments and (unless a draft) the ledger rows as tickets."""
    session.attendances.all().delete()
    Attendance.objects.bulk_create(
        [Attendance(session=session, role=Attendance.Role.DEPUTY, deputy=d) for d in data.deputies]
        + [Attendance(session=session, role=Attendance.Role.LEADING_CADRE, cadre=c) for c in data.cadres]
        + [
            Attendance(session=session, role=g.role, guest_name=g.name.strip(), guest_title=g.title)
            for g in data.guests
            if g.name.strip()
        ]
    )
    for upload in data.attachments:
        attachment_add(session=session, upload=upload, actor=actor)
    if draft:
        return
    for row in data.rows:
        ticket_register(
            ticket_id=row.id,
            station=data.station,
            reception=session,
            category=row.category,
            content=row.content,
            citizen_name=row.citizen_name,
            citizen_phone=row.citizen_phone,
            citizen_address=row.citizen_address,
            consent_to_share=row.consent_to_share,
            village=row.village,
            received_by_deputy=row.received_by_deputy,
            received_by_cadre=row.received_by_cadre,
            on_the_spot_action=row.on_the_spot_action,
            received_at=session.starts_at,
            actor=actor,
        )
    if data.rows:
        # Tell the station's keepers there are opinions to decide on
        # (reception_tickets_notify); an outbox row, so saving never waits on the broker.
        outbox.enqueue("visits.tickets_registered", str(session.pk), actor_id=getattr(actor, "pk", None))


def reception_tickets_notify(*, session_id: str, actor_id: int | None = None) -> None:
    """A reception's opinions are registered: tell the station's keepers (its liaison
    officers and the station head), except who recorded it, that they await a decision."""
    from notifications.services import notify  # downstream app: imported where it is used

    session = ReceptionSession.objects.select_related("station__region").filter(pk=session_id).first()
    if session is None:
        return
    count = session.tickets.count()
    if not count:
        return
    station = session.station
    notify(
        user_ids=[uid for uid in scoping.station_keeper_ids(station) if uid != actor_id],
        kind="tickets_registered",
        title=text(
            gettext_noop("{name}登记了 {count} 条群众意见建议，待决定处理方式"),
            name=station.name,
            count=count,
        ),
        body=text(
            gettext_noop("接待活动：{value}（{starts_at}）"),
            value=session.theme or label(ReceptionSession.Kind(session.kind).label),
            starts_at=f"{session.starts_at:%Y-%m-%d}",
        ),
        url=reverse("visits:detail", args=[session.pk]),
        data={"reception": str(session.pk), "station": str(station.pk), "tickets": count},
    )


def _session_fields(data: ReceptionInput, *, draft: bool) -> dict[str, Any]:
    return {
        "kind": data.kind,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "theme": data.theme,
        "theme_kind": data.theme_kind,
        "citizens_received": data.citizens_received,
        "notes": data.notes,
        "exception_reason": data.exception_reason,
        "slot": data.slot,
        "status": ReceptionSession.Status.DRAFT if draft else ReceptionSession.Status.DONE,
        "draft_rows": [row.as_draft() for row in data.rows] if draft else [],
    }


def _attendance_key(session: ReceptionSession) -> tuple:
    people = list(session.attendances.all())
    return (
        sorted(str(a.deputy_id) for a in people if a.deputy_id),
        sorted(str(a.cadre_id) for a in people if a.cadre_id),
        sorted((a.role, a.guest_name, a.guest_title) for a in people if not (a.deputy_id or a.cadre_id)),
    )


def _input_attendance_key(data: ReceptionInput) -> tuple:
    return (
        sorted(str(d.pk) for d in data.deputies),
        sorted(str(c.pk) for c in data.cadres),
        sorted((g.role, g.name.strip(), g.title) for g in data.guests if g.name.strip()),
    )


def reception_changes(*, session: ReceptionSession, data: ReceptionInput, draft: bool) -> list[str]:
    """What recording ``data`` over ``session`` would change: the names of the parts that
    differ (session fields, "station", "attendance", "rows"); empty when it is a repeat.

    A completed session's rows are tickets with a life of their own (corrected through
    the ticket, moved on by the workflow), so they are compared by their ids only."""
    wanted = _session_fields(data, draft=draft)
    changed = [
        name
        for name, value in wanted.items()
        if name not in ("slot", "draft_rows") and getattr(session, name) != value
    ]
    if session.station_id != data.station.pk:
        changed.append("station")
    if session.slot_id != (data.slot.pk if data.slot else None):
        changed.append("slot")
    if _attendance_key(session) != _input_attendance_key(data):
        changed.append("attendance")
    if session.status == ReceptionSession.Status.DRAFT:
        rows_differ = session.draft_rows != wanted["draft_rows"]
    else:
        ticket_ids = sorted(str(pk) for pk in session.tickets.values_list("pk", flat=True))
        rows_differ = ticket_ids != sorted(str(row.id) for row in data.rows)
    if rows_differ:
        changed.append("rows")
    return changed


def _by_token(client_token: uuid.UUID) -> ReceptionSession | None:
    return ReceptionSession.objects.filter(client_token=client_token).first()


def reception_record(
    *,
    data: ReceptionInput,
    client_token: uuid.UUID,
    actor,
    draft: bool = False,
    session_id: uuid.UUID | None = None,
) -> tuple[ReceptionSession, bool]:
    """Record a whole reception in one transaction: the session, who was there, the
    attachments and each ledger row as a ticket (nothing half-saved).

    ``client_token`` comes from the form (an API client sends its own UUID as both
    ``client_token`` and ``session_id``, the session's key): if a session with that
    token exists (a double click, a resubmitted form, a retry after a lost response) it
    is returned unchanged and ``created`` is False."""
    existing = _by_token(client_token)
    if existing is not None:
        return existing, False
    data = _with_row_ids(data)
    try:
        _check(data, draft=draft)
        with transaction.atomic(), _files_removed_on_error():
            session = reception_create(
                station=data.station,
                created_by=actor,
                client_token=client_token,
                **({"id": session_id} if session_id else {}),
                **_session_fields(data, draft=draft),
            )
            _fill(session=session, data=data, draft=draft, actor=actor)
    except (ValidationError, IntegrityError) as exc:
        # A concurrent request with the same token won the race: its session, row ids
        # and slot now exist (it waited on our locks or we on its unique index), and its
        # session is the answer.
        existing = _by_token(client_token)
        if existing is not None:
            return existing, False
        if isinstance(exc, IntegrityError):
            raise ValidationError(CONFLICT_MESSAGE, code="conflict") from exc
        raise
    return session, True


DONE_IS_FINAL_MESSAGE = gettext_lazy("该接待活动已完成登记，不能再修改。")
STALE_MESSAGE = gettext_lazy("该接待活动已被他人修改，请取回最新情况后再提交。")


def reception_update_draft(
    *,
    session: ReceptionSession,
    data: ReceptionInput,
    actor,
    draft: bool = False,
    expected_version: int | None = None,
) -> ReceptionSession:
    """Save a draft again, or finish it (``draft=False``: the rows become tickets).
    Finishing twice (a resubmitted form) is refused by the status check under a lock;
    the same finish again (a retried request) changes nothing. With
    ``expected_version``, a session changed meanwhile is refused (code "stale")."""
    with transaction.atomic(), _files_removed_on_error():
        return _reception_update_draft(
            session=session, data=_with_row_ids(data), actor=actor, draft=draft, expected=expected_version
        )


def _reception_update_draft(
    *, session: ReceptionSession, data: ReceptionInput, actor, draft: bool, expected: int | None
) -> ReceptionSession:
    locked = ReceptionSession.objects.select_for_update().get(pk=session.pk)
    if expected is not None:
        if not data.attachments and not reception_changes(session=locked, data=data, draft=draft):
            return locked
        if locked.version != expected:
            raise ValidationError(STALE_MESSAGE, code="stale")
    if locked.status != ReceptionSession.Status.DRAFT:
        raise ValidationError(DONE_IS_FINAL_MESSAGE, code="final")
    _check_station_open(data.station)
    locked.station = data.station
    for name, value in _session_fields(data, draft=draft).items():
        setattr(locked, name, value)
    _check(data, session=locked, draft=draft)
    locked.full_clean()
    locked.save()
    _fill(session=locked, data=data, draft=draft, actor=actor)
    return locked


_written_files: ContextVar[list[str] | None] = ContextVar("visits_written_files", default=None)


@contextmanager
def _files_removed_on_error():
    """Storage writes are not transactional: remember the files an attempt writes and
    delete them if the attempt fails (its rows are rolled back with it)."""
    written: list[str] = []
    token = _written_files.set(written)
    try:
        yield
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        _written_files.reset(token)


# --- attachments -------------------------------------------------------------------------

THUMBNAIL_SIZE = (320, 320)


def _thumbnail(upload: UploadedFile) -> ContentFile:
    upload.seek(0)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")


def attachment_add(
    *,
    session: ReceptionSession,
    upload: UploadedFile,
    actor=None,
    attachment_id: uuid.UUID | None = None,
    content_type: str | None = None,
) -> ReceptionAttachment:
    """Store one photo or scan of ``session`` (``content_type``: the caller already ran
    ``attachment_check``)."""
    content_type = content_type or attachment_check(upload)
    attachment = ReceptionAttachment(
        **({"id": attachment_id} if attachment_id else {}),
        session=session,
        kind=ReceptionAttachment.Kind.PHOTO
        if content_type.startswith("image/")
        else ReceptionAttachment.Kind.SIGN_IN,
        original_name=original_name(upload),
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(f"a.{ATTACHMENT_TYPES[content_type]}", upload, save=False)
    if content_type.startswith("image/"):
        attachment.thumbnail.save("thumb.jpg", _thumbnail(upload), save=False)
    written = _written_files.get()
    if written is not None:
        written.extend(name for name in (attachment.file.name, attachment.thumbnail.name) if name)
    attachment.save()
    return attachment


def reception_attachment_upload(
    *, session: ReceptionSession, upload: UploadedFile, actor, attachment_id: uuid.UUID
) -> tuple[ReceptionAttachment, bool]:
    """Add one photo or scan to a session, draft or completed (an offline client sends
    its photos when it has a good connection), idempotent by the client's UUID: a repeat
    answers with the attachment already stored (``created`` False) and stores nothing.
    Who may: those who log receptions at the station."""
    if not scoping.can_log_reception(actor, session.station):
        raise PermissionDenied(gettext("您的角色不能为该联络站的接待活动上传附件。"))

    def stored() -> ReceptionAttachment | None:
        found = ReceptionAttachment.objects.filter(pk=attachment_id).first()
        if found is not None and (found.session_id != session.pk or found.size != upload.size):
            raise ValidationError({"id": ValidationError(ID_REUSED_MESSAGE, code="reused")})
        return found

    existing = stored()
    if existing is not None:
        return existing, False
    content_type = upload_check(upload)
    try:
        with transaction.atomic(), _files_removed_on_error():
            attachment = attachment_add(
                session=session,
                upload=upload,
                actor=actor,
                attachment_id=attachment_id,
                content_type=content_type,
            )
            return attachment, True
    except IntegrityError:
        # the same upload, sent twice at once: the other one's row is the answer (our
        # files are gone with our attempt)
        existing = stored()
        if existing is None:
            raise
        return existing, False


# --- timetable ----------------------------------------------------------------------------


@transaction.atomic
def slot_publish(
    *,
    station: Station,
    date: dt.date,
    starts: dt.time,
    ends: dt.time,
    deputies: Sequence[Deputy] = (),
    note: str = "",
    repeat_weeks: int = 1,
) -> list[ReceptionSlot]:
    """Publish a reception day (and, with ``repeat_weeks``, the same weekday for the
    following weeks). A day already published at that hour is left as it is."""
    if station.is_closed:
        raise ValidationError(CLOSED_STATION_MESSAGE)
    if ends <= starts:
        raise ValidationError({"ends": gettext("结束时间须晚于开始时间。")})
    if not 1 <= repeat_weeks <= 26:
        raise ValidationError({"repeat_weeks": gettext("重复周数须在 1 到 26 之间。")})
    slots = []
    for week in range(repeat_weeks):
        day = date + dt.timedelta(weeks=week)
        slot, created = ReceptionSlot.objects.get_or_create(
            station=station, date=day, starts=starts, defaults={"ends": ends, "note": note}
        )
        if created:
            slot.deputies.set(deputies)
            slots.append(slot)
    return slots


@transaction.atomic
def slot_cancel(*, slot: ReceptionSlot) -> None:
    if ReceptionSession.objects.filter(slot=slot).exists():
        raise ValidationError(gettext("该接待安排已登记接待活动，不能取消。"))
    slot.delete()


# --- ledger exports -------------------------------------------------------------------------

# Up to this many rows a ledger is written while the browser waits; above it the export
# runs as a background task with progress shown.
LEDGER_SYNC_MAX_ROWS = 300


@dataclass(frozen=True)
class LedgerFile:
    content: bytes
    name: str
    row_count: int
    # (ticket id, citizen name) of the rows showing the citizen's details in full: whoever
    # is sent the file is logged for these (PIPL), at the time it is sent
    full_views: list[tuple[uuid.UUID, str]]


def ledger_render(
    *, user, station: Station, book: str, fmt: str, date_from: dt.date, date_to: dt.date, progress=None
) -> LedgerFile:
    """The ledger file: a fixed number of queries. Personal data is full where ``user``
    may see it (the book keepers: the paper book carries the citizen's contact), masked
    elsewhere (``ledgers.shows_full``)."""
    from visits import ledgers, selectors

    tickets = selectors.ledger_tickets(
        user=user, station=station, book=book, date_from=date_from, date_to=date_to
    )
    tickets = list(tickets)
    ledger = ledgers.build_ledger(
        user=user,
        tickets=tickets,
        total=len(tickets),
        book=book,
        station_name=station.name,
        date_from=date_from,
        date_to=date_to,
        progress=progress,
    )
    return LedgerFile(
        content=ledgers.WRITERS[fmt](ledger),
        name=f"{ledger.filename_stem}.{fmt}",
        row_count=len(tickets),
        full_views=[(t.pk, t.citizen_name) for t in tickets if ledgers.shows_full(user, t)],
    )


# --- background exports: one machinery for every kind of file ------------------------------
#
# A kind (ExportJob.Kind) registers how its file is written and who may still fetch it;
# starting, running (progress on the job row, failure recorded), listing and downloading
# are the same for all. The ledger registers below; the dashboards register theirs from
# their app (``dashboards.exports``), so the arrows keep pointing up.


@dataclass(frozen=True)
class ExportKind:
    # the file of ``job``, reporting progress (0–100) as it goes
    render: Callable[[ExportJob, Callable[[int], None]], LedgerFile]
    # whether ``user`` (who asked for it) may still fetch it: a role switched off, a
    # scope narrowed, and the job is gone for them
    may_fetch: Callable[[object, ExportJob], bool]


EXPORT_KINDS: dict[str, ExportKind] = {}


def export_kind_register(kind: str, *, render, may_fetch) -> None:
    EXPORT_KINDS[kind] = ExportKind(render=render, may_fetch=may_fetch)


@transaction.atomic
def export_start(*, user, kind: str, fmt: str, **fields) -> ExportJob:
    """Queue a background export through the outbox: the job and its message commit
    together, and the worker starts it after commit (never a broker call in the request)."""
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    job = ExportJob.objects.create(created_by=user, kind=kind, format=fmt, **fields)
    outbox.enqueue("visits.ledger_export", str(job.pk))
    return job


def ledger_export_start(
    *, user, station: Station, book: str, fmt: str, date_from: dt.date, date_to: dt.date
) -> ExportJob:
    return export_start(
        user=user,
        kind=ExportJob.Kind.LEDGER,
        fmt=fmt,
        station=station,
        book=book,
        date_from=date_from,
        date_to=date_to,
    )


def export_run(*, job_id: uuid.UUID | str) -> ExportJob:
    """Write a queued export to storage, reporting progress on the job row."""
    job = ExportJob.objects.select_related("created_by", "station__region").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=1)

    def progress(percent: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress=percent)

    try:
        rendered = EXPORT_KINDS[job.kind].render(job, progress)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        # Recorded on the job for the user, logged for us; not re-raised: in the eager
        # default the task runs inside the request that queued it.
        logger.exception("export %s failed", job.pk)
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    job.file.save(rendered.name, ContentFile(rendered.content), save=False)
    job.status = ExportJob.Status.DONE
    job.progress = 100
    job.row_count = rendered.row_count
    # the download checks and logs these (not the worker: nobody has seen the file yet)
    job.full_ticket_ids = [str(pk) for pk, _ in rendered.full_views]
    job.finished_at = timezone.now()
    job.save()
    return job


ledger_export_run = export_run  # the name the task and older callers use


def _ledger_job_render(job: ExportJob, progress) -> LedgerFile:
    return ledger_render(
        user=job.created_by,
        station=job.station,
        book=job.book,
        fmt=job.format,
        date_from=job.date_from,
        date_to=job.date_to,
        progress=progress,
    )


def _ledger_job_may_fetch(user, job: ExportJob) -> bool:
    return scoping.can_export_ledger(user, job.station)


export_kind_register(ExportJob.Kind.LEDGER, render=_ledger_job_render, may_fetch=_ledger_job_may_fetch)
