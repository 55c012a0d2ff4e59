"""Declared state machines and the one engine that applies them (ground floor: no domain app).

A workflow is a ``TransitionTable`` of ``Transition`` rows: the statuses a move may start
from, the status it leads to, and the name of a predicate (in ``liaison.scoping`` by
default, looked up when asked, so this module imports no domain app) that says who may take
it. ``apply_transition`` is the only code that applies a row: it locks the record
(``SELECT … FOR UPDATE``), checks the actor and the status on the locked row, refuses a
stale or repeated submission (``expected_version``), runs the row's handler, sets the new
status, saves (the record's ``version`` grows) and writes one append-only event.

Used by the citizens' tickets (``suggestions.workflow`` / ``suggestions.services.
ticket_transition``) and by deputies' formal suggestions and supervision items
(``motions.workflow`` / ``motions.services``): one engine, three tables.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext, gettext_lazy

STALE_MESSAGE = gettext_lazy("本件已被更新（可能是重复提交或他人刚刚处理），请查看最新情况后再操作。")


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button, in Chinese
    sources: tuple[str, ...]
    target: str
    who: str  # a predicate of the table's predicates module taking (user, record)
    needs_comment: bool = False
    help: str = ""


@dataclass
class Effect:
    """What a transition's handler decided: extra event data, and work that needs the
    event (a reply or delivery row points at it)."""

    data: dict = field(default_factory=dict)
    then: Callable[[Any], object] | None = None
    comment: str | None = None  # overrides the event's comment (a reply's text)


class TransitionTable(Mapping[str, Transition]):
    """An ordered, read-only mapping name → ``Transition`` with the rules that only need
    the table: lookup, who may, the refusal message."""

    def __init__(
        self,
        transitions: Iterable[Transition],
        *,
        kind: str,
        status_labels: Mapping[str, str],
        predicates: str = "liaison.scoping",
    ) -> None:
        self._rows = {t.name: t for t in transitions}
        self.kind = kind  # "ticket", "deputy suggestion"… for error messages
        self.status_labels = dict(status_labels)
        self.predicates = predicates
        unknown = {s for t in self._rows.values() for s in (*t.sources, t.target)} - set(self.status_labels)
        if unknown:
            raise ValueError(f"{kind} table names unknown statuses {sorted(unknown)}")

    def __getitem__(self, name: str) -> Transition:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def transition_for(self, name: str) -> Transition:
        try:
            return self._rows[name]
        except KeyError:
            raise LookupError(f"unknown {self.kind} action {name!r}") from None

    def may_start(self, name: str, status: str) -> bool:
        return status in self.transition_for(name).sources

    def permits(self, transition: Transition, user, obj) -> bool:
        return bool(getattr(importlib.import_module(self.predicates), transition.who)(user, obj))

    def available(self, user, obj, *, status_field: str = "status") -> list[Transition]:
        """The transitions ``user`` may take on ``obj`` now."""
        status = getattr(obj, status_field)
        return [t for t in self._rows.values() if status in t.sources and self.permits(t, user, obj)]

    def refusal(self, status: str, transition: Transition) -> str:
        return gettext("本件当前状态为「{status}」，不能执行「{label}」（可在{join}时执行）。").format(
            status=self.status_labels[status],
            label=transition.label,
            join="、".join(str(self.status_labels[s]) for s in transition.sources),
        )

    def check(self, *, obj, name: str, actor, status_field: str = "status") -> Transition:
        """May ``actor`` take ``name`` on ``obj`` now? ``PermissionDenied`` if the role may
        not, ``ValidationError`` (code "status") if the status does not allow it."""
        transition = self.transition_for(name)
        if not self.permits(transition, actor, obj):
            raise PermissionDenied(gettext("您无权对本件执行「{label}」。").format(label=transition.label))
        status = getattr(obj, status_field)
        if status not in transition.sources:
            raise ValidationError(self.refusal(status, transition), code="status")
        return transition

    def require_handlers(self, handlers: Mapping[str, Callable]) -> None:
        if set(handlers) != set(self._rows):
            raise ImproperlyDeclared(
                f"{self.kind}: every transition needs exactly one handler "
                f"(missing {sorted(set(self._rows) - set(handlers))}, extra {sorted(set(handlers) - set(self._rows))})"
            )


class ImproperlyDeclared(Exception):
    pass


@dataclass
class Applied:
    record: Model
    event: Model
    effect: Effect
    from_status: str
    before: dict[str, Any]  # the ``remember`` fields as the locked row had them


def apply_transition(
    *,
    queryset: QuerySet,
    obj: Model,
    name: str,
    actor,
    table: TransitionTable,
    handlers: Mapping[str, Callable[..., Effect]],
    event_model: type[Model],
    event_fk: str,
    comment: str = "",
    expected_version: int | None = None,
    payload: Mapping[str, Any] | None = None,
    before_then: Callable[[Model], object] | None = None,
    status_field: str = "status",
    remember: tuple[str, ...] = (),
) -> Applied:
    """Apply row ``name`` of ``table`` to ``obj``; the caller holds a transaction.

    ``queryset`` is what the lock reads (with the ``select_related`` the predicates and
    handlers need). The handler ``handlers[name](locked, actor, comment=…, **payload)``
    changes the locked record and returns an ``Effect``; the event row is
    ``event_model(<event_fk>=record, action, from_status, to_status, actor, comment, data)``.
    ``before_then`` runs with the event before the handler's ``then`` (attachments);
    ``remember`` names fields whose locked values (before the handler) are returned."""
    transition = table.transition_for(name)
    comment = (comment or "").strip()
    locked = queryset.select_for_update(of=("self",)).get(pk=obj.pk)
    table.check(obj=locked, name=name, actor=actor, status_field=status_field)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE_MESSAGE, code="stale")
    if transition.needs_comment and not comment:
        raise ValidationError({"comment": gettext("「{label}」须填写理由。").format(label=transition.label)})
    from_status = getattr(locked, status_field)
    before = {f: getattr(locked, f) for f in remember}
    effect = handlers[name](locked, actor, comment=comment, **(payload or {}))
    setattr(locked, status_field, transition.target)
    locked.save()
    event = event_model.objects.create(
        **{event_fk: locked},
        action=name,
        from_status=from_status,
        to_status=transition.target,
        actor=None if getattr(actor, "is_citizen", False) else actor,  # a citizen is no user
        comment=effect.comment if effect.comment is not None else comment,
        data=effect.data,
    )
    if before_then is not None:
        before_then(event)
    if effect.then is not None:
        effect.then(event)
    return Applied(locked, event, effect, from_status, before)
