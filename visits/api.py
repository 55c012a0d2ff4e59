"""Reception sessions (with their attendance) and attendances over the API: reads, sync,
and whole-reception writes.

A reception is written as a whole (the session, who was there, its ledger rows) through
the page's own services (``visits.services.reception_record`` / ``reception_update_draft``):
the same rules, the same tickets, the same counting. ``PUT receptions/<uuid>/`` creates
with the client's UUID or updates (If-Match); ``POST receptions/`` takes an
Idempotency-Key. A completed reception is final, as on the page: only a draft changes
(see docs/api.md, "Receptions")."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.response import Response

from accounts.services import full_views_log
from liaison import filters, scoping
from liaison.api import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    CreatedCursorPagination,
    PreconditionFailed,
    PreconditionRequired,
    ScopedViewSet,
    StrictInputSerializer,
    SyncMixin,
    VersionedRetrieveMixin,
    if_match_version,
    stale_as_412,
    validation_detail,
    with_etag,
)
from liaison.idempotency import idempotent
from liaison.masking import CITIZEN_MASKS
from liaison.uploads import ID_REUSED_MESSAGE
from stations.models import Station
from suggestions.api import with_citizen_visibility
from visits import selectors, services
from visits.models import Attendance, ReceptionSession, ReceptionSlot


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "role",
            "deputy",
            "cadre",
            "guest_name",
            "guest_title",
            "present",
            "created_at",
            "updated_at",
            "version",
        ]


RECEPTION_FIELDS = (
    "id",
    "station",
    "kind",
    "theme",
    "theme_kind",
    "starts_at",
    "ends_at",
    "citizens_received",
    "notes",
    "exception_reason",
    "status",
    "created_at",
    "updated_at",
    "version",
)


class ReceptionSerializer(serializers.ModelSerializer):
    attendance = AttendanceSerializer(source="attendances", many=True, read_only=True)

    class Meta:
        model = ReceptionSession
        fields = [*RECEPTION_FIELDS, "attendance"]


# --- a whole reception: what a client sends ---------------------------------------------------

INT_MAX = 2**31 - 1
NOT_FOUND_FOR_YOU = _("未找到该记录，或您无权使用。")


class GuestSerializer(StrictInputSerializer):
    """An invited official or legal expert, by name."""

    role = serializers.ChoiceField(
        choices=[
            (Attendance.Role.OFFICIAL.value, Attendance.Role.OFFICIAL.label),
            (Attendance.Role.LEGAL_EXPERT.value, Attendance.Role.LEGAL_EXPERT.label),
        ]
    )
    name = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class LedgerRowSerializer(StrictInputSerializer):
    """One line of the ledger (登记簿); its ``id`` becomes the ticket's UUID."""

    id = serializers.UUIDField(help_text=_("客户端生成的 UUID，登记后即该意见建议（ticket）的 ID"))
    citizen_name = serializers.CharField(max_length=50)
    citizen_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    citizen_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    village = serializers.IntegerField(
        min_value=1, max_value=INT_MAX, required=False, allow_null=True, default=None
    )
    category = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    content = serializers.CharField(max_length=5000)
    received_by_deputy = serializers.UUIDField(required=False, allow_null=True, default=None)
    received_by_cadre = serializers.UUIDField(required=False, allow_null=True, default=None)
    on_the_spot_action = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    consent_to_share = serializers.BooleanField(required=False, default=False)

    def validate_citizen_phone(self, value: str) -> str:
        error = services.phone_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class ReceptionWriteSerializer(StrictInputSerializer):
    """A whole reception: shape only; the services apply the rules."""

    id = serializers.UUIDField(
        required=False, help_text=_("客户端生成的 UUID（POST 时可选；PUT 时须与地址一致）")
    )
    station = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ReceptionSession.Kind.choices)
    theme = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    theme_kind = serializers.ChoiceField(
        choices=ReceptionSession.ThemeKind.choices, required=False, allow_blank=True, default=""
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    citizens_received = serializers.IntegerField(
        min_value=0, max_value=services.CITIZENS_RECEIVED_MAX, required=False, default=0
    )
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    exception_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("特殊情况说明：已完成的接待活动无代表（领导干部）出席或接待群众为 0 时须填写原因"),
    )
    slot = serializers.UUIDField(required=False, allow_null=True, default=None, help_text=_("对应的接待安排"))
    status = serializers.ChoiceField(
        choices=ReceptionSession.Status.choices,
        required=False,
        default=ReceptionSession.Status.DONE,
        help_text=_("done：完成登记（登记簿行即登记为意见建议）；draft：草稿"),
    )
    deputies = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=500, help_text=_("出席的代表")
    )
    cadres = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=100,
        help_text=_("进站的领导干部"),
    )
    guests = GuestSerializer(many=True, required=False, default=list, max_length=100)
    rows = LedgerRowSerializer(many=True, required=False, default=list, max_length=services.LEDGER_ROWS_MAX)


def _station_for_logging(user, station_id) -> Station:
    """The station a reception is recorded at: in the user's scope (else 400), open (else
    400), and one they log at (else 403)."""
    station = (
        scoping.scoped(user, Station.objects.select_related("region", "parent")).filter(pk=station_id).first()
    )
    if station is None:
        raise exceptions.ValidationError({"station": [NOT_FOUND_FOR_YOU]})
    if station.is_closed:
        raise exceptions.ValidationError({"station": [services.CLOSED_STATION_MESSAGE]})
    if not scoping.can_log_reception(user, station):
        raise PermissionDenied(gettext("您的角色不能在该联络站登记接待活动。"))
    return station


def resolve_reception_input(user, data: dict) -> services.ReceptionInput:
    """Validated input → the services' ReceptionInput, every reference resolved among what
    the reception page offers for the station (its deputies, cadres over its region, its
    villages, the active categories): a fixed number of queries, whatever the rows."""
    station = _station_for_logging(user, data["station"])
    choices = selectors.reception_form_choices(user=user, on=timezone.localdate(), station_id=station.pk)
    rows = data["rows"]
    errors: dict[str, Any] = {}
    wanted_deputies = set(data["deputies"]) | {
        r["received_by_deputy"] for r in rows if r["received_by_deputy"]
    }
    wanted_cadres = set(data["cadres"]) | {r["received_by_cadre"] for r in rows if r["received_by_cadre"]}
    deputies = {d.pk: d for d in choices.deputies.filter(pk__in=wanted_deputies)} if wanted_deputies else {}
    cadres = {c.pk: c for c in choices.cadres.filter(pk__in=wanted_cadres)} if wanted_cadres else {}
    categories = {c.pk: c for c in choices.categories} if rows else {}
    villages = {v.pk: v for v in choices.villages} if any(r["village"] for r in rows) else {}
    for name, given, found, message in (
        ("deputies", data["deputies"], deputies, gettext("不是本站的代表")),
        ("cadres", data["cadres"], cadres, gettext("不是该联络站所在地区的领导干部")),
    ):
        missing = [str(pk) for pk in given if pk not in found]
        if missing:
            errors[name] = [f"{message}：{'、'.join(missing)}"]
    slot = None
    if data["slot"] is not None:
        slot = ReceptionSlot.objects.filter(station=station, pk=data["slot"]).first()
        if slot is None:
            errors["slot"] = [gettext("没有该联络站的这个接待安排。")]
    row_errors: list[dict] = []
    ledger_rows: list[services.LedgerRow] = []
    for row in rows:
        problems: dict[str, list[str]] = {}
        category = categories.get(row["category"])
        if category is None:
            problems["category"] = [gettext("没有该意见类别。")]
        village = villages.get(row["village"]) if row["village"] else None
        if row["village"] and village is None:
            problems["village"] = [gettext("不是该联络站所在乡镇的村（社区）。")]
        deputy = deputies.get(row["received_by_deputy"]) if row["received_by_deputy"] else None
        if row["received_by_deputy"] and deputy is None:
            problems["received_by_deputy"] = [gettext("不是本站的代表。")]
        cadre = cadres.get(row["received_by_cadre"]) if row["received_by_cadre"] else None
        if row["received_by_cadre"] and cadre is None:
            problems["received_by_cadre"] = [gettext("不是该联络站所在地区的领导干部。")]
        if deputy is not None and cadre is not None:
            problems["received_by_cadre"] = [gettext("接待人只能是一名代表或一名领导干部。")]
        row_errors.append(problems)
        if not problems:
            ledger_rows.append(
                services.LedgerRow(
                    id=row["id"],
                    citizen_name=row["citizen_name"],
                    citizen_phone=row["citizen_phone"],
                    citizen_address=row["citizen_address"],
                    village=village,
                    category=category,
                    content=row["content"],
                    received_by_deputy=deputy,
                    received_by_cadre=cadre,
                    on_the_spot_action=row["on_the_spot_action"],
                    consent_to_share=row["consent_to_share"],
                )
            )
    if any(row_errors):
        errors["rows"] = row_errors
    if errors:
        raise exceptions.ValidationError(errors)
    return services.ReceptionInput(
        station=station,
        kind=data["kind"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        theme=data["theme"],
        theme_kind=data["theme_kind"],
        citizens_received=data["citizens_received"],
        notes=data["notes"],
        exception_reason=data["exception_reason"].strip(),
        slot=slot,
        deputies=[deputies[pk] for pk in dict.fromkeys(data["deputies"])],
        cadres=[cadres[pk] for pk in dict.fromkeys(data["cadres"])],
        guests=[services.Guest(role=g["role"], name=g["name"], title=g["title"]) for g in data["guests"]],
        rows=ledger_rows,
    )


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = services.CONFLICT_MESSAGE
    default_code = "conflict"


class IdReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = ID_REUSED_MESSAGE
    default_code = "id_reused"


@contextmanager
def service_refusals():
    """A service's refusals with their own status: a race lost to another record (code
    "conflict") is 409, a client UUID used for something else ("reused") 422; other
    ValidationErrors pass through (400)."""
    try:
        yield
    except DjangoValidationError as exc:
        code = getattr(exc, "code", None) or next(
            (e.code for errors in getattr(exc, "error_dict", {}).values() for e in errors), None
        )
        if code == "conflict":
            raise Conflict from exc
        if code == "reused":
            raise IdReused(validation_detail(exc)) from exc
        raise


def reception_upsert(request, pk: uuid.UUID, data: dict, *, expected_version: int | None):
    """Create the reception with the client's UUID, or update it.

    Returns ("created" | "updated" | "unchanged", session). 404 for a UUID outside the
    user's scope; a repeat that changes nothing is "unchanged" (no If-Match needed, so a
    retried create is safe); a change needs If-Match (428 without, 412 stale) and a
    draft (a completed reception is final: 400)."""
    user = request.user
    draft = data["status"] == ReceptionSession.Status.DRAFT
    existing = (
        scoping.scoped(user, ReceptionSession.objects.select_related("station__region"))
        .prefetch_related("attendances")
        .filter(pk=pk)
        .first()
    )
    if existing is None and ReceptionSession.objects.filter(pk=pk).exists():
        raise exceptions.NotFound(gettext("未找到该记录，或您无权查看。"))
    recorded = resolve_reception_input(user, data)
    if existing is None:
        with service_refusals():
            session, created = services.reception_record(
                data=recorded, client_token=pk, session_id=pk, actor=user, draft=draft
            )
        if created:
            return "created", session
        if session.pk != pk:  # a page's form token that happens to be this UUID
            raise Conflict
        # a concurrent request created it first: from here on, as an update
        existing = (
            ReceptionSession.objects.select_related("station__region")
            .prefetch_related("attendances")
            .get(pk=pk)
        )
    if not scoping.can_log_reception(user, existing.station):
        raise PermissionDenied(gettext("您的角色不能修改该联络站的接待活动。"))
    if not services.reception_changes(session=existing, data=recorded, draft=draft):
        return "unchanged", existing
    if expected_version is None:
        raise PreconditionRequired
    if expected_version != existing.version:
        raise PreconditionFailed(version=existing.version)
    with stale_as_412(ReceptionSession, pk), service_refusals():
        session = services.reception_update_draft(
            session=existing, data=recorded, actor=user, draft=draft, expected_version=expected_version
        )
    return ("updated" if session.version != expected_version else "unchanged"), session


# --- a whole reception: what a client gets back --------------------------------------------------

ROW_MASKS = {name: CITIZEN_MASKS[name] for name in ("citizen_name", "citizen_phone", "citizen_address")}
ROW_TICKET_FIELDS = {
    "id": "id",
    "citizen_name": "citizen_name",
    "citizen_phone": "citizen_phone",
    "citizen_address": "citizen_address",
    "village": "village_id",
    "category": "category_id",
    "content": "content",
    "received_by_deputy": "received_by_deputy_id",
    "received_by_cadre": "received_by_cadre_id",
    "on_the_spot_action": "on_the_spot_action",
    "consent_to_share": "consent_to_share",
}


class LedgerRowOutputSerializer(LedgerRowSerializer):
    """A ledger row as the API shows it (a completed reception's rows are its tickets)."""

    citizen_data_masked = serializers.BooleanField(help_text=_("群众信息是否已脱敏"))


def _masked(row: dict[str, Any], visible: bool) -> dict[str, Any]:
    if not visible:
        for name, mask in ROW_MASKS.items():
            row[name] = mask(row[name])
    row["citizen_data_masked"] = not visible
    return row


def _draft_row(stored: dict) -> dict[str, Any]:
    kind, _sep, pk = (stored.get("receiver") or "").partition(":")
    return {
        "id": stored.get("id") or None,
        "citizen_name": stored["citizen_name"],
        "citizen_phone": stored.get("citizen_phone", ""),
        "citizen_address": stored.get("citizen_address", ""),
        "village": int(stored["village"]) if stored.get("village") else None,
        "category": stored["category"],
        "content": stored["content"],
        "received_by_deputy": pk if kind == "deputy" else None,
        "received_by_cadre": pk if kind == "cadre" else None,
        "on_the_spot_action": stored.get("on_the_spot_action", ""),
        "consent_to_share": bool(stored.get("consent_to_share")),
    }


def ledger_rows_shown(request, session: ReceptionSession) -> list[dict[str, Any]]:
    """The session's ledger rows for ``request.user``: a draft's stored rows, else its
    tickets (one query). Citizens' details masked unless the user may see them
    (``liaison.scoping``); every row shown in full is logged (PIPL)."""
    if session.status == ReceptionSession.Status.DRAFT:
        visible = scoping.can_see_draft_row_data(request.user, session.station)
        rows = [_masked(_draft_row(stored), visible) for stored in session.draft_rows]
    else:
        tickets = with_citizen_visibility(request.user, session.tickets.order_by("created_at", "pk")).values(
            *ROW_TICKET_FIELDS.values(), "citizen_visible"
        )
        rows = [
            _masked({name: t[column] for name, column in ROW_TICKET_FIELDS.items()}, t["citizen_visible"])
            for t in tickets
        ]
    full_views_log(
        request=request,
        tickets=[(r["id"], r["citizen_name"]) for r in rows if r["id"] and not r["citizen_data_masked"]],
        fields=tuple(ROW_MASKS),
    )
    return rows


class ReceptionDetailSerializer(ReceptionSerializer):
    """One reception as a whole: the list's fields, who was there (as ``attendance`` and
    in the shape a PUT sends back: ``deputies``, ``cadres``, ``guests``) and its ledger
    ``rows``. GET, change, PUT it back with If-Match."""

    deputies = serializers.SerializerMethodField()
    cadres = serializers.SerializerMethodField()
    guests = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()

    class Meta(ReceptionSerializer.Meta):
        fields = [*ReceptionSerializer.Meta.fields, "slot", "deputies", "cadres", "guests", "rows"]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_deputies(self, session) -> list[str]:
        return [str(a.deputy_id) for a in session.attendances.all() if a.deputy_id]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_cadres(self, session) -> list[str]:
        return [str(a.cadre_id) for a in session.attendances.all() if a.cadre_id]

    @extend_schema_field(GuestSerializer(many=True))
    def get_guests(self, session) -> list[dict]:
        return [
            {"role": a.role, "name": a.guest_name, "title": a.guest_title}
            for a in session.attendances.all()
            if not (a.deputy_id or a.cadre_id)
        ]

    @extend_schema_field(LedgerRowOutputSerializer(many=True))
    def get_rows(self, session) -> list[dict]:
        return self.context["rows"]  # ledger_rows_shown: masked and logged by the view


# --- endpoints ---------------------------------------------------------------------------------


class ReceptionFilter(filters.StrictFilterSet):
    q = filters.CharFilter(
        method="filter_search",
        max_length=100,
        help_text=_("搜索：主题、情况记录或站点名称；多个词以空格分隔"),
    )
    station = filters.UUIDFilter()
    starts_after = filters.InstantFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = filters.InstantFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = ReceptionSession
        fields = ["station", "kind", "status"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


ATTENDANCE_ORDER = Attendance.objects.order_by("created_at", "pk")


class ReceptionViewSet(
    VersionedRetrieveMixin, SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Reception sessions (接待活动): reception days, door-to-door and online receptions."""

    base_queryset = ReceptionSession.objects.select_related("station__region").prefetch_related(
        Prefetch("attendances", queryset=ATTENDANCE_ORDER)
    )
    serializer_class = ReceptionSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = ReceptionFilter
    sync_resource = "receptions"
    sync_fields = RECEPTION_FIELDS

    def get_serializer_class(self):
        if self.action in ("create", "update"):
            # what a write takes (the browsable API's form too: plain ids, no choice lists)
            return ReceptionWriteSerializer
        return ReceptionSerializer if self.action in ("list", "sync") else ReceptionDetailSerializer

    @extend_schema(responses={200: ReceptionDetailSerializer, 404: ERROR_RESPONSES[404]})
    def retrieve(self, request, *args, **kwargs):
        """One reception as a whole, with its ledger rows; ``ETag`` is what an update's
        ``If-Match`` quotes."""
        return self._reception_response(request, self.get_object(), status.HTTP_200_OK)

    @extend_schema(
        request=ReceptionWriteSerializer,
        responses={200: ReceptionDetailSerializer, 201: ReceptionDetailSerializer, **WRITE_RESPONSES},
    )
    def update(self, request, pk=None, format=None):
        """PUT to the reception's UUID: records it (201; no If-Match needed) or, for a draft,
        saves it again or finishes it (If-Match required). A repeat that changes nothing
        answers 200 and changes nothing; a completed reception is final (400)."""
        try:
            session_id = uuid.UUID(str(pk))
        except ValueError as exc:
            raise exceptions.NotFound(gettext("未找到该记录，或您无权查看。")) from exc
        payload = ReceptionWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data.get("id") not in (None, session_id):
            raise exceptions.ValidationError({"id": [gettext("与地址中的 ID 不一致。")]})
        outcome, session = reception_upsert(
            request, session_id, data, expected_version=if_match_version(request)
        )
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return self._reception_response(request, session, code)

    @extend_schema(
        request=ReceptionWriteSerializer, responses={201: ReceptionDetailSerializer, **WRITE_RESPONSES}
    )
    @idempotent
    def create(self, request, format=None):
        """POST: record a reception (send ``Idempotency-Key``, or better PUT to a UUID of
        your own, so that a retry is not a second reception)."""
        payload = ReceptionWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        session_id = data.get("id") or uuid.uuid4()
        taken = exceptions.ValidationError({"id": [gettext("该 ID 已存在；修改请用 PUT 并带 If-Match。")]})
        if ReceptionSession.objects.filter(pk=session_id).exists():
            raise taken
        recorded = resolve_reception_input(request.user, data)
        with service_refusals():
            session, created = services.reception_record(
                data=recorded,
                client_token=session_id,
                session_id=session_id,
                actor=request.user,
                draft=data["status"] == ReceptionSession.Status.DRAFT,
            )
        if not created:
            raise taken
        return self._reception_response(request, session, status.HTTP_201_CREATED)

    def _reception_response(self, request, session: ReceptionSession, code: int) -> Response:
        if self.action != "retrieve":
            session = self.base_queryset.get(pk=session.pk)  # as written, with its attendance in order
        rows = ledger_rows_shown(request, session)
        data = ReceptionDetailSerializer(session, context={"rows": rows}).data
        return with_etag(Response(data, status=code), session.version)


class AttendanceFilter(filters.StrictFilterSet):
    session = filters.UUIDFilter()
    deputy = filters.UUIDFilter()

    class Meta:
        model = Attendance
        fields = ["session", "deputy", "role", "present"]


class AttendanceViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Attendance (出席) at receptions; also nested in each reception."""

    base_queryset = Attendance.objects.all()
    serializer_class = AttendanceSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = AttendanceFilter
    sync_resource = "attendances"
    sync_fields = tuple(AttendanceSerializer.Meta.fields)
