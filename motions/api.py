"""/api/v1/deputy-suggestions/ and /api/v1/supervision-items/: read (scoped by the base
mixin) and the write actions: submit a suggestion, list an item, and ``transitions/``,
which validates the same form the page uses and applies a row of the table through the
service (``If-Match`` refuses a stale step with 412; ``Idempotency-Key`` replays a retry)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from deputies.models import Deputy
from liaison import scoping
from liaison.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    WRITE_RESPONSES,
    CreatedCursorPagination,
    ScopedViewSet,
    StrictInputSerializer,
    SyncMixin,
    VersionedRetrieveMixin,
    if_match_parameter,
    if_match_version,
    stale_as_412,
    with_etag,
)
from liaison.idempotency import idempotent
from motions import services
from motions.forms import suggestion_form, supervision_form
from motions.models import (
    CongressSession,
    DeputySuggestion,
    SuggestionEvent,
    SupervisionEvent,
    SupervisionItem,
)
from motions.workflow import SUGGESTION_TRANSITIONS, SUPERVISION_TRANSITIONS
from stations.models import Region
from suggestions.models import HandlingUnit, Ticket

NOT_IN_SCOPE = _("未找到该记录，或您无权使用。")


class SuggestionEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuggestionEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "at", "comment", "data"]


class SuggestionSerializer(serializers.ModelSerializer):
    co_signers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    co_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = DeputySuggestion
        fields = [
            "id",
            "session",
            "timing",
            "number",
            "title",
            "content",
            "category",
            "submitted_by",
            "co_signers",
            "source_ticket",
            "lead_unit",
            "co_units",
            "assigned_on",
            "due_on",
            "extension_reason",
            "reply_text",
            "reply_class",
            "replied_on",
            "satisfaction",
            "rehandle_count",
            "status",
            "submitted_at",
            "created_at",
            "updated_at",
            "version",
        ]


class SuggestionDetailSerializer(SuggestionSerializer):
    timeline = SuggestionEventSerializer(many=True, read_only=True)

    class Meta(SuggestionSerializer.Meta):
        fields = [*SuggestionSerializer.Meta.fields, "timeline"]


class SuggestionInputSerializer(StrictInputSerializer):
    session = serializers.IntegerField(min_value=1)
    submitted_by = serializers.UUIDField()
    co_signers = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=100
    )
    title = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=20000)
    timing = serializers.ChoiceField(
        choices=DeputySuggestion.Timing.choices, default=DeputySuggestion.Timing.DURING
    )
    source_ticket = serializers.UUIDField(required=False, allow_null=True)


class SuggestionTransitionInput(StrictInputSerializer):
    """The action and its form's fields (as on the suggestion page)."""

    action = serializers.ChoiceField(choices=sorted(SUGGESTION_TRANSITIONS))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    category = serializers.CharField(required=False, max_length=20)
    lead_unit = serializers.UUIDField(required=False)
    co_units = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=50)
    assigned_on = serializers.DateField(required=False)
    held_on = serializers.DateField(required=False)
    form = serializers.CharField(required=False, max_length=10)
    participants = serializers.CharField(required=False, max_length=300)
    unit = serializers.UUIDField(required=False)
    text = serializers.CharField(required=False, max_length=20000)
    reply_class = serializers.CharField(required=False, max_length=1)
    satisfaction = serializers.CharField(required=False, max_length=12)


def _apply(request, record, *, shape, table, form_for, apply, model):
    if not any(table.permits(t, request.user, record) for t in table.values()):
        raise PermissionDenied(gettext("您无权办理本件。"))
    shape.is_valid(raise_exception=True)
    name = shape.validated_data["action"]
    transition = table.check(obj=record, name=name, actor=request.user)
    data = {k: v for k, v in request.data.items() if k != "action"}
    form = form_for(transition, record=record, user=request.user, data=data)
    form.prefix = None
    if not form.is_valid():
        raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    payload = form.payload()
    payload["expected_version"] = if_match_version(request)
    with stale_as_412(model, record.pk):
        return apply(record, name, payload)


def _with_related_ids(rows: list[dict], through, own: str, other: str, name: str) -> list[dict]:
    """Each synced row with the ids of one many-to-many relation as ``name`` (the
    ``through`` table's ``other`` column): one query for the whole page."""
    ids: dict = {r["id"]: [] for r in rows}
    pairs = through.objects.filter(**{f"{own}__in": list(ids)}).order_by(own, other)
    for mine, theirs in pairs.values_list(own, other):
        ids[mine].append(theirs)
    for r in rows:
        r[name] = ids[r["id"]]
    return rows


M2M_FIELDS = ("co_signers", "co_units")


class DeputySuggestionViewSet(
    VersionedRetrieveMixin, SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Deputies' formal suggestions (代表建议). ``sync/``: the changes since a cursor
    (``liaison.sync``: the change sequence, tombstones), scoped like the list."""

    base_queryset = DeputySuggestion.objects.prefetch_related("co_signers", "co_units")
    serializer_class = SuggestionSerializer
    pagination_class = CreatedCursorPagination
    sync_resource = "deputy_suggestions"
    sync_fields = tuple(f for f in SuggestionSerializer.Meta.fields if f not in M2M_FIELDS)

    def sync_transform(self, rows):
        """The joint deputies and co-units of the page: two queries, whatever its size."""
        rows = _with_related_ids(
            rows, DeputySuggestion.co_signers.through, "deputysuggestion_id", "deputy_id", "co_signers"
        )
        return _with_related_ids(
            rows, DeputySuggestion.co_units.through, "deputysuggestion_id", "handlingunit_id", "co_units"
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("timeline")
        return queryset

    def get_serializer_class(self):
        return SuggestionDetailSerializer if self.action == "retrieve" else SuggestionSerializer

    @extend_schema(
        request=SuggestionInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: SuggestionSerializer, **WRITE_RESPONSES},
    )
    @idempotent
    def create(self, request, format=None):
        """POST: submit a suggestion (a deputy in their own name; the office for a deputy)."""
        shape = SuggestionInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        session = CongressSession.objects.filter(pk=data["session"]).first()
        deputy = Deputy.objects.filter(pk=data["submitted_by"]).first()
        if session is None:
            raise exceptions.ValidationError({"session": [NOT_IN_SCOPE]})
        if deputy is None:
            raise exceptions.ValidationError({"submitted_by": [NOT_IN_SCOPE]})
        joint = list(Deputy.objects.filter(pk__in=data["co_signers"]))
        if len(joint) != len(set(data["co_signers"])):
            raise exceptions.ValidationError({"co_signers": [NOT_IN_SCOPE]})
        ticket = None
        if data.get("source_ticket"):
            ticket = (
                scoping.scoped(request.user, Ticket.objects.select_related("station"))
                .filter(pk=data["source_ticket"])
                .first()
            )
            if ticket is None:
                raise exceptions.ValidationError({"source_ticket": [NOT_IN_SCOPE]})
        s = services.suggestion_submit(
            actor=request.user,
            session=session,
            submitted_by=deputy,
            co_signers=joint,
            title=data["title"],
            content=data["content"],
            timing=data["timing"],
            source_ticket=ticket,
        )
        return with_etag(Response(SuggestionSerializer(s).data, status=status.HTTP_201_CREATED), s.version)

    @extend_schema(
        request=SuggestionTransitionInput,
        parameters=[if_match_parameter(required=False), IDEMPOTENCY_KEY_PARAMETER],
        responses={200: SuggestionSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transitions(self, request, pk=None, format=None):
        """Apply one step (立案编号、交办、见面沟通、延期、答复、测评、重新办理、办结、撤回)."""
        record = DeputySuggestion.objects.select_related("session__region").get(pk=self.get_object().pk)
        s = _apply(
            request,
            record,
            shape=SuggestionTransitionInput(data=request.data),
            table=SUGGESTION_TRANSITIONS,
            form_for=suggestion_form,
            apply=lambda r, name, payload: services.suggestion_transition(
                suggestion=r, action=name, actor=request.user, **payload
            ),
            model=DeputySuggestion,
        )
        s = DeputySuggestion.objects.prefetch_related("co_signers", "co_units").get(pk=s.pk)
        return with_etag(Response(SuggestionSerializer(s).data), s.version)


class SupervisionEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "at", "comment", "data"]


class SupervisionSerializer(serializers.ModelSerializer):
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SupervisionItem
        fields = [
            "id",
            "region",
            "year",
            "number",
            "title",
            "source",
            "source_suggestion",
            "problems",
            "departments",
            "report_due",
            "reported_on",
            "result_text",
            "votes_satisfied",
            "votes_basic",
            "votes_unsatisfied",
            "outcome",
            "resupervise_count",
            "status",
            "created_at",
            "updated_at",
            "version",
        ]


class SupervisionDetailSerializer(SupervisionSerializer):
    timeline = SupervisionEventSerializer(many=True, read_only=True)

    class Meta(SupervisionSerializer.Meta):
        fields = [*SupervisionSerializer.Meta.fields, "timeline"]


class ItemInputSerializer(StrictInputSerializer):
    region = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    problems = serializers.CharField(max_length=20000)
    departments = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=50)
    report_due = serializers.DateField()
    source = serializers.ChoiceField(
        choices=SupervisionItem.Source.choices, default=SupervisionItem.Source.REVIEW
    )


class SupervisionTransitionInput(StrictInputSerializer):
    action = serializers.ChoiceField(choices=sorted(SUPERVISION_TRANSITIONS))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    text = serializers.CharField(required=False, max_length=20000)
    satisfied = serializers.IntegerField(required=False, min_value=0, max_value=10000)
    basic = serializers.IntegerField(required=False, min_value=0, max_value=10000)
    unsatisfied = serializers.IntegerField(required=False, min_value=0, max_value=10000)
    report_due = serializers.DateField(required=False)


class SupervisionItemViewSet(
    VersionedRetrieveMixin, SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Supervision items (督办事项) of the standing committee. ``sync/``: the changes since
    a cursor, scoped like the list."""

    base_queryset = SupervisionItem.objects.prefetch_related("departments")
    serializer_class = SupervisionSerializer
    pagination_class = CreatedCursorPagination
    sync_resource = "supervision_items"
    sync_fields = tuple(f for f in SupervisionSerializer.Meta.fields if f != "departments")

    def sync_transform(self, rows):
        """The responsible departments of the page: one query."""
        return _with_related_ids(
            rows, SupervisionItem.departments.through, "supervisionitem_id", "handlingunit_id", "departments"
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("timeline")
        return queryset

    def get_serializer_class(self):
        return SupervisionDetailSerializer if self.action == "retrieve" else SupervisionSerializer

    @extend_schema(
        request=ItemInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: SupervisionSerializer, **WRITE_RESPONSES},
    )
    @idempotent
    def create(self, request, format=None):
        """POST: list a supervision item (列入督办) in a region the user oversees."""
        shape = ItemInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        region = Region.objects.filter(pk=data["region"]).first()
        if region is None:
            raise exceptions.ValidationError({"region": [NOT_IN_SCOPE]})
        units = list(scoping.scoped(request.user, HandlingUnit.objects.filter(pk__in=data["departments"])))
        if len(units) != len(set(data["departments"])):
            raise exceptions.ValidationError({"departments": [NOT_IN_SCOPE]})
        item = services.supervision_item_create(
            actor=request.user,
            region=region,
            year=data["year"],
            title=data["title"],
            problems=data["problems"],
            departments=units,
            report_due=data["report_due"],
            source=data["source"],
        )
        return with_etag(
            Response(SupervisionSerializer(item).data, status=status.HTTP_201_CREATED), item.version
        )

    @extend_schema(
        request=SupervisionTransitionInput,
        parameters=[if_match_parameter(required=False), IDEMPOTENCY_KEY_PARAMETER],
        responses={200: SupervisionSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transitions(self, request, pk=None, format=None):
        """Apply one step (报告进展、报告办理结果、满意度测评、再督办、办结)."""
        record = SupervisionItem.objects.select_related("region").get(pk=self.get_object().pk)
        item = _apply(
            request,
            record,
            shape=SupervisionTransitionInput(data=request.data),
            table=SUPERVISION_TRANSITIONS,
            form_for=supervision_form,
            apply=lambda r, name, payload: services.supervision_transition(
                item=r, action=name, actor=request.user, **payload
            ),
            model=SupervisionItem,
        )
        item = SupervisionItem.objects.prefetch_related("departments").get(pk=item.pk)
        return with_etag(Response(SupervisionSerializer(item).data), item.version)
