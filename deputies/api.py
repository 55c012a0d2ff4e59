"""Deputies (with their mandates and group), mandates and deputy groups over the API.
A deputy's phone is masked unless ``scoping.deputy_contact_q`` allows it."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, Value
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers

from deputies.models import Deputy, DeputyGroup, Level, Mandate
from liaison import filters, scoping
from liaison.api import CreatedCursorPagination, ScopedViewSet, SyncMixin, VersionedRetrieveMixin
from liaison.masking import mask_phone


def with_contact_visibility(user, queryset):
    q = scoping.deputy_contact_q(user)
    if q is None:
        expression = Value(False)
    elif q == Q():
        expression = Value(True)
    else:
        expression = ExpressionWrapper(q, output_field=BooleanField())
    return queryset.annotate(contact_visible=expression)


class MandateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mandate
        fields = [
            "id",
            "deputy",
            "level",
            "term",
            "congress_region",
            "constituency",
            "started_on",
            "ended_on",
            "status",
            "created_at",
            "updated_at",
            "version",
        ]


DEPUTY_FIELDS = (
    "id",
    "name",
    "gender",
    "birth_year",
    "ethnicity",
    "occupation",
    "phone",
    "home_station",
    "group",
    "created_at",
    "updated_at",
    "version",
)


class DeputySerializer(serializers.ModelSerializer):
    mandates = MandateSerializer(many=True, read_only=True)

    class Meta:
        model = Deputy
        fields = [*DEPUTY_FIELDS, "mandates"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "contact_visible", False):
            data["phone"] = mask_phone(data["phone"])
        return data


class DeputyFilter(filters.StrictFilterSet):
    home_station = filters.UUIDFilter()
    group = filters.UUIDFilter()
    level = filters.ChoiceFilter(choices=Level.choices, method="filter_level", label=_("代表层级"))

    class Meta:
        model = Deputy
        fields = ["home_station", "group", "gender"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(pk__in=Mandate.objects.filter(level=value).values("deputy"))


class DeputyViewSet(
    VersionedRetrieveMixin, SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Deputies (人大代表) with their mandates (one per level held)."""

    base_queryset = Deputy.objects.prefetch_related(
        Prefetch("mandates", queryset=Mandate.objects.order_by("level", "started_on"))
    )
    serializer_class = DeputySerializer
    pagination_class = CreatedCursorPagination
    filterset_class = DeputyFilter
    sync_resource = "deputies"
    sync_fields = (*DEPUTY_FIELDS, "contact_visible")

    def filter_queryset(self, queryset):
        return with_contact_visibility(self.request.user, super().filter_queryset(queryset))

    def sync_transform(self, rows):
        for r in rows:
            if not r.pop("contact_visible"):
                r["phone"] = mask_phone(r["phone"])
        return rows


class MandateFilter(filters.StrictFilterSet):
    deputy = filters.UUIDFilter()

    class Meta:
        model = Mandate
        fields = ["deputy", "level", "status"]


class MandateViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Mandates (代表资格): also nested in each deputy; a feed of their own for sync."""

    base_queryset = Mandate.objects.all()
    serializer_class = MandateSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = MandateFilter
    sync_resource = "mandates"
    sync_fields = tuple(MandateSerializer.Meta.fields)


class DeputyGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeputyGroup
        fields = ["id", "station", "name", "leader", "created_at", "updated_at", "version"]


class DeputyGroupFilter(filters.StrictFilterSet):
    station = filters.UUIDFilter()

    class Meta:
        model = DeputyGroup
        fields = ["station"]


class DeputyGroupViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Deputy groups (代表小组) of a station; members are the deputies whose ``group`` it is."""

    base_queryset = DeputyGroup.objects.all()
    serializer_class = DeputyGroupSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = DeputyGroupFilter
    sync_resource = "deputy_groups"
    sync_fields = tuple(DeputyGroupSerializer.Meta.fields)
