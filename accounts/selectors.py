"""Reads of the audit trail and the sign-in log, scoped through liaison.scoping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.db.models import Model, OuterRef, QuerySet, Subquery

from accounts.models import User
from deputies.models import Deputy
from liaison.scoping import scope_for, scoped
from stations.models import Station
from suggestions.models import Ticket
from visits.models import ReceptionSession

# The record types whose trail the audit page shows, by URL key.
AUDITED_MODELS: dict[str, type[Model]] = {
    "ticket": Ticket,
    "reception": ReceptionSession,
    "station": Station,
    "deputy": Deputy,
}
SKIPPED_FIELDS = {"updated_at", "version", "sync_txid"}


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
        events = events.filter(pgh_obj_id__in=scoped(user, model.objects.all()).values("pk"))
    return events.order_by("-pgh_id")


def audit_rows(*, kind: str, events: list) -> list[AuditRow]:
    """Before/after for a page of events: two more queries, whatever the page size."""
    model = AUDITED_MODELS[kind]
    event_model = event_model_for(model)
    previous = event_model.objects.in_bulk([e.prev_id for e in events if e.prev_id])
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context}
    users = User.objects.in_bulk([u for u in user_ids if u])
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS]
    rows = []
    for event in events:
        before = previous.get(event.prev_id)
        changes = []
        for f in fields:
            after_value = getattr(event, f.attname)
            before_value = getattr(before, f.attname) if before else None
            if event.pgh_label == "insert" or before is None or before_value != after_value:
                if event.pgh_label == "insert" and after_value in (None, ""):
                    continue
                changes.append((str(f.verbose_name), before_value, after_value))
        metadata = (event.pgh_context.metadata if event.pgh_context else None) or {}
        rows.append(
            AuditRow(
                event=event,
                changes=changes,
                actor=users.get(metadata.get("user")),
                client=metadata.get("client", "system"),
                url=metadata.get("url", ""),
            )
        )
    return rows


def sign_in_log() -> QuerySet[AccessLog]:
    return AccessLog.objects.order_by("-attempt_time")


def failed_sign_in_log() -> QuerySet[AccessFailureLog]:
    return AccessFailureLog.objects.order_by("-attempt_time")
