"""Reads of the audit trail and the sign-in log, scoped through liaison.scoping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from accounts.models import AccountEvent, RoleAssignment, User
from deputies.models import Deputy
from liaison import scoping
from liaison.masking import CITIZEN_MASKS, mask_phone
from liaison.scoping import audit_scoped, scope_for, scoped
from onboarding.models import ImportJob
from stations.models import Region, Station
from suggestions.models import Attachment, CalendarDay, Category, Ticket
from visits.models import ReceptionAttachment, ReceptionSession, ReceptionSlot

# The record types whose trail the audit page shows, by URL key.
AUDITED_MODELS: dict[str, type[Model]] = {
    "ticket": Ticket,
    "reception": ReceptionSession,
    "station": Station,
    "deputy": Deputy,
    # accounts: the user's row (never its password hash) and the role assignments
    "user": User,
    "role": RoleAssignment,
    # what changes behaviour or rights: the region tree, the categories, the working-day
    # calendar (a changed day moves deadlines), the reception timetable, attachments, imports
    "region": Region,
    "category": Category,
    "calendar": CalendarDay,
    "slot": ReceptionSlot,
    "attachment": Attachment,
    "reception_attachment": ReceptionAttachment,
    "import": ImportJob,
}
SKIPPED_FIELDS = {"updated_at", "version", "sync_txid"}

# Personal data in an audited record: its fields with their masks, and the rule (a filter
# over the record's model, ``None`` for nobody) naming the records whose values the user
# sees in full: the same rule and masks as the lists and the API.
PERSONAL_FIELDS = {
    "ticket": (CITIZEN_MASKS, scoping.citizen_data_q),
    "deputy": ({"phone": mask_phone}, scoping.deputy_contact_q),
}


def event_model_for(model: type[Model]) -> type[Model]:
    """The pghistory event model (``<Model>Event``) that records ``model``."""
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


@dataclass
class AuditRow:
    event: Any
    changes: list[tuple[str, Any, Any]]  # (field label, before, after)
    actor: User | None
    client: str
    url: str
    # personal data this row shows unmasked (field names), for the access log
    shown_in_full: tuple[str, ...] = ()


def audit_events(*, user: User, kind: str) -> QuerySet:
    """Events of one record type, newest first, for records in the user's scope; each
    annotated with the id of the same record's previous event (for the before/after).
    Events of records deleted since are only shown to admins (their scope is all)."""
    model = AUDITED_MODELS[kind]
    event_model = event_model_for(model)
    previous = event_model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
    events = event_model.objects.select_related("pgh_context").annotate(
        prev_id=Subquery(previous.order_by("-pgh_id").values("pgh_id")[:1])
    )
    if not scope_for(user).is_admin:
        events = events.filter(pgh_obj_id__in=audit_scoped(user, model.objects.all()).values("pk"))
    return events.order_by("-pgh_id")


def _shown_in_full(*, user: User, kind: str, events: list) -> set:
    """Ids of the page's records whose personal data ``user`` sees in full (one query)."""
    rule = PERSONAL_FIELDS.get(kind)
    q = rule[1](user) if rule else None
    if q is None:
        return set()
    ids = {e.pgh_obj_id for e in events}
    return set(AUDITED_MODELS[kind].objects.filter(q, pk__in=ids).values_list("pk", flat=True))


def audit_rows(*, user: User, kind: str, events: list) -> list[AuditRow]:
    """Before/after for a page of events: three more queries, whatever the page size.
    Personal data is masked unless the user sees that record's in full (``PERSONAL_FIELDS``);
    a row showing it unmasked says which fields in ``shown_in_full``."""
    model = AUDITED_MODELS[kind]
    event_model = event_model_for(model)
    previous = event_model.objects.in_bulk([e.prev_id for e in events if e.prev_id])
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context}
    users = User.objects.in_bulk([u for u in user_ids if u])
    tracked = {f.attname for f in event_model._meta.concrete_fields}  # a trail may exclude fields
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS and f.attname in tracked]
    masks = PERSONAL_FIELDS[kind][0] if kind in PERSONAL_FIELDS else {}
    in_full = _shown_in_full(user=user, kind=kind, events=events)
    rows = []
    for event in events:
        before = previous.get(event.prev_id)
        changes = []
        shown: list[str] = []
        for f in fields:
            after_value = getattr(event, f.attname)
            before_value = getattr(before, f.attname) if before else None
            if event.pgh_label == "insert" or before is None or before_value != after_value:
                if event.pgh_label == "insert" and after_value in (None, ""):
                    continue
                mask = masks.get(f.attname)
                if mask and event.pgh_obj_id not in in_full:
                    before_value, after_value = (mask(v) if v else v for v in (before_value, after_value))
                elif mask:
                    shown.append(f.attname)
                changes.append((str(f.verbose_name), _shown(f, before_value), _shown(f, after_value)))
        metadata = (event.pgh_context.metadata if event.pgh_context else None) or {}
        rows.append(
            AuditRow(
                event=event,
                changes=changes,
                actor=users.get(metadata.get("user")),
                client=metadata.get("client", "system"),
                url=metadata.get("url", ""),
                shown_in_full=tuple(shown),
            )
        )
    return rows


def _shown(field, value):
    """A value as the reader's language says it: a choice by its label ("已交办", not
    "assigned"), a yes/no as 是/否; anything else as stored."""
    if value is None or value == "":
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return value


def sign_in_log() -> QuerySet[AccessLog]:
    return AccessLog.objects.order_by("-attempt_time")


def failed_sign_in_log() -> QuerySet[AccessFailureLog]:
    return AccessFailureLog.objects.order_by("-attempt_time")


# --- user management ---------------------------------------------------------------------


def managed_users(*, actor: User, query: str = "") -> QuerySet[User]:
    """The accounts ``actor`` manages (holding a role ``actor`` could grant), searched by
    username, name or phone."""
    users = User.objects.filter(scoping.managed_users_q(actor))
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query) | Q(phone=query))
    return users


def attach_roles(users: list[User], *, actor: User) -> None:
    """Each user's role assignments that ``actor`` could grant (a role elsewhere is not
    ``actor``'s to see), with their scopes, as ``user.assignment_list`` (one query)."""
    by_user: dict[int, list[RoleAssignment]] = {u.pk: [] for u in users}
    rows = scoped(actor, RoleAssignment.objects.filter(user__in=list(by_user))).select_related(
        "station", "region", "deputy", "handling_unit"
    )
    for row in rows.order_by("-is_active", "role", "id"):
        by_user[row.user_id].append(row)
    for user in users:
        user.assignment_list = by_user[user.pk]


def user_assignments(*, user: User, actor: User) -> list[RoleAssignment]:
    """The roles of ``user`` that ``actor`` could grant (all, for an admin)."""
    return list(
        scoped(actor, RoleAssignment.objects.filter(user=user))
        .select_related("station", "region", "deputy", "handling_unit")
        .order_by("-is_active", "role", "id")
    )


def account_events(*, user: User) -> QuerySet[AccountEvent]:
    return AccountEvent.objects.filter(user=user).select_related("actor").order_by("-created_at", "-id")


def account_event_log(*, user: User) -> QuerySet[AccountEvent]:
    """Account events (created, password changed or reset, roles, 2FA) of the accounts in
    ``user``'s scope (all for admins), newest first."""
    events = AccountEvent.objects.select_related("user", "actor").order_by("-created_at", "-id")
    return scoped(user, events)
