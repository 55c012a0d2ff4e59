"""Tickets, handling units, categories and the calendar over the API.

Reads go through ``liaison.scoping`` (``ScopedViewSet``); citizen data is masked unless
``scoping.citizen_data_q`` says the user handles the ticket (and every full view is
logged, as on the pages). Writes go through ``suggestions.services``: PUT to a ticket's
UUID registers it (``ticket_register``) or corrects its details
(``ticket_update_details``, If-Match required); ``transitions/`` applies a row of the
workflow table (``ticket_transition``) after validating the same form the page uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Value
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.services import full_views_log
from deputies.models import Deputy, LeadingCadre
from liaison import filters, scoping, sync
from liaison.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    WRITE_RESPONSES,
    CreatedCursorPagination,
    DateCursorPagination,
    IdCursorPagination,
    PreconditionFailed,
    PreconditionRequired,
    ScopedViewSet,
    StrictInputSerializer,
    SyncMixin,
    if_match_parameter,
    if_match_version,
    stale_as_412,
    validation_detail,
    with_etag,
)
from liaison.idempotency import idempotent, lock_client_ids
from liaison.masking import CITIZEN_MASKS_SQL, mask_citizen_fields
from stations.models import Region, RegionLevel, Station
from suggestions import services
from suggestions.forms import FORMS, ActionForm
from suggestions.models import CalendarDay, Category, HandlingUnit, Reply, Ticket, TimelineEvent
from suggestions.workflow import TRANSITIONS
from visits.models import ReceptionSession

BATCH_MAX = 100


def with_citizen_visibility(user, queryset):
    """Annotate ``citizen_visible``: may ``user`` see this ticket's citizen data in full?"""
    q = scoping.citizen_data_q(user)
    expression = Value(False) if q is None else ExpressionWrapper(q, output_field=BooleanField())
    return queryset.annotate(citizen_visible=expression)


def log_full_views(request, rows: list[tuple[Any, str]]) -> None:
    """One PersonalDataAccess row per ticket shown in full (PIPL), in one insert."""
    full_views_log(request=request, tickets=rows)


def mask_row(row: dict[str, Any], visible: bool) -> dict[str, Any]:
    return row if visible else mask_citizen_fields(row)


# --- serializers ---------------------------------------------------------------------------------

TICKET_FIELDS = (
    "id",
    "number",
    "station",
    "reception",
    "village",
    "category",
    "content",
    "on_the_spot_action",
    "received_by_deputy",
    "received_by_cadre",
    "received_at",
    "citizen_name",
    "citizen_phone",
    "citizen_address",
    "citizen_id_number",
    "consent_to_share",
    "status",
    "tier",
    "handling_unit",
    "due_on",
    "closed_at",
    "satisfaction",
    "no_evaluation",
    "reopen_count",
    "merged_into",
    "escalation_level",
    "created_at",
    "updated_at",
    "version",
)


class TicketOutputSerializer(serializers.ModelSerializer):
    citizen_data_masked = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [*TICKET_FIELDS, "citizen_data_masked"]

    def get_citizen_data_masked(self, ticket) -> bool:
        return not getattr(ticket, "citizen_visible", False)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return mask_row(data, getattr(instance, "citizen_visible", False))


class TimelineEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "at", "comment", "data"]


class ReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ["id", "handling_unit", "author", "text", "created_at"]


class TicketDetailSerializer(TicketOutputSerializer):
    events = TimelineEventSerializer(source="timeline", many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)

    class Meta(TicketOutputSerializer.Meta):
        fields = [*TicketOutputSerializer.Meta.fields, "events", "replies"]


class TicketInputSerializer(StrictInputSerializer):
    """Shape only; ``ticket_register`` / ``ticket_update_details`` apply the rules."""

    id = serializers.UUIDField(required=False, help_text=_("客户端生成的 UUID（POST 时可选）"))
    station = serializers.UUIDField()
    category = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    content = serializers.CharField(max_length=5000)
    citizen_name = serializers.CharField(max_length=50)
    citizen_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    citizen_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    citizen_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    consent_to_share = serializers.BooleanField(required=False, default=False)
    village = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    reception = serializers.UUIDField(required=False, allow_null=True)
    received_by_deputy = serializers.UUIDField(required=False, allow_null=True)
    received_by_cadre = serializers.UUIDField(required=False, allow_null=True)
    on_the_spot_action = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True)


class TransitionInputSerializer(StrictInputSerializer):
    """The action and its form's fields (as on the ticket page)."""

    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    tier = serializers.ChoiceField(choices=Ticket.Tier.choices, required=False)
    handling_unit = serializers.UUIDField(required=False)
    text = serializers.CharField(required=False, max_length=5000)
    channel = serializers.CharField(required=False, max_length=10)
    delivered_at = serializers.DateTimeField(required=False)
    satisfaction = serializers.ChoiceField(choices=Ticket.Satisfaction.choices, required=False)
    no_evaluation = serializers.ChoiceField(choices=Ticket.NoEvaluation.choices, required=False)
    into = serializers.UUIDField(required=False)


BatchInputSerializer = inline_serializer(
    "TicketBatchInput",
    {
        "mode": serializers.ChoiceField(choices=["atomic", "each"], default="each"),
        "records": serializers.ListField(child=serializers.DictField(), max_length=BATCH_MAX, min_length=1),
    },
)
BatchOutputSerializer = inline_serializer(
    "TicketBatchResult",
    {
        "mode": serializers.CharField(),
        "applied": serializers.BooleanField(),
        "results": serializers.ListField(child=serializers.DictField()),
    },
)


# --- writes: resolving references through the scope, then the services ----------------------------


NOT_IN_SCOPE = _("未找到该记录，或您无权使用。")
# each reference a ticket input names: the field, what it is looked up in, the message
# when it is missing or out of the user's scope (in this order of the error messages)
TICKET_REFERENCES = (
    ("station", Station.objects.select_related("region"), NOT_IN_SCOPE),
    ("category", Category.objects.filter(is_active=True), _("没有该意见类别。")),
    # any village: whether it may go with the ticket's station (in the user's scope) is the
    # services' rule (services.village_check), as on the reception form
    ("village", Region.objects.filter(level=RegionLevel.VILLAGE), NOT_IN_SCOPE),
    ("reception", ReceptionSession.objects.all(), NOT_IN_SCOPE),
    ("received_by_deputy", Deputy.objects.all(), NOT_IN_SCOPE),
    ("received_by_cadre", LeadingCadre.objects.all(), NOT_IN_SCOPE),
)
# references checked against the ticket's station by the services rather than the user's scope
UNSCOPED_REFERENCES = frozenset({"village"})
TICKET_DETAILS = (
    "content",
    "citizen_name",
    "citizen_phone",
    "citizen_address",
    "citizen_id_number",
    "consent_to_share",
    "on_the_spot_action",
    "received_at",
)


class TicketReferences:
    """The records that ticket inputs name, fetched in the user's scope: one query per
    kind of reference, however many inputs (a batch), none for a kind no input names."""

    def __init__(self, user, inputs: list[dict]):
        self.found: dict[str, dict] = {}
        for field, queryset, _message in TICKET_REFERENCES:
            ids = {data[field] for data in inputs if data.get(field) is not None}
            in_scope = (
                queryset.all() if field in UNSCOPED_REFERENCES else scoping.scoped(user, queryset.all())
            )
            self.found[field] = {o.pk: o for o in in_scope.filter(pk__in=ids)} if ids else {}


def resolve_ticket_input(user, data: dict, references: TicketReferences | None = None) -> dict[str, Any]:
    """Validated input → keyword arguments for the services (references resolved in scope)."""
    references = references or TicketReferences(user, [data])
    errors: dict[str, list[str]] = {}
    kwargs: dict[str, Any] = {}
    for field, _queryset, message in TICKET_REFERENCES:
        pk = data.get(field)
        kwargs[field] = None if pk is None else references.found[field].get(pk)
        if pk is not None and kwargs[field] is None:
            errors[field] = [message]
    if errors:
        raise exceptions.ValidationError(errors)
    kwargs.update({name: data[name] for name in TICKET_DETAILS if name in data})
    return kwargs


def _check_unchanged_references(ticket: Ticket, kwargs: dict) -> None:
    """Where a ticket was registered is not a detail to correct: PUT must repeat it."""
    errors = {}
    for name in ("station", "reception", "received_by_deputy", "received_by_cadre"):
        value = kwargs.get(name)
        if getattr(ticket, f"{name}_id") != (value.pk if value is not None else None):
            errors[name] = [gettext("登记后不能修改。")]
    if errors:
        raise exceptions.ValidationError(errors)


def _registration_kwargs(user, data: dict, references: TicketReferences | None = None) -> dict[str, Any]:
    """A registration's arguments, at a station where the user logs receptions."""
    kwargs = resolve_ticket_input(user, data, references)
    if not scoping.can_log_reception(user, kwargs["station"]):
        raise PermissionDenied(gettext("您的角色不能在该联络站登记意见建议。"))
    return kwargs


def _ticket_create(user, pk: uuid.UUID, data: dict) -> Ticket:
    """Register a ticket with the client's UUID (the caller holds ``lock_client_ids``)."""
    return services.ticket_register(actor=user, ticket_id=pk, **_registration_kwargs(user, data))


def _ticket_correct(
    user,
    existing: Ticket,
    data: dict,
    *,
    expected_version: int | None,
    references: TicketReferences | None = None,
    deferred: bool = False,
) -> tuple[str, Ticket]:
    """The update half of an upsert: correct ``existing`` or find it unchanged.
    ``deferred`` (a batch that row-locked ``existing`` and resolved ``references``): the
    correction is validated here and saved by the caller (``tickets_save_corrections``)."""
    kwargs = resolve_ticket_input(user, data, references)
    _check_unchanged_references(existing, kwargs)
    details = {k: v for k, v in kwargs.items() if k in services.EDITABLE_DETAILS}
    if "received_at" in details and details["received_at"] is None:
        del details["received_at"]
    changes = services.ticket_detail_changes(ticket=existing, fields=details)
    if expected_version is None:
        if changes:
            raise PreconditionRequired
        return "unchanged", existing
    if expected_version != existing.version:
        raise PreconditionFailed(version=existing.version)
    if deferred:
        changed = services.ticket_correction(
            ticket=existing, actor=user, expected_version=expected_version, references_checked=True, **details
        )
        return ("updated" if changed else "unchanged"), existing
    with stale_as_412(Ticket, existing.pk):
        ticket, changed = services.ticket_update_details(
            ticket=existing, actor=user, expected_version=expected_version, **details
        )
    return ("updated" if changed else "unchanged"), ticket


def _scoped_tickets(user, ids):
    return scoping.scoped(user, Ticket.objects.select_related("station__region")).filter(pk__in=ids)


@transaction.atomic
def ticket_upsert(request, pk: uuid.UUID, data: dict, *, expected_version: int | None) -> tuple[str, Ticket]:
    """Create the ticket with the client's UUID, or correct an existing one.

    Returns ("created" | "updated" | "unchanged", ticket). Raises 404 for a ticket that
    exists outside the user's scope, 428/412 for an update without or with a stale
    version (an identical repeat without a version is "unchanged", not 428). Concurrent
    upserts of one UUID take turns (``lock_client_ids``): one creates, the rest update or
    find it unchanged."""
    user = request.user
    lock_client_ids([pk])
    existing = _scoped_tickets(user, [pk]).first()
    if existing is None:
        if Ticket.objects.filter(pk=pk).exists():
            raise exceptions.NotFound(gettext("未找到该记录，或您无权查看。"))
        return "created", _ticket_create(user, pk, data)
    return _ticket_correct(user, existing, data, expected_version=expected_version)


class TicketExists(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "id_exists"

    def __init__(self):
        super().__init__()
        self.detail = {"id": [gettext("该 ID 已存在；修改请用 PUT 并带 If-Match。")]}


def _errors_of(exc: Exception) -> dict:
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        return (
            detail
            if isinstance(detail, dict)
            else {"non_field_errors": detail if isinstance(detail, list) else [detail]}
        )
    if isinstance(exc, DjangoValidationError):
        return validation_detail(exc)
    return {"non_field_errors": [str(exc)]}


# --- the batch: up to BATCH_MAX upserts in one transaction, set-based ----------------------------

APPLIED = ("created", "updated", "unchanged")


@dataclass
class _BatchRecord:
    rid: Any
    ticket_id: uuid.UUID
    version: int | None
    data: dict


def _batch_shape(record) -> _BatchRecord | dict:
    """A record's shape checked (no database): the record to apply, or its "invalid" answer."""
    if not isinstance(record, dict):
        return {
            "id": None,
            "status": "invalid",
            "errors": {"non_field_errors": [gettext("每条记录应为对象。")]},
        }
    rid = _record_id(record)
    try:
        ticket_id = uuid.UUID(str(record.get("id")))
    except ValueError:
        return {"id": rid, "status": "invalid", "errors": {"id": [gettext("须提供记录的 UUID。")]}}
    version = record.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return {"id": rid, "status": "invalid", "errors": {"version": [gettext("应为整数。")]}}
    payload = TicketInputSerializer(data={k: v for k, v in record.items() if k != "version"})
    if not payload.is_valid():
        return {"id": rid, "status": "invalid", "errors": payload.errors}
    return _BatchRecord(rid, ticket_id, version, payload.validated_data)


def _batch_answer(rid, apply: Callable[[], tuple[str, Ticket]]) -> tuple[dict, Ticket | None]:
    """Run one record's upsert and answer it as the batch does."""
    try:
        outcome, ticket = apply()
    except PreconditionFailed as exc:
        return {"id": rid, "status": "conflict", **exc.detail}, None
    except PreconditionRequired as exc:
        return {"id": rid, "status": "conflict", "errors": {"version": [str(exc.detail)]}}, None
    except exceptions.NotFound:
        return {"id": rid, "status": "not_found"}, None
    except (exceptions.APIException, DjangoValidationError, PermissionDenied) as exc:
        return {"id": rid, "status": "invalid", "errors": _errors_of(exc)}, None
    return {"id": rid, "status": outcome, "version": ticket.version}, ticket


class _BatchFailed(Exception):
    """An atomic batch met a record it cannot apply: roll everything back."""

    def __init__(self, results: list[dict]):
        self.results = results


def _batch_rolled_back(results: list[dict], records: list) -> list[dict]:
    """An atomic batch's answer when ``results[-1]`` failed: the earlier records say what
    they would have been, the later ones were not tried."""
    for r in results[:-1]:
        r["status_if_applied"], r["status"] = r["status"], "rolled_back"
    return results + [{"id": _record_id(r), "status": "skipped"} for r in records[len(results) :]]


def _batch_per_record(request, records: list, *, atomic: bool) -> tuple[list[dict], bool]:
    """Each record through ``ticket_upsert`` in turn (the PUT path): for batches the
    set-based path does not take (one id twice, a constraint the database refused)."""
    results: list[dict] = []
    try:
        with transaction.atomic():
            for record in records:
                shaped = _batch_shape(record)
                if isinstance(shaped, dict):
                    results.append(shaped)
                else:
                    results.append(
                        _batch_answer(
                            shaped.rid,
                            lambda r=shaped: ticket_upsert(
                                request, r.ticket_id, r.data, expected_version=r.version
                            ),
                        )[0]
                    )
                if atomic and results[-1]["status"] not in APPLIED:
                    raise _BatchFailed(results)
    except _BatchFailed:
        return _batch_rolled_back(results, records), False
    return results, True


def _batch_set_based(user, shaped: list, *, atomic: bool) -> list[dict]:
    """The batch in a fixed number of queries: lock every id, read (and, when a record
    may update, row-lock) the tickets, resolve every reference at once, answer each
    record in order in Python (the services' own rules), then one INSERT of the new
    tickets, one of their events and one UPDATE of the corrected ones."""
    pending = [s for s in shaped if isinstance(s, _BatchRecord)]
    ids = [s.ticket_id for s in pending]
    lock_client_ids(ids)
    tickets = _scoped_tickets(user, ids).order_by("pk")
    if any(s.version is not None for s in pending):
        tickets = tickets.select_for_update(of=("self",), no_key=True)
    existing = {t.pk: t for t in tickets} if ids else {}
    missing = [i for i in ids if i not in existing]
    elsewhere = set(Ticket.objects.filter(pk__in=missing).values_list("pk", flat=True)) if missing else set()
    references = TicketReferences(user, [s.data for s in pending if s.ticket_id not in elsewhere])
    results: list[dict] = []
    creates: list[Ticket] = []
    corrected: list[tuple[dict, Ticket]] = []
    for s in shaped:
        if isinstance(s, dict):
            result = s
        elif s.ticket_id in elsewhere:
            result = {"id": s.rid, "status": "not_found"}
        elif s.ticket_id in existing:
            result, ticket = _batch_answer(
                s.rid,
                lambda s=s: _ticket_correct(
                    user,
                    existing[s.ticket_id],
                    s.data,
                    expected_version=s.version,
                    references=references,
                    deferred=True,
                ),
            )
            if result["status"] == "updated":
                corrected.append((result, ticket))
        else:
            result, ticket = _batch_answer(
                s.rid,
                lambda s=s: (
                    "created",
                    services.ticket_registration(
                        actor=user,
                        ticket_id=s.ticket_id,
                        references_checked=True,
                        **_registration_kwargs(user, s.data, references),
                    ),
                ),
            )
            if ticket is not None:
                creates.append(ticket)
        results.append(result)
        if atomic and result["status"] not in APPLIED:
            # what came before must still pass the database's constraints to say
            # "rolled_back" rather than fail (IntegrityError: the per-record path answers)
            _batch_write(creates, corrected)
            raise _BatchFailed(results)
    _batch_write(creates, corrected)
    return results


def _batch_write(creates: list[Ticket], corrected: list[tuple[dict, Ticket]]) -> None:
    if creates:
        services.tickets_register_many(tickets=creates)
    if corrected:
        services.tickets_save_corrections(tickets=[t for _row, t in corrected])
        for result, ticket in corrected:  # the version the UPDATE gave it
            result["version"] = ticket.version


def ticket_batch(request, records: list, *, atomic: bool) -> tuple[list[dict], bool]:
    """Apply a batch of upserts; ``atomic``: all or nothing. Returns (answers, applied).
    The same answers as applying each record by PUT, in one transaction."""
    shaped = [_batch_shape(r) for r in records]
    ids = [s.ticket_id for s in shaped if isinstance(s, _BatchRecord)]
    if len(set(ids)) != len(ids):  # a later record sees what an earlier one wrote
        return _batch_per_record(request, records, atomic=atomic)
    try:
        with transaction.atomic():
            return _batch_set_based(request.user, shaped, atomic=atomic), True
    except _BatchFailed as failed:
        return _batch_rolled_back(failed.results, records), False
    except IntegrityError:  # a check constraint full_clean left to the database
        return _batch_per_record(request, records, atomic=atomic)


# --- filters -------------------------------------------------------------------------------------


class TicketFilter(filters.StrictFilterSet):
    q = filters.CharFilter(
        method="filter_search",
        max_length=100,
        help_text=_(
            "搜索：内容、群众姓名、电话（4 位以上数字，可为尾号）或编号；多个词以空格分隔，须同时匹配"
        ),
    )
    station = filters.UUIDFilter()
    category = filters.IntegerFilter()
    handling_unit = filters.UUIDFilter()
    received_by_deputy = filters.UUIDFilter()
    received_after = filters.InstantFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.InstantFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["status", "tier", "station", "category", "handling_unit", "received_by_deputy"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class HandlingUnitFilter(filters.StrictFilterSet):
    region = filters.IntegerFilter()

    class Meta:
        model = HandlingUnit
        fields = ["kind", "is_active", "region"]


class CalendarDayFilter(filters.StrictFilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = CalendarDay
        fields = ["is_working_day"]


# --- viewsets ------------------------------------------------------------------------------------


class TicketViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Citizen opinions (群众意见建议)."""

    base_queryset = Ticket.objects.all()
    serializer_class = TicketOutputSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = TicketFilter
    sync_resource = "tickets"

    def filter_queryset(self, queryset):
        queryset = with_citizen_visibility(self.request.user, super().filter_queryset(queryset))
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("timeline", queryset=TimelineEvent.objects.order_by("at", "pk")),
                Prefetch("replies", queryset=Reply.objects.order_by("created_at", "pk")),
            )
        return queryset

    def get_serializer_class(self):
        return TicketDetailSerializer if self.action == "retrieve" else TicketOutputSerializer

    def sync_transform(self, rows):
        log_full_views(self.request, [(r["id"], r["citizen_name"]) for r in rows if r["citizen_visible"]])
        for r in rows:
            visible = r.pop("citizen_visible")
            mask_row(r, visible)
            r["citizen_data_masked"] = not visible
        return rows

    @property
    def sync_fields(self):  # noqa: F811 - the annotation rides along with the row
        return (*TICKET_FIELDS, "citizen_visible")

    def sync_json_rows(self):
        """``sync_transform`` in SQL: the citizen fields masked unless ``citizen_visible``,
        then ``citizen_data_masked``; the full views logged from the page's rows."""
        request = self.request

        def after(rows):
            log_full_views(request, [(r["id"], r["citizen_name"]) for r in rows if r["citizen_visible"]])

        return sync.JsonRows(
            columns=tuple(
                sync.JsonColumn(name, Ticket._meta.get_field(name), CITIZEN_MASKS_SQL.get(name))
                for name in TICKET_FIELDS
            ),
            visible="citizen_visible",
            hidden_flag="citizen_data_masked",
            extra=("citizen_visible", "citizen_name"),
            after=after,
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        page = response.data.get("results", []) if isinstance(response.data, dict) else []
        log_full_views(request, [(r["id"], r["citizen_name"]) for r in page if not r["citizen_data_masked"]])
        return response

    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = TicketDetailSerializer(ticket).data
        if not data["citizen_data_masked"]:
            log_full_views(request, [(ticket.pk, ticket.citizen_name)])
        return with_etag(Response(data), ticket.version)

    @extend_schema(
        request=TicketInputSerializer,
        parameters=[if_match_parameter(required=False)],
        responses={200: TicketOutputSerializer, 201: TicketOutputSerializer, **WRITE_RESPONSES},
    )
    def update(self, request, pk=None, format=None):
        """PUT to the ticket's UUID: creates it (no If-Match needed) or corrects its details
        (If-Match required; an identical repeat changes nothing)."""
        try:
            ticket_id = uuid.UUID(str(pk))
        except ValueError as exc:
            raise exceptions.NotFound(gettext("未找到该记录，或您无权查看。")) from exc
        payload = TicketInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data.get("id") not in (None, ticket_id):
            raise exceptions.ValidationError({"id": [gettext("与地址中的 ID 不一致。")]})
        outcome, ticket = ticket_upsert(request, ticket_id, data, expected_version=if_match_version(request))
        return self._ticket_response(
            request, ticket, status.HTTP_201_CREATED if outcome == "created" else 200
        )

    @extend_schema(
        request=TicketInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: TicketOutputSerializer, **WRITE_RESPONSES},
    )
    @idempotent
    def create(self, request, format=None):
        """POST: register a ticket (send ``Idempotency-Key`` so a retry is not a second ticket)."""
        payload = TicketInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ticket_id = data.get("id") or uuid.uuid4()
        with transaction.atomic():
            lock_client_ids([ticket_id])
            if Ticket.objects.filter(pk=ticket_id).exists():
                raise TicketExists
            ticket = _ticket_create(request.user, ticket_id, data)
        return self._ticket_response(request, ticket, status.HTTP_201_CREATED)

    def _ticket_response(self, request, ticket: Ticket, code: int) -> Response:
        """What every ticket write answers: the ticket as a read shows it (masked unless the
        user handles it), and a full view logged like a read's, whatever the method."""
        ticket = with_citizen_visibility(request.user, Ticket.objects.filter(pk=ticket.pk)).get()
        data = TicketOutputSerializer(ticket).data
        if not data["citizen_data_masked"]:
            log_full_views(request, [(ticket.pk, ticket.citizen_name)])
        return with_etag(Response(data, status=code), ticket.version)

    def idempotent_replay(self, request, response: Response) -> Response:
        """A replayed answer (``Idempotency-Key``) is a new view of the ticket: shown as the
        user may see it now (their role may have changed since), and logged."""
        data = response.data
        if not isinstance(data, dict) or "citizen_data_masked" not in data:
            return response
        mine = scoping.scoped(request.user, Ticket.objects.filter(pk=data["id"]))
        ticket = with_citizen_visibility(request.user, mine).first()
        if ticket is None:
            raise exceptions.NotFound(gettext("未找到该记录，或您无权查看。"))
        if ticket.citizen_visible:
            log_full_views(request, [(ticket.pk, ticket.citizen_name)])
        elif not data["citizen_data_masked"]:
            response.data = {**mask_row(dict(data), False), "citizen_data_masked": True}
        return response

    @extend_schema(
        request=TransitionInputSerializer,
        parameters=[if_match_parameter(required=False), IDEMPOTENCY_KEY_PARAMETER],
        responses={200: TicketOutputSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transitions(self, request, pk=None, format=None):
        """Apply one step of the workflow (受理、交办、答复…) through ``ticket_transition``.
        ``If-Match`` (optional) refuses the step if the ticket changed meanwhile (412)."""
        ticket = self.get_object()
        if not any(getattr(scoping, t.who)(request.user, ticket) for t in TRANSITIONS.values()):
            raise PermissionDenied(gettext("您无权办理本件。"))
        shape = TransitionInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        name = shape.validated_data["action"]
        transition = TRANSITIONS[name]
        services.transition_check(ticket=ticket, action=name, actor=request.user)
        form_data = {k: v for k, v in request.data.items() if k != "action"}
        form = FORMS.get(name, ActionForm)(
            form_data, None, transition=transition, ticket=ticket, user=request.user, prefix=None
        )
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        payload = form.payload()
        expected = if_match_version(request)
        payload["expected_version"] = expected
        with stale_as_412(Ticket, ticket.pk):
            ticket = services.ticket_transition(ticket=ticket, action=name, actor=request.user, **payload)
        return self._ticket_response(request, ticket, status.HTTP_200_OK)

    @extend_schema(
        request=BatchInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: BatchOutputSerializer, **WRITE_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def batch(self, request, format=None):
        """Up to ``BATCH_MAX`` tickets, each ``{"id": uuid, "version": n?, …fields}``, in one
        transaction; mode ``each`` applies each record on its own (one that fails changes
        nothing), ``atomic`` all or nothing.
        Each record answers created / updated / unchanged / conflict / invalid / not_found."""
        mode = request.data.get("mode", "each") if isinstance(request.data, dict) else None
        records = request.data.get("records") if isinstance(request.data, dict) else None
        errors = {}
        if mode not in ("each", "atomic"):
            errors["mode"] = [gettext('应为 "each" 或 "atomic"。')]
        if not isinstance(records, list) or not records:
            errors["records"] = [gettext("应为非空列表。")]
        elif len(records) > BATCH_MAX:
            errors["records"] = [gettext("每批最多 {BATCH_MAX} 条。").format(BATCH_MAX=BATCH_MAX)]
        if errors:
            raise exceptions.ValidationError(errors)
        results, applied = ticket_batch(request, records, atomic=mode == "atomic")
        return Response({"mode": mode, "applied": applied, "results": results})


def _record_id(record) -> Any:
    return record.get("id") if isinstance(record, dict) else None


class HandlingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandlingUnit
        fields = ["id", "name", "kind", "region", "is_active", "created_at", "updated_at", "version"]


class HandlingUnitViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Handling units (承办单位)."""

    base_queryset = HandlingUnit.objects.all()
    serializer_class = HandlingUnitSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = HandlingUnitFilter
    sync_resource = "handling_units"
    sync_fields = tuple(HandlingUnitSerializer.Meta.fields)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "sort_order", "is_active"]


class CategoryViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Opinion categories (意见类别): reference data."""

    base_queryset = Category.objects.all()
    serializer_class = CategorySerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["is_active", "code"]
    sync_resource = "categories"
    sync_fields = tuple(CategorySerializer.Meta.fields)


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "date", "is_working_day", "note"]


class CalendarDayViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The official working-day calendar (工作日历)."""

    base_queryset = CalendarDay.objects.all()
    serializer_class = CalendarDaySerializer
    pagination_class = DateCursorPagination
    filterset_class = CalendarDayFilter
    sync_resource = "calendar_days"
    sync_fields = tuple(CalendarDaySerializer.Meta.fields)


__all__ = ["TicketViewSet", "HandlingUnitViewSet", "CategoryViewSet", "CalendarDayViewSet"]
