"""Writes of deputies' suggestions and supervision items.

Creation (``suggestion_submit``, ``supervision_item_create``) and then every step through
ONE service per record type (``suggestion_transition``, ``supervision_transition``), which
hands a row of ``motions.workflow`` to the shared engine ``liaison.workflow.
apply_transition`` (lock, who-may and status checks, stale refusal, status, event). The
handlers below say what each step changes. The legal period runs on the official
working-day calendar (``suggestions.calendar``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from deputies.models import Deputy
from liaison import scoping
from liaison.uploads import attachment_check, original_name
from liaison.workflow import Effect, apply_transition
from motions.models import (
    CongressSession,
    Consultation,
    DeputySuggestion,
    MotionAttachment,
    Satisfaction,
    SuggestionEvent,
    SupervisionEvent,
    SupervisionItem,
)
from motions.workflow import SUGGESTION_TRANSITIONS, SUPERVISION_TRANSITIONS
from suggestions.calendar import add_working_days
from suggestions.models import HandlingUnit, Ticket, TimelineEvent

if TYPE_CHECKING:
    from accounts.models import User

# 《代表法》and the local rules: a reply within three months of assignment, six at most
# with an extension; a re-handling within one month.
REPLY_MONTHS = 3
EXTENDED_MONTHS = 6
REHANDLE_MONTHS = 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def legal_due(start: dt.date, months: int) -> dt.date:
    """``months`` after ``start``; a period ending on a rest day or holiday ends on the
    next working day of the official calendar (one query)."""
    return add_working_days(add_months(start, months) - dt.timedelta(days=1), 1)


# --- deputy suggestions ---------------------------------------------------------------------


@transaction.atomic
def suggestion_submit(
    *,
    actor: User,
    session: CongressSession,
    submitted_by: Deputy,
    title: str,
    content: str,
    co_signers: Sequence[Deputy] = (),
    timing: str = DeputySuggestion.Timing.DURING,
    source_ticket: Ticket | None = None,
) -> DeputySuggestion:
    """A deputy (or the office for them) submits a suggestion, alone or jointly (联名).
    From a station's opinion (``source_ticket``) the ticket's timeline records it and its
    keepers are told, so they can tell the citizen."""
    scope = scoping.scope_for(actor)
    if not (submitted_by.pk in scope.deputy_ids or scoping.can_run_motions_somewhere(actor)):
        raise PermissionDenied(gettext("只能以本人名义提出代表建议。"))
    on_behalf = not scope.is_admin and submitted_by.pk not in scope.deputy_ids
    if (
        on_behalf
        and not CongressSession.objects.filter(scoping.motion_sessions_q(actor), pk=session.pk).exists()
    ):
        raise PermissionDenied(gettext("您无权为该会议登记代表建议。"))
    title, content = (title or "").strip(), (content or "").strip()
    errors = {}
    if not title:
        errors["title"] = gettext("请填写案由。")
    if not content:
        errors["content"] = gettext("请填写建议内容。")
    if timing not in DeputySuggestion.Timing.values:
        errors["timing"] = gettext("请选择提出时间。")
    home = (
        Deputy.objects.filter(pk=submitted_by.pk).values_list("home_station__region__path", flat=True).first()
    )
    session_path = (
        CongressSession.objects.filter(pk=session.pk).values_list("region__path", flat=True).first()
    )
    if not (home or "").startswith(session_path or "-"):
        errors["session"] = gettext("领衔代表不属于该次会议的本级人大。")
    if source_ticket is not None and source_ticket.tier != Ticket.Tier.DEPUTY_SUGGESTION:
        errors["source_ticket"] = gettext("只有分级处理为「转为代表建议」的群众意见才能转为代表建议。")
    if errors:
        raise ValidationError(errors)
    suggestion = DeputySuggestion.objects.create(
        session=session,
        submitted_by=submitted_by,
        title=title[:200],
        content=content,
        timing=timing,
        source_ticket=source_ticket,
    )
    joint = {d.pk for d in co_signers} - {submitted_by.pk}
    if joint:
        suggestion.co_signers.set(joint)
    SuggestionEvent.objects.create(
        suggestion=suggestion,
        action="submit",
        to_status=suggestion.status,
        actor=actor,
        data={"co_signers": len(joint), "source_ticket": str(source_ticket.pk) if source_ticket else ""},
    )
    if source_ticket is not None:
        _tell_ticket(
            source_ticket, actor=actor, action="motion_submitted", text=f"已转为代表建议：{title}，请告知群众"
        )
    return suggestion


def _tell_ticket(ticket: Ticket, *, actor, action: str, text: str) -> None:
    """Note on the source ticket's timeline (its status unchanged) and tell its keepers,
    who tell the citizen (反馈群众) through the ticket's own steps."""
    from notifications.services import Message, notify_many

    TimelineEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=ticket.status,
        to_status=ticket.status,
        actor=actor,
        comment=text,
    )
    from django.urls import reverse

    url = reverse("suggestions:detail", args=[ticket.pk])
    actor_id = getattr(actor, "pk", None)
    notify_many(
        Message(user_id=u, kind="motion_ticket", title=text[:200], body=ticket.content[:200], url=url)
        for u in scoping.station_keeper_ids(ticket.station)
        if u != actor_id
    )


def _register(s: DeputySuggestion, actor, *, comment: str, category: str = "", **_) -> Effect:
    if category not in DeputySuggestion.Category.values:
        raise ValidationError({"category": gettext("请选择建议类别。")})
    s.category = category
    s.number = _next_number(s.session_id)
    return Effect({"number": s.number, "category": category})


def _next_number(session_id: int) -> int:
    """Bump the session's counter under its row lock (held until the transaction ends):
    numbers are distinct and, as a rolled-back registration rolls its bump back, gapless."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE motions_congresssession SET last_number = last_number + 1 WHERE id = %s RETURNING last_number",
            [session_id],
        )
        return cursor.fetchone()[0]


def _assign(
    s: DeputySuggestion,
    actor,
    *,
    comment: str,
    lead_unit: HandlingUnit | None = None,
    co_units: Sequence[HandlingUnit] = (),
    assigned_on: dt.date | None = None,
    **_,
) -> Effect:
    if lead_unit is None:
        raise ValidationError({"lead_unit": gettext("请选择主办单位。")})
    co = [u for u in co_units if u.pk != lead_unit.pk]
    s.lead_unit = lead_unit
    s.assigned_on = assigned_on or timezone.localdate()
    s.due_on = legal_due(s.assigned_on, REPLY_MONTHS)
    s.extension_reason = ""

    def then(event) -> None:
        s.co_units.set(co)
        _notify_units(
            s,
            [lead_unit.pk, *(u.pk for u in co)],
            actor,
            "motion_assigned",
            f"代表建议{s.number_label}交办给本单位",
        )

    return Effect(
        {
            "lead_unit": lead_unit.name,
            "co_units": [u.name for u in co],
            "assigned_on": s.assigned_on.isoformat(),
            "due_on": s.due_on.isoformat(),
        },
        then,
    )


def _notify_units(s: DeputySuggestion, unit_ids, actor, kind: str, title: str) -> None:
    from django.urls import reverse

    from notifications.services import Message, notify_many

    staff = scoping.unit_staff_ids(unit_ids)
    actor_id = getattr(actor, "pk", None)
    url = reverse("motions:detail", args=[s.pk])
    users = sorted({u for ids in staff.values() for u in ids if u != actor_id})
    notify_many(Message(user_id=u, kind=kind, title=title, body=s.title, url=url) for u in users)


def _consult(
    s: DeputySuggestion,
    actor,
    *,
    comment: str,
    held_on: dt.date | None = None,
    form: str = "",
    participants: str = "",
    unit: HandlingUnit | None = None,
    **_,
) -> Effect:
    units = scoping.motion_units_of(actor, s)
    errors = {}
    if held_on is None:
        errors["held_on"] = gettext("请填写沟通日期。")
    elif held_on > timezone.localdate():
        errors["held_on"] = gettext("沟通日期不能晚于今天。")
    elif s.assigned_on and held_on < s.assigned_on:
        errors["held_on"] = gettext("沟通日期不能早于交办日期。")
    if form not in Consultation.Form.values:
        errors["form"] = gettext("请选择沟通方式。")
    if not (participants or "").strip():
        errors["participants"] = gettext("请填写参加人员。")
    if unit is None and len(units) == 1:
        unit_id = units[0]
    elif unit is not None and unit.pk in units:
        unit_id = unit.pk
    else:
        errors["unit"] = gettext("请选择本单位（主办或协办）。")
    if errors:
        raise ValidationError(errors)

    def then(event) -> None:
        Consultation.objects.create(
            suggestion=s,
            unit_id=unit_id,
            held_on=held_on,
            form=form,
            participants=participants.strip()[:300],
            notes=comment,
            event=event,
        )

    return Effect({"held_on": held_on.isoformat(), "form": form, "participants": participants.strip()}, then)


def _extend(s: DeputySuggestion, actor, *, comment: str, **_) -> Effect:
    if s.extension_reason:
        raise ValidationError(gettext("本件已延期，不能再次延期（最长自交办之日起六个月）。"))
    s.extension_reason = comment
    s.due_on = legal_due(s.assigned_on, EXTENDED_MONTHS)
    return Effect({"due_on": s.due_on.isoformat()})


def _reply(s: DeputySuggestion, actor, *, comment: str, text: str = "", reply_class: str = "", **_) -> Effect:
    errors = {}
    if not (text or "").strip():
        errors["text"] = gettext("请填写书面答复。")
    if reply_class not in DeputySuggestion.ReplyClass.values:
        errors["reply_class"] = gettext("请选择答复分类（A、B、C）。")
    if not s.consultations.exists():
        errors["__all__"] = gettext("答复前须与代表见面沟通并记录。")
    if errors:
        raise ValidationError(errors)
    s.reply_text = text.strip()
    s.reply_class = reply_class
    s.replied_on = timezone.localdate()
    s.satisfaction = ""

    def then(event) -> None:
        if s.source_ticket_id:
            ticket = Ticket.objects.select_related("station").get(pk=s.source_ticket_id)
            _tell_ticket(
                ticket,
                actor=actor,
                action="motion_replied",
                text=f"代表建议{s.number_label}已答复，请反馈群众",
            )

    return Effect(
        {"reply_class": reply_class, "on_time": s.replied_on <= s.due_on, "due_on": s.due_on.isoformat()},
        then,
        comment=s.reply_text,
    )


def _evaluate(s: DeputySuggestion, actor, *, comment: str, satisfaction: str = "", **_) -> Effect:
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": gettext("请选择满意、基本满意或不满意。")})
    s.satisfaction = satisfaction
    return Effect({"satisfaction": satisfaction})


def _rehandle(s: DeputySuggestion, actor, *, comment: str, **_) -> Effect:
    if s.satisfaction != Satisfaction.UNSATISFIED:
        raise ValidationError(gettext("代表不满意的建议才重新办理。"))
    s.rehandle_count += 1
    s.assigned_on = timezone.localdate()
    s.due_on = legal_due(s.assigned_on, REHANDLE_MONTHS)

    def then(event) -> None:
        _notify_units(s, [s.lead_unit_id], actor, "motion_rehandle", f"代表建议{s.number_label}须重新办理")

    return Effect({"rehandle_count": s.rehandle_count, "due_on": s.due_on.isoformat()}, then)


def _close(s: DeputySuggestion, actor, *, comment: str, **_) -> Effect:
    if s.satisfaction == Satisfaction.UNSATISFIED and not comment:
        raise ValidationError({"comment": gettext("代表不满意的建议办结，须说明理由（或重新办理）。")})
    return Effect({"satisfaction": s.satisfaction})


def _withdraw(s: DeputySuggestion, actor, *, comment: str, **_) -> Effect:
    return Effect()


_SUGGESTION_HANDLERS: dict[str, Callable[..., Effect]] = {
    "register": _register,
    "assign": _assign,
    "consult": _consult,
    "extend": _extend,
    "reply": _reply,
    "evaluate": _evaluate,
    "rehandle": _rehandle,
    "close": _close,
    "withdraw": _withdraw,
}
SUGGESTION_TRANSITIONS.require_handlers(_SUGGESTION_HANDLERS)


def _attacher(field: str, attachments: Sequence[UploadedFile]):
    types = [attachment_check(u) for u in attachments]  # before any write

    def attach(event) -> None:
        for upload, content_type in zip(attachments, types, strict=True):
            MotionAttachment.objects.create(
                **{field: event},
                file=upload,
                original_name=original_name(upload),
                content_type=content_type,
                size=upload.size,
            )

    return attach


@transaction.atomic
def suggestion_transition(
    *,
    suggestion: DeputySuggestion,
    action: str,
    actor: User,
    comment: str = "",
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    **payload,
) -> DeputySuggestion:
    """Apply one row of ``SUGGESTION_TRANSITIONS`` (the shared engine); see the module."""
    SUGGESTION_TRANSITIONS.transition_for(action)
    applied = apply_transition(
        queryset=DeputySuggestion.objects.select_related("session__region", "lead_unit"),
        obj=suggestion,
        name=action,
        actor=actor,
        table=SUGGESTION_TRANSITIONS,
        handlers=_SUGGESTION_HANDLERS,
        event_model=SuggestionEvent,
        event_fk="suggestion",
        comment=comment,
        expected_version=expected_version,
        payload=payload,
        before_then=_attacher("suggestion_event", attachments),
    )
    return applied.record


# --- supervision items ----------------------------------------------------------------------


@transaction.atomic
def supervision_item_create(
    *,
    actor: User,
    region,
    year: int,
    title: str,
    problems: str,
    departments: Sequence[HandlingUnit],
    report_due: dt.date,
    source: str = SupervisionItem.Source.REVIEW,
    source_suggestion: DeputySuggestion | None = None,
) -> SupervisionItem:
    """List a supervision item (列入督办) with its next number in the region's year."""
    probe = SupervisionItem(region=region)
    if not scoping.can_run_supervision(actor, probe):
        raise PermissionDenied(gettext("您无权为该地区列入督办事项。"))
    errors = {}
    if not (title or "").strip():
        errors["title"] = gettext("请填写督办事项。")
    if not (problems or "").strip():
        errors["problems"] = gettext("请填写存在的问题。")
    if not departments:
        errors["departments"] = gettext("请选择至少一个责任单位。")
    if report_due is None:
        errors["report_due"] = gettext("请填写限期报告日期。")
    if source not in SupervisionItem.Source.values:
        errors["source"] = gettext("请选择来源。")
    if errors:
        raise ValidationError(errors)
    # one lister at a time per region (a transaction-scoped advisory lock): numbers are
    # distinct (the unique constraint backs it); SQLite (the demo) serialises writers anyway
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5D0, region.pk])
    last = (
        SupervisionItem.objects.filter(region=region, year=year)
        .order_by("-number")
        .values_list("number", flat=True)
    )
    item = SupervisionItem.objects.create(
        region=region,
        year=year,
        number=(last.first() or 0) + 1,
        title=title.strip()[:200],
        problems=problems.strip(),
        report_due=report_due,
        source=source,
        source_suggestion=source_suggestion,
    )
    item.departments.set(departments)
    SupervisionEvent.objects.create(
        item=item,
        action="list",
        to_status=item.status,
        actor=actor,
        data={"departments": [d.name for d in departments], "report_due": report_due.isoformat()},
    )
    return item


def supervision_outcome(*, satisfied: int, basic: int, unsatisfied: int) -> str:
    """The item's result: unsatisfactory when more than half the votes are 不满意;
    otherwise satisfied when 满意 votes are a majority, else basically satisfied."""
    total = satisfied + basic + unsatisfied
    if unsatisfied * 2 > total:
        return Satisfaction.UNSATISFIED
    if satisfied * 2 > total:
        return Satisfaction.SATISFIED
    return Satisfaction.BASIC


def _report_progress(item: SupervisionItem, actor, *, comment: str, **_) -> Effect:
    return Effect({"kind": "progress"})


def _report_result(item: SupervisionItem, actor, *, comment: str, text: str = "", **_) -> Effect:
    if not (text or "").strip():
        raise ValidationError({"text": gettext("请填写办理结果。")})
    item.result_text = text.strip()
    item.reported_on = timezone.localdate()
    return Effect({"on_time": item.reported_on <= item.report_due}, comment=item.result_text)


def _vote(
    item: SupervisionItem,
    actor,
    *,
    comment: str,
    satisfied: int = 0,
    basic: int = 0,
    unsatisfied: int = 0,
    **_,
) -> Effect:
    votes = (satisfied, basic, unsatisfied)
    if any(v is None or v < 0 for v in votes) or sum(votes) == 0:
        raise ValidationError({"satisfied": gettext("请填写测评票数（满意、基本满意、不满意）。")})
    item.votes_satisfied, item.votes_basic, item.votes_unsatisfied = votes
    item.outcome = supervision_outcome(satisfied=satisfied, basic=basic, unsatisfied=unsatisfied)
    return Effect(
        {"satisfied": satisfied, "basic": basic, "unsatisfied": unsatisfied, "outcome": item.outcome}
    )


def _resupervise(
    item: SupervisionItem, actor, *, comment: str, report_due: dt.date | None = None, **_
) -> Effect:
    if item.outcome != Satisfaction.UNSATISFIED:
        raise ValidationError(gettext("测评不满意的事项才再督办。"))
    if report_due is None or report_due <= timezone.localdate():
        raise ValidationError({"report_due": gettext("请填写今后的限期报告日期。")})
    item.resupervise_count += 1
    item.report_due = report_due
    item.reported_on = None
    return Effect({"report_due": report_due.isoformat(), "resupervise_count": item.resupervise_count})


def _close_item(item: SupervisionItem, actor, *, comment: str, **_) -> Effect:
    if item.outcome == Satisfaction.UNSATISFIED:
        raise ValidationError(gettext("测评不满意的事项须再督办，不能办结。"))
    return Effect({"outcome": item.outcome})


_SUPERVISION_HANDLERS: dict[str, Callable[..., Effect]] = {
    "report_progress": _report_progress,
    "report_result": _report_result,
    "vote": _vote,
    "resupervise": _resupervise,
    "close": _close_item,
}
SUPERVISION_TRANSITIONS.require_handlers(_SUPERVISION_HANDLERS)


@transaction.atomic
def supervision_transition(
    *,
    item: SupervisionItem,
    action: str,
    actor: User,
    comment: str = "",
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    **payload,
) -> SupervisionItem:
    """Apply one row of ``SUPERVISION_TRANSITIONS`` (the shared engine)."""
    SUPERVISION_TRANSITIONS.transition_for(action)
    applied = apply_transition(
        queryset=SupervisionItem.objects.select_related("region"),
        obj=item,
        name=action,
        actor=actor,
        table=SUPERVISION_TRANSITIONS,
        handlers=_SUPERVISION_HANDLERS,
        event_model=SupervisionEvent,
        event_fk="item",
        comment=comment,
        expected_version=expected_version,
        payload=payload,
        before_then=_attacher("supervision_event", attachments),
    )
    return applied.record
