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
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Value
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.middleware import request_client
from accounts.services import personal_data_access_record_many
from deputies.models import Deputy, LeadingCadre
from liaison import filters, scoping
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
from liaison.idempotency import idempotent
from liaison.masking import mask_address, mask_id_number, mask_name, mask_phone
from stations.models import Region, Station
from suggestions import services
from suggestions.forms import FORMS, ActionForm
from suggestions.models import CalendarDay, Category, HandlingUnit, Reply, Ticket, TimelineEvent
from suggestions.workflow import TRANSITIONS
from visits.models import ReceptionSession

MASKS = {
    "citizen_name": mask_name,
    "citizen_phone": mask_phone,
    "citizen_address": mask_address,
    "citizen_id_number": mask_id_number,
}
BATCH_MAX = 100


def with_citizen_visibility(user, queryset):
    """Annotate ``citizen_visible``: may ``user`` see this ticket's citizen data in full?"""
    q = scoping.citizen_data_q(user)
    expression = Value(False) if q is None else ExpressionWrapper(q, output_field=BooleanField())
    return queryset.annotate(citizen_visible=expression)


def log_full_views(request, rows: list[tuple[Any, str]]) -> None:
    """One PersonalDataAccess row per ticket shown in full (PIPL), in one insert."""
    if rows:
        personal_data_access_record_many(
            user=request.user,
            tickets=rows,
            client=request_client(request),
            ip_address=request.META.get("REMOTE_ADDR"),
        )


def mask_row(row: dict[str, Any], visible: bool) -> dict[str, Any]:
    if not visible:
        for name, mask in MASKS.items():
            row[name] = mask(row[name])
    return row


# --- serializers ---------------------------------------------------------------------------------

TICKET_FIELDS = (
    "id",
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

    id = serializers.UUIDField(required=False, help_text="客户端生成的 UUID（POST 时可选）")
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


def _in_scope(user, queryset, pk, field: str, errors: dict):
    if pk is None:
        return None
    found = scoping.scoped(user, queryset).filter(pk=pk).first()
    if found is None:
        errors[field] = ["未找到该记录，或您无权使用。"]
    return found


def resolve_ticket_input(user, data: dict) -> dict[str, Any]:
    """Validated input → keyword arguments for the services (references resolved in scope)."""
    errors: dict[str, list[str]] = {}
    station = _in_scope(user, Station.objects.select_related("region"), data["station"], "station", errors)
    category = (
        scoping.scoped(user, Category.objects.filter(is_active=True)).filter(pk=data["category"]).first()
    )
    if category is None:
        errors["category"] = ["没有该意见类别。"]
    kwargs: dict[str, Any] = {
        "station": station,
        "category": category,
        "village": _in_scope(user, Region.objects.all(), data.get("village"), "village", errors),
        "reception": _in_scope(
            user, ReceptionSession.objects.all(), data.get("reception"), "reception", errors
        ),
        "received_by_deputy": _in_scope(
            user, Deputy.objects.all(), data.get("received_by_deputy"), "received_by_deputy", errors
        ),
        "received_by_cadre": None,
    }
    if data.get("received_by_cadre") is not None:
        cadre = scoping.scoped(user, LeadingCadre.objects.all()).filter(pk=data["received_by_cadre"]).first()
        if cadre is None:
            errors["received_by_cadre"] = ["未找到该记录，或您无权使用。"]
        kwargs["received_by_cadre"] = cadre
    if errors:
        raise exceptions.ValidationError(errors)
    for name in (
        "content",
        "citizen_name",
        "citizen_phone",
        "citizen_address",
        "citizen_id_number",
        "consent_to_share",
        "on_the_spot_action",
        "received_at",
    ):
        if name in data:
            kwargs[name] = data[name]
    return kwargs


def _check_unchanged_references(ticket: Ticket, kwargs: dict) -> None:
    """Where a ticket was registered is not a detail to correct: PUT must repeat it."""
    errors = {}
    for name in ("station", "reception", "received_by_deputy", "received_by_cadre"):
        value = kwargs.get(name)
        if getattr(ticket, f"{name}_id") != (value.pk if value is not None else None):
            errors[name] = ["登记后不能修改。"]
    if errors:
        raise exceptions.ValidationError(errors)


def _ticket_create(user, pk: uuid.UUID, data: dict) -> Ticket:
    """Register a ticket with the client's UUID, at a station where the user logs receptions."""
    kwargs = resolve_ticket_input(user, data)
    if not scoping.can_log_reception(user, kwargs["station"]):
        raise PermissionDenied("您的角色不能在该联络站登记意见建议。")
    return services.ticket_register(actor=user, ticket_id=pk, **kwargs)


def ticket_upsert(request, pk: uuid.UUID, data: dict, *, expected_version: int | None) -> tuple[str, Ticket]:
    """Create the ticket with the client's UUID, or correct an existing one.

    Returns ("created" | "updated" | "unchanged", ticket). Raises 404 for a ticket that
    exists outside the user's scope, 428/412 for an update without or with a stale
    version (an identical repeat without a version is "unchanged", not 428)."""
    user = request.user
    existing = scoping.scoped(user, Ticket.objects.select_related("station__region")).filter(pk=pk).first()
    if existing is None:
        if Ticket.objects.filter(pk=pk).exists():
            raise exceptions.NotFound("未找到该记录，或您无权查看。")
        return "created", _ticket_create(user, pk, data)
    kwargs = resolve_ticket_input(user, data)
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
    with stale_as_412(Ticket, pk):
        ticket, changed = services.ticket_update_details(
            ticket=existing, actor=user, expected_version=expected_version, **details
        )
    return ("updated" if changed else "unchanged"), ticket


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


# --- filters -------------------------------------------------------------------------------------


class TicketFilter(filters.StrictFilterSet):
    station = filters.UUIDFilter()
    category = filters.IntegerFilter()
    handling_unit = filters.UUIDFilter()
    received_by_deputy = filters.UUIDFilter()
    received_after = filters.InstantFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.InstantFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["status", "tier", "station", "category", "handling_unit", "received_by_deputy"]


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
    def update(self, request, pk=None):
        """PUT to the ticket's UUID: creates it (no If-Match needed) or corrects its details
        (If-Match required; an identical repeat changes nothing)."""
        try:
            ticket_id = uuid.UUID(str(pk))
        except ValueError as exc:
            raise exceptions.NotFound("未找到该记录，或您无权查看。") from exc
        payload = TicketInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data.get("id") not in (None, ticket_id):
            raise exceptions.ValidationError({"id": ["与地址中的 ID 不一致。"]})
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
    def create(self, request):
        """POST: register a ticket (send ``Idempotency-Key`` so a retry is not a second ticket)."""
        payload = TicketInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ticket_id = data.get("id") or uuid.uuid4()
        if Ticket.objects.filter(pk=ticket_id).exists():
            raise exceptions.ValidationError({"id": ["该 ID 已存在；修改请用 PUT 并带 If-Match。"]})
        ticket = _ticket_create(request.user, ticket_id, data)
        return self._ticket_response(request, ticket, status.HTTP_201_CREATED)

    def _ticket_response(self, request, ticket: Ticket, code: int) -> Response:
        ticket = with_citizen_visibility(request.user, Ticket.objects.filter(pk=ticket.pk)).get()
        data = TicketOutputSerializer(ticket).data
        return with_etag(Response(data, status=code), ticket.version)

    @extend_schema(
        request=TransitionInputSerializer,
        parameters=[if_match_parameter(required=False), IDEMPOTENCY_KEY_PARAMETER],
        responses={200: TicketOutputSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transitions(self, request, pk=None):
        """Apply one step of the workflow (受理、交办、答复…) through ``ticket_transition``.
        ``If-Match`` (optional) refuses the step if the ticket changed meanwhile (412)."""
        ticket = self.get_object()
        if not any(getattr(scoping, t.who)(request.user, ticket) for t in TRANSITIONS.values()):
            raise PermissionDenied("您无权办理本件。")
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
    def batch(self, request):
        """Up to ``BATCH_MAX`` tickets, each ``{"id": uuid, "version": n?, …fields}``; mode
        ``each`` applies each record in its own transaction, ``atomic`` all or nothing.
        Each record answers created / updated / unchanged / conflict / invalid / not_found."""
        mode = request.data.get("mode", "each") if isinstance(request.data, dict) else None
        records = request.data.get("records") if isinstance(request.data, dict) else None
        errors = {}
        if mode not in ("each", "atomic"):
            errors["mode"] = ['应为 "each" 或 "atomic"。']
        if not isinstance(records, list) or not records:
            errors["records"] = ["应为非空列表。"]
        elif len(records) > BATCH_MAX:
            errors["records"] = [f"每批最多 {BATCH_MAX} 条。"]
        if errors:
            raise exceptions.ValidationError(errors)
        results: list[dict] = []

        def apply_all() -> None:
            for record in records:
                results.append(self._batch_one(request, record))
                if mode == "atomic" and results[-1]["status"] not in ("created", "updated", "unchanged"):
                    raise _BatchFailed

        applied = True
        if mode == "atomic":
            try:
                with transaction.atomic():
                    apply_all()
            except _BatchFailed:
                applied = False
                for r in results[:-1]:
                    r["status_if_applied"], r["status"] = r["status"], "rolled_back"
                results.extend({"id": _record_id(r), "status": "skipped"} for r in records[len(results) :])
        else:
            apply_all()
        return Response({"mode": mode, "applied": applied, "results": results})

    def _batch_one(self, request, record) -> dict:
        if not isinstance(record, dict):
            return {"id": None, "status": "invalid", "errors": {"non_field_errors": ["每条记录应为对象。"]}}
        rid = _record_id(record)
        try:
            ticket_id = uuid.UUID(str(record.get("id")))
        except ValueError:
            return {"id": rid, "status": "invalid", "errors": {"id": ["须提供记录的 UUID。"]}}
        version = record.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            return {"id": rid, "status": "invalid", "errors": {"version": ["应为整数。"]}}
        payload = TicketInputSerializer(data={k: v for k, v in record.items() if k != "version"})
        if not payload.is_valid():
            return {"id": rid, "status": "invalid", "errors": payload.errors}
        try:
            with transaction.atomic():
                outcome, ticket = ticket_upsert(
                    request, ticket_id, payload.validated_data, expected_version=version
                )
        except PreconditionFailed as exc:
            return {"id": rid, "status": "conflict", **exc.detail}
        except PreconditionRequired as exc:
            return {"id": rid, "status": "conflict", "errors": {"version": [str(exc.detail)]}}
        except exceptions.NotFound:
            return {"id": rid, "status": "not_found"}
        except (exceptions.APIException, DjangoValidationError, PermissionDenied) as exc:
            return {"id": rid, "status": "invalid", "errors": _errors_of(exc)}
        return {"id": rid, "status": outcome, "version": ticket.version}


class _BatchFailed(Exception):
    pass


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
