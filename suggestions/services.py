"""Writes of the suggestions app: citizen opinions as tickets.

Registration, then every step of the handling through ONE service,
``ticket_transition``, which applies a row of ``suggestions.workflow.TRANSITIONS``:
it locks the ticket, checks the move is allowed from the current status and that the
actor may take it (``liaison.scoping``), applies it, sets the deadline on the official
working-day calendar, and writes an append-only ``TimelineEvent``. The named functions
below (``ticket_accept``, ``ticket_assign``…) are thin wrappers for readable call sites."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from liaison.uploads import ATTACHMENT_TYPES, ID_REUSED_MESSAGE, original_name, upload_check
from liaison.workflow import Effect, apply_transition
from stations.models import Region, RegionLevel
from suggestions.calendar import add_working_days, working_days_between
from suggestions.models import Attachment, Category, Delivery, HandlingUnit, Reply, Ticket, TimelineEvent
from suggestions.numbering import assign_ticket_numbers
from suggestions.workflow import TRANSITIONS, Transition

if TYPE_CHECKING:
    from accounts.models import User
    from deputies.models import Deputy, LeadingCadre
    from stations.models import Station
    from visits.models import ReceptionSession


# A ticket's references. A caller that fetched them itself (in scope, in this transaction)
# passes ``references_checked`` so full_clean does not query each again.
TICKET_REFERENCES = tuple(f.name for f in Ticket._meta.concrete_fields if f.is_relation)


def _full_clean(ticket: Ticket, *, references_checked: bool) -> None:
    """``full_clean``; with ``references_checked`` without its per-row queries (existence
    of each reference, uniqueness of the id, the check constraints, which the database
    enforces anyway: a violation raises ``IntegrityError`` at the write). On an error the
    whole check runs, so the messages are exactly those of a plain ``full_clean``."""
    if not references_checked:
        ticket.full_clean()
        return
    try:
        ticket.full_clean(exclude=TICKET_REFERENCES, validate_unique=False, validate_constraints=False)
    except ValidationError:
        ticket.full_clean()


VILLAGE_NOT_OF_STATION = gettext_lazy("该村（社区）不在联络站所在的乡镇（街道）。")


def village_check(station: Station, village: Region | None) -> None:
    """A ticket's village is a village of its station's township (what the reception form
    offers): the one rule for the page, the API's writes and corrections."""
    if village is None:
        return
    township = station.region.path[: Region.steplen * RegionLevel.TOWNSHIP]
    if village.level != RegionLevel.VILLAGE or not village.path.startswith(township):
        raise ValidationError({"village": VILLAGE_NOT_OF_STATION})


def ticket_registration(
    *,
    station: Station,
    category: Category,
    content: str,
    citizen_name: str,
    citizen_phone: str = "",
    citizen_address: str = "",
    citizen_id_number: str = "",
    consent_to_share: bool = False,
    village: Region | None = None,
    reception: ReceptionSession | None = None,
    received_by_deputy: Deputy | None = None,
    received_by_cadre: LeadingCadre | None = None,
    on_the_spot_action: str = "",
    received_at: datetime | None = None,
    actor: User | None = None,
    ticket_id: UUID | None = None,
    references_checked: bool = False,
    channel: str = Ticket.Channel.STATION,
) -> Ticket:
    """The ticket that registering (登记) this citizen opinion saves, validated, unsaved.

    ``references_checked``: the caller fetched every reference in this transaction and
    holds ``lock_client_ids`` on a ``ticket_id`` it found absent (see ``_full_clean``)."""
    if station.is_closed:
        raise ValidationError({"station": gettext("该联络站已撤销，不能登记新的意见建议。")})
    if reception is not None and reception.station_id != station.pk:
        raise ValidationError({"reception": gettext("接待活动不属于该联络站。")})
    village_check(station, village)
    ticket = Ticket(
        **({"id": ticket_id} if ticket_id else {}),
        station=station,
        category=category,
        content=content,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        citizen_address=citizen_address,
        citizen_id_number=citizen_id_number,
        consent_to_share=consent_to_share,
        village=village,
        reception=reception,
        received_by_deputy=received_by_deputy,
        received_by_cadre=received_by_cadre,
        on_the_spot_action=on_the_spot_action,
        received_at=received_at or (reception.starts_at if reception else timezone.now()),
        status=Ticket.Status.REGISTERED,
        created_by=actor,
        channel=channel,
    )
    _full_clean(ticket, references_checked=references_checked)
    return ticket


def _registration_event(ticket: Ticket) -> TimelineEvent:
    return TimelineEvent(
        ticket=ticket,
        action="register",
        from_status="",
        to_status=Ticket.Status.REGISTERED,
        actor=ticket.created_by,
        data={"station": ticket.station.name},
    )


@transaction.atomic
def ticket_register(*, station: Station, category: Category, **details) -> Ticket:
    """Register (登记) one citizen opinion as a ticket (``ticket_registration`` names the
    details). ``ticket_id``: the client's own UUID (a syncing client creates by PUT to it,
    so a retried create cannot make two)."""
    ticket = ticket_registration(station=station, category=category, **details)
    assign_ticket_numbers([ticket])
    ticket.save()
    _registration_event(ticket).save()
    return ticket


@transaction.atomic
def tickets_register_many(*, tickets: Sequence[Ticket]) -> None:
    """Save registrations built by ``ticket_registration(references_checked=True)`` and
    their timeline events: two INSERTs whatever their number (the batch endpoint)."""
    if tickets:
        assign_ticket_numbers(tickets)
        Ticket.objects.bulk_create(tickets)
        TimelineEvent.objects.bulk_create([_registration_event(t) for t in tickets])


# What registration recorded and may still be corrected while the ticket is open (not the
# workflow's fields: those change only through ticket_transition).
EDITABLE_DETAILS = (
    "category",
    "content",
    "citizen_name",
    "citizen_phone",
    "citizen_address",
    "citizen_id_number",
    "consent_to_share",
    "village",
    "on_the_spot_action",
    "received_at",
)


def ticket_detail_changes(*, ticket: Ticket, fields: dict) -> list[str]:
    """The names of ``fields`` whose values differ from ``ticket``'s (references compared
    by id, so comparing a batch of tickets fetches none of their categories or villages)."""
    changed = []
    for name, value in fields.items():
        field = Ticket._meta.get_field(name)
        if field.is_relation:
            differs = getattr(ticket, field.attname) != (None if value is None else value.pk)
        else:
            differs = getattr(ticket, name) != value
        if differs:
            changed.append(name)
    return changed


def ticket_correction(
    *,
    ticket: Ticket,
    actor: User,
    expected_version: int | None = None,
    references_checked: bool = False,
    **fields,
) -> list[str]:
    """Correct what registration recorded on ``ticket`` (locked by the caller, with
    ``station__region``) in memory, validated, unsaved, if ``actor`` decides on it
    (``scoping.can_decide_ticket``). Returns the names changed: none for the same values
    again. With ``expected_version``, a ticket changed meanwhile is refused (code
    "stale"). ``references_checked``: as for ``ticket_registration``."""
    from liaison.scoping import can_decide_ticket

    unknown = set(fields) - set(EDITABLE_DETAILS)
    if unknown:
        raise ValidationError({name: gettext("该字段不能在此修改。") for name in sorted(unknown)})
    if expected_version is not None and ticket.version != expected_version:
        raise ValidationError(gettext("本件已被更新，请查看最新情况后再操作。"), code="stale")
    if not can_decide_ticket(actor, ticket):
        raise PermissionDenied(gettext("您的角色不能修改本件的登记内容。"))
    changed = ticket_detail_changes(ticket=ticket, fields=fields)
    if not changed:
        return []
    if ticket.status in Ticket.FINAL_STATUSES:
        raise ValidationError(
            gettext("本件已{status}，不能再修改登记内容。").format(status=ticket.get_status_display()),
            code="final",
        )
    if "village" in changed:
        village_check(ticket.station, fields["village"])
    for name in changed:
        setattr(ticket, name, fields[name])
    _full_clean(ticket, references_checked=references_checked)
    return changed


@transaction.atomic
def ticket_update_details(
    *, ticket: Ticket, actor: User, expected_version: int | None = None, **fields
) -> tuple[Ticket, bool]:
    """Correct what registration recorded, under a row lock (``ticket_correction``).
    Returns the ticket and whether anything changed (if not, the version stays)."""
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("station__region").get(pk=ticket.pk)
    )
    changed = ticket_correction(ticket=locked, actor=actor, expected_version=expected_version, **fields)
    if changed:
        locked.save()
    return locked, bool(changed)


@transaction.atomic
def tickets_save_corrections(*, tickets: Sequence[Ticket]) -> None:
    """Save corrections made by ``ticket_correction(references_checked=True)`` on rows the
    caller locked: one UPDATE of the editable details whatever their number (the batch
    endpoint). Bumps each version, as ``SyncedModel.save`` does."""
    if not tickets:
        return
    now = timezone.now()
    for ticket in tickets:
        ticket.version += 1
        ticket.updated_at = now
    names = [*EDITABLE_DETAILS, "version", "updated_at"]
    if connection.vendor != "postgresql":
        Ticket.objects.bulk_update(tickets, names)
        return
    _update_from_values(Ticket, tickets, names)


def _update_from_values(model, objs: Sequence, names: list[str]) -> int:
    """``UPDATE … SET col = v.col FROM (VALUES …) v WHERE pk = v.pk``: one statement whose
    size grows with the rows, where ``bulk_update`` builds a ``CASE WHEN`` per row and field
    (100 rows × 12 fields: 2 s of Python building expressions; this: a few milliseconds)."""
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in names]
    casts = ", ".join(f"%s::{f.db_type(connection)}" for f in (pk, *fields))
    params: list = []
    for obj in objs:
        params.append(pk.get_db_prep_value(obj.pk, connection))
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    columns = ", ".join(quote(f.column) for f in (pk, *fields))
    table = quote(model._meta.db_table)
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    sql = (
        f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([f'({casts})'] * len(objs))}) "  # noqa: S608
        f"AS v ({columns}) WHERE {table}.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- the workflow ---------------------------------------------------------------------------

# Working days allowed per tier (分级办理时限), from acceptance and from each assignment.
# Override any of them with settings.TICKET_DEADLINE_WORKING_DAYS.
DEFAULT_DEADLINE_WORKING_DAYS: dict[str, int] = {
    Ticket.Tier.ON_THE_SPOT: 0,
    Ticket.Tier.TOWNSHIP: 5,
    Ticket.Tier.COUNTY_DEPARTMENT: 15,
    Ticket.Tier.STANDING_COMMITTEE: 20,
    Ticket.Tier.DEPUTY_SUGGESTION: 60,
}

ATTACHMENT_EXTENSIONS = (
    "pdf",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "wps",
    "ofd",
    "txt",
)
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def deadline_working_days(tier: str) -> int:
    return {**DEFAULT_DEADLINE_WORKING_DAYS, **getattr(settings, "TICKET_DEADLINE_WORKING_DAYS", {})}[tier]


def due_date_for(tier: str, *, start: date | None = None) -> date:
    """The due date of a ticket of ``tier`` handled from ``start`` (today by default)."""
    return add_working_days(start or timezone.localdate(), deadline_working_days(tier))


def validate_attachment(upload: UploadedFile) -> None:
    """Type by extension (the browser's content type is not to be trusted) and size."""
    max_bytes = getattr(settings, "TICKET_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES)
    FileExtensionValidator(
        ATTACHMENT_EXTENSIONS,
        message=gettext("不支持的附件类型：{name}（允许 {join}）。").format(
            name=upload.name, join="、".join(ATTACHMENT_EXTENSIONS)
        ),
    )(upload)
    if upload.size > max_bytes:
        raise ValidationError(
            gettext("附件 {name} 超过 {value} MB。").format(
                name=upload.name, value=max_bytes // (1024 * 1024)
            )
        )


# What a transition's handler decided (event data, work that needs the event): the
# shared ``liaison.workflow.Effect``.
_Effect = Effect


def _latest_reply(ticket: Ticket) -> Reply | None:
    return ticket.replies.order_by("-created_at", "-pk").first()


def _accept(ticket: Ticket, actor, *, comment: str, tier: str = "", **_) -> _Effect:
    if tier not in Ticket.Tier.values:
        raise ValidationError({"tier": gettext("请选择分级处理方式。")})
    ticket.tier = tier
    ticket.due_on = due_date_for(tier)
    return _Effect({"tier": tier, "due_on": ticket.due_on.isoformat()})


def _assign(
    ticket: Ticket, actor, *, comment: str, handling_unit: HandlingUnit | None = None, tier: str = "", **_
):
    if handling_unit is None:
        raise ValidationError({"handling_unit": gettext("请选择承办单位。")})
    if not handling_unit.is_active:
        raise ValidationError({"handling_unit": gettext("该承办单位已停用。")})
    if tier:
        if tier not in Ticket.Tier.values:
            raise ValidationError({"tier": gettext("分级处理方式无效。")})
        ticket.tier = tier
    if ticket.tier in ("", Ticket.Tier.ON_THE_SPOT):
        raise ValidationError({"tier": gettext("代表当场答复的件无需交办；交办请同时选择分级处理方式。")})
    ticket.handling_unit = handling_unit
    ticket.return_requested_at = None
    ticket.due_on = due_date_for(ticket.tier)
    return _Effect(
        {"handling_unit": handling_unit.name, "tier": ticket.tier, "due_on": ticket.due_on.isoformat()}
    )


def _reply(ticket: Ticket, actor, *, comment: str, text: str = "", **_) -> _Effect:
    text = (text or comment).strip()
    if not text:
        raise ValidationError({"text": gettext("请填写答复内容。")})
    if ticket.status == Ticket.Status.ACCEPTED and ticket.tier != Ticket.Tier.ON_THE_SPOT:
        raise ValidationError(gettext("本件尚未交办承办单位：只有代表当场答复的件可以直接答复。"))
    unit = ticket.handling_unit if ticket.status == Ticket.Status.ASSIGNED else None

    def then(event: TimelineEvent) -> Reply:
        return Reply.objects.create(ticket=ticket, handling_unit=unit, author=actor, text=text, event=event)

    return _Effect({"handling_unit": unit.name if unit else ""}, then, comment=text)


def _request_return(ticket: Ticket, actor, *, comment: str, **_) -> _Effect:
    ticket.return_requested_at = timezone.now()
    return _Effect({"handling_unit": ticket.handling_unit.name})


def _refer_back(ticket: Ticket, actor, *, comment: str, **_) -> _Effect:
    unit = ticket.handling_unit
    ticket.handling_unit = None
    ticket.return_requested_at = None
    return _Effect({"handling_unit": unit.name if unit else ""})


def _delivery_time(delivered_at: datetime | None) -> datetime:
    delivered_at = delivered_at or timezone.now()
    if delivered_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"delivered_at": gettext("反馈时间不能晚于现在。")})
    return delivered_at


def _deliver(ticket: Ticket, reply: Reply, actor, channel: str, delivered_at: datetime | None) -> _Effect:
    if channel not in Delivery.Channel.values:
        raise ValidationError({"channel": gettext("请选择反馈方式。")})
    at = _delivery_time(delivered_at)
    if Delivery.objects.filter(ticket=ticket, reply=reply).exists():
        raise ValidationError(gettext("该答复已反馈给本件群众。"))

    def then(event: TimelineEvent) -> Delivery:
        return Delivery.objects.create(
            ticket=ticket, reply=reply, channel=channel, delivered_by=actor, delivered_at=at, event=event
        )

    return _Effect({"channel": channel, "delivered_at": at.isoformat()}, then)


def _deliver_reply(
    ticket: Ticket, actor, *, comment: str, channel: str = "", delivered_at=None, **_
) -> _Effect:
    reply = _latest_reply(ticket)
    if reply is None:  # pragma: no cover - a replied ticket has a reply
        raise ValidationError(gettext("本件还没有答复。"))
    ticket.satisfaction = ticket.no_evaluation = ""
    return _deliver(ticket, reply, actor, channel, delivered_at)


def _deliver_to_merged(ticket: Ticket, actor, *, comment: str, channel: str = "", delivered_at=None, **_):
    target = ticket.merged_into
    if target is None:
        raise ValidationError(gettext("本件未记录合并到哪一件。"))
    reply = _latest_reply(target)
    if reply is None:
        raise ValidationError(gettext("主件尚未答复，答复后再反馈本件群众。"))
    effect = _deliver(ticket, reply, actor, channel, delivered_at)
    effect.data["target"] = str(target.pk)
    return effect


EVALUATION_MISSING_MESSAGE = gettext_lazy(
    "请选择群众评价；群众未评价的，选择未评价原因（拒绝评价或无法联系）。"
)
EVALUATION_TWICE_MESSAGE = gettext_lazy("群众评价与未评价原因只能选一项。")
CLOSE_UNEVALUATED_MESSAGE = gettext_lazy(
    "办结前须记录群众评价；群众未评价的，须记录原因（拒绝评价或无法联系）。"
)


def _evaluation(ticket: Ticket, *, satisfaction: str, no_evaluation: str) -> _Effect:
    """Record the citizen's rating, or why there is none (exactly one of the two)."""
    if satisfaction and no_evaluation:
        raise ValidationError({"no_evaluation": EVALUATION_TWICE_MESSAGE})
    if no_evaluation:
        if no_evaluation not in Ticket.NoEvaluation.values:
            raise ValidationError({"no_evaluation": EVALUATION_MISSING_MESSAGE})
    elif satisfaction not in Ticket.Satisfaction.values:
        raise ValidationError({"satisfaction": EVALUATION_MISSING_MESSAGE})
    ticket.satisfaction, ticket.no_evaluation = satisfaction, no_evaluation
    delivery = ticket.deliveries.order_by("-delivered_at", "-pk").first()

    def then(event: TimelineEvent) -> None:
        if delivery is not None:
            Delivery.objects.filter(pk=delivery.pk).update(satisfaction=satisfaction)

    data = {"no_evaluation": no_evaluation} if no_evaluation else {"satisfaction": satisfaction}
    return _Effect(data, then)


def _record_satisfaction(
    ticket: Ticket, actor, *, comment: str, satisfaction: str = "", no_evaluation: str = "", **_
) -> _Effect:
    from liaison.scoping import VerifiedCitizen

    if isinstance(actor, VerifiedCitizen) and (ticket.satisfaction or ticket.no_evaluation):
        # the citizen rates each delivered reply once (a repeated or concurrent post changes nothing)
        raise ValidationError({"satisfaction": "您已评价过本次答复。"}, code="rated")
    effect = _evaluation(ticket, satisfaction=satisfaction, no_evaluation=no_evaluation)
    if isinstance(actor, VerifiedCitizen):
        # the citizen's own rating on the online station (网上联络站): no staff actor
        if no_evaluation:
            raise ValidationError({"satisfaction": EVALUATION_MISSING_MESSAGE})
        effect.data["given_by"] = "citizen_online"
    return effect


def _reopen(ticket: Ticket, actor, *, comment: str, **_) -> _Effect:
    if ticket.satisfaction != Ticket.Satisfaction.UNSATISFIED:
        raise ValidationError(gettext("只有群众不满意的件可以重新办理。"))
    ticket.reopen_count += 1
    ticket.satisfaction = ticket.no_evaluation = ""
    return _Effect({"reopen_count": ticket.reopen_count})


def _close(
    ticket: Ticket, actor, *, comment: str, satisfaction: str = "", no_evaluation: str = "", **_
) -> _Effect:
    """办结 needs the citizen's rating or a recorded reason why there is none; the close
    form may carry it (recorded in the same step) when it was not recorded before."""
    reply = _latest_reply(ticket)
    if reply is None or not Delivery.objects.filter(ticket=ticket, reply=reply).exists():
        raise ValidationError(gettext("答复尚未反馈群众，不能办结。"))
    waiting = ticket.merged_tickets.exclude(deliveries__reply=reply).count()
    if waiting:
        raise ValidationError(
            gettext("还有 {waiting} 件合并件的群众尚未收到答复，全部反馈后才能办结。").format(waiting=waiting)
        )
    evaluated = None
    if satisfaction or no_evaluation:
        evaluated = _evaluation(ticket, satisfaction=satisfaction, no_evaluation=no_evaluation)
    elif not (ticket.satisfaction or ticket.no_evaluation):
        raise ValidationError({"satisfaction": CLOSE_UNEVALUATED_MESSAGE}, code="unevaluated")
    if ticket.satisfaction == Ticket.Satisfaction.UNSATISFIED and not comment:
        raise ValidationError({"comment": gettext("群众不满意的件办结，须说明理由。")})
    ticket.closed_at = timezone.now()
    ticket.working_days_to_close = max(
        0, working_days_between(timezone.localdate(ticket.received_at), timezone.localdate(ticket.closed_at))
    )
    if ticket.no_evaluation:
        return _Effect({"no_evaluation": ticket.no_evaluation}, evaluated.then if evaluated else None)
    return _Effect({"satisfaction": ticket.satisfaction}, evaluated.then if evaluated else None)


def _withdraw(ticket: Ticket, actor, *, comment: str, **_) -> _Effect:
    return _Effect()


def _merge(ticket: Ticket, actor, *, comment: str, into: Ticket | None = None, **_) -> _Effect:
    from liaison.scoping import can_decide_ticket

    if into is None:
        raise ValidationError({"into": gettext("请选择要并入的主件。")})
    if into.pk == ticket.pk:
        raise ValidationError({"into": gettext("不能并入本件自身。")})
    target = Ticket.objects.select_for_update(of=("self",)).select_related("station__region").get(pk=into.pk)
    if target.status in Ticket.FINAL_STATUSES:
        raise ValidationError(
            {"into": gettext("主件状态为「{status}」，不能并入。").format(status=target.get_status_display())}
        )
    if not can_decide_ticket(actor, target):
        raise PermissionDenied(gettext("您无权处理所选主件。"))
    ticket.merged_into = target
    ticket.due_on = None

    def then(event: TimelineEvent) -> None:
        # tickets merged into this one follow it to the target
        Ticket.objects.filter(merged_into=ticket).update(merged_into=target, version=F("version") + 1)
        TimelineEvent.objects.create(
            ticket=target,
            action="merged_in",
            from_status=target.status,
            to_status=target.status,
            actor=actor,
            comment=comment,
            data={"ticket": str(ticket.pk)},
        )

    return _Effect({"into": str(target.pk)}, then)


_HANDLERS: dict[str, Callable[..., _Effect]] = {
    "accept": _accept,
    "assign": _assign,
    "reply": _reply,
    "request_return": _request_return,
    "refer_back": _refer_back,
    "deliver_reply": _deliver_reply,
    "deliver_to_merged": _deliver_to_merged,
    "record_satisfaction": _record_satisfaction,
    "reopen": _reopen,
    "close": _close,
    "withdraw": _withdraw,
    "merge": _merge,
}
TRANSITIONS.require_handlers(_HANDLERS)


def transition_refusal(ticket: Ticket, transition: Transition) -> str:
    return TRANSITIONS.refusal(ticket.status, transition)


def transition_check(*, ticket: Ticket, action: str, actor: User) -> Transition:
    """May ``actor`` take ``action`` on ``ticket`` now? ``PermissionDenied`` if the role
    may not, ``ValidationError`` (code "status") if the ticket's status does not allow it.
    Pages call it before validating an action's form; ``ticket_transition`` calls it
    again on the locked row."""
    return TRANSITIONS.check(obj=ticket, name=action, actor=actor)


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    actor: User,
    comment: str = "",
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    **payload,
) -> Ticket:
    """Apply one row of the workflow table to ``ticket`` and return the updated ticket.

    Raises ``ValidationError`` (in Chinese, naming the current status) when the move is
    not allowed now, and ``PermissionDenied`` when ``actor`` may not take it. With
    ``expected_version`` (the version the actor's page showed), a stale or repeated
    submission is refused instead of applied twice. The locking, checks, status change
    and event are the shared engine's (``liaison.workflow.apply_transition``)."""
    TRANSITIONS.transition_for(action)
    for upload in attachments:
        validate_attachment(upload)

    def attach(event: TimelineEvent) -> None:
        for upload in attachments:
            Attachment.objects.create(
                event=event,
                file=upload,
                original_name=upload.name[:200],
                content_type=(getattr(upload, "content_type", "") or "")[:100],
                size=upload.size,
            )

    applied = apply_transition(
        queryset=Ticket.objects.select_related("station__region", "handling_unit", "merged_into"),
        obj=ticket,
        name=action,
        actor=actor,
        table=TRANSITIONS,
        handlers=_HANDLERS,
        event_model=TimelineEvent,
        event_fk="ticket",
        comment=comment,
        expected_version=expected_version,
        payload=payload,
        before_then=attach,
        remember=("handling_unit_id",),
    )
    locked = applied.record
    # who must act next is told in this same transaction (inbox rows + outbox delivery)
    from notifications.tickets import ticket_transition_notify  # downstream app: imported where used

    ticket_transition_notify(
        ticket=locked,
        event=applied.event,
        actor_id=getattr(actor, "pk", None),
        previous_unit_id=applied.before["handling_unit_id"],
    )
    return locked


# Thin named wrappers: readable call sites, the same single path.


def ticket_accept(*, ticket: Ticket, actor: User, tier: str, comment: str = "", **kw) -> Ticket:
    """受理: choose the tier (分级处理); the deadline starts."""
    return ticket_transition(ticket=ticket, action="accept", actor=actor, tier=tier, comment=comment, **kw)


def ticket_assign(
    *, ticket: Ticket, actor: User, handling_unit: HandlingUnit, tier: str = "", comment: str = "", **kw
) -> Ticket:
    """交办 to a handling unit (again, to reassign); the deadline restarts."""
    return ticket_transition(
        ticket=ticket,
        action="assign",
        actor=actor,
        handling_unit=handling_unit,
        tier=tier,
        comment=comment,
        **kw,
    )


def ticket_reply(*, ticket: Ticket, actor: User, text: str, **kw) -> Ticket:
    """答复 by the assigned unit (or the deputy's on-the-spot answer)."""
    return ticket_transition(ticket=ticket, action="reply", actor=actor, text=text, **kw)


def ticket_request_return(*, ticket: Ticket, actor: User, comment: str, **kw) -> Ticket:
    """The unit asks the station to take the ticket back (申请退回), with a reason."""
    return ticket_transition(ticket=ticket, action="request_return", actor=actor, comment=comment, **kw)


def ticket_refer_back(*, ticket: Ticket, actor: User, comment: str, **kw) -> Ticket:
    """退回: the station takes the ticket back from the unit, to assign it again."""
    return ticket_transition(ticket=ticket, action="refer_back", actor=actor, comment=comment, **kw)


def ticket_deliver_reply(
    *, ticket: Ticket, actor: User, channel: str, delivered_at: datetime | None = None, **kw
) -> Ticket:
    """反馈群众: the reply reached the citizen (in person, phone, SMS, online)."""
    return ticket_transition(
        ticket=ticket, action="deliver_reply", actor=actor, channel=channel, delivered_at=delivered_at, **kw
    )


def ticket_deliver_to_merged(
    *, ticket: Ticket, actor: User, channel: str, delivered_at: datetime | None = None, **kw
) -> Ticket:
    """The target's reply reached the citizen of a merged ticket."""
    return ticket_transition(
        ticket=ticket,
        action="deliver_to_merged",
        actor=actor,
        channel=channel,
        delivered_at=delivered_at,
        **kw,
    )


def ticket_record_satisfaction(
    *, ticket: Ticket, actor: User, satisfaction: str = "", no_evaluation: str = "", **kw
) -> Ticket:
    """群众评价: satisfied / basically satisfied / unsatisfied; or, when the citizen gives
    none, why (拒绝评价 refused, 无法联系 unreachable)."""
    return ticket_transition(
        ticket=ticket,
        action="record_satisfaction",
        actor=actor,
        satisfaction=satisfaction,
        no_evaluation=no_evaluation,
        **kw,
    )


def ticket_reopen(*, ticket: Ticket, actor: User, comment: str, **kw) -> Ticket:
    """重新办理 after an unsatisfied rating (counted on the ticket)."""
    return ticket_transition(ticket=ticket, action="reopen", actor=actor, comment=comment, **kw)


def ticket_close(*, ticket: Ticket, actor: User, comment: str = "", **kw) -> Ticket:
    """办结: only with a reply delivered to the citizen (and to every merged ticket's) and
    the citizen's rating or the reason there is none (``satisfaction`` / ``no_evaluation``
    in ``kw`` record it in the same step)."""
    return ticket_transition(ticket=ticket, action="close", actor=actor, comment=comment, **kw)


def ticket_withdraw(*, ticket: Ticket, actor: User, comment: str, **kw) -> Ticket:
    """撤回 at the citizen's wish."""
    return ticket_transition(ticket=ticket, action="withdraw", actor=actor, comment=comment, **kw)


def ticket_merge(*, ticket: Ticket, into: Ticket, actor: User, comment: str = "", **kw) -> Ticket:
    """合并 ``ticket`` into ``into`` as a duplicate."""
    return ticket_transition(ticket=ticket, action="merge", actor=actor, into=into, comment=comment, **kw)


# --- files added to a ticket after registration (the API) ----------------------------------


def ticket_attach(
    *, ticket: Ticket, upload: UploadedFile, actor: User, attachment_id: UUID
) -> tuple[Attachment, bool]:
    """Add a photo or scan to a ticket (a photo of the citizen's letter, taken on a visit
    and sent when the phone is online): an ``attach`` event on the timeline carrying the
    file, sniffed and size-limited like the reception page's uploads. Idempotent by the
    client's UUID: a repeat answers with the stored attachment (``created`` False).
    Who may: those who log receptions at the ticket's station."""
    from liaison.scoping import can_log_reception

    if not can_log_reception(actor, ticket.station):
        raise PermissionDenied(gettext("您的角色不能为该联络站的意见建议上传附件。"))

    def stored() -> Attachment | None:
        found = Attachment.objects.select_related("event").filter(client_id=attachment_id).first()
        if found is not None and (found.event.ticket_id != ticket.pk or found.size != upload.size):
            raise ValidationError({"id": ValidationError(ID_REUSED_MESSAGE, code="reused")})
        return found

    existing = stored()
    if existing is not None:
        return existing, False
    content_type = upload_check(upload)
    try:
        with transaction.atomic():
            # under the ticket's row lock, as every timeline write
            locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
            existing = stored()
            if existing is not None:
                return existing, False
            event = TimelineEvent.objects.create(
                ticket=locked,
                action="attach",
                from_status=locked.status,
                to_status=locked.status,
                actor=actor,
                data={"file": original_name(upload)},
            )
            attachment = Attachment(
                event=event,
                client_id=attachment_id,
                original_name=original_name(upload),
                content_type=content_type,
                size=upload.size,
            )
            attachment.file.save(f"a.{ATTACHMENT_TYPES[content_type]}", upload, save=False)
            try:
                attachment.save()
            except BaseException:
                attachment.file.storage.delete(attachment.file.name)
                raise
    except IntegrityError:  # the same UUID sent for another ticket at the same moment
        existing = stored()
        if existing is None:
            raise
        return existing, False
    return attachment, True
