"""Reception sessions (with their attendance) and attendances over the API (read and sync;
receptions are recorded on the page, through ``visits.services.reception_record``)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins, serializers

from liaison import filters
from liaison.api import CreatedCursorPagination, ScopedViewSet, SyncMixin, VersionedRetrieveMixin
from visits.models import Attendance, ReceptionSession


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


class ReceptionFilter(filters.StrictFilterSet):
    station = filters.UUIDFilter()
    starts_after = filters.InstantFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = filters.InstantFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = ReceptionSession
        fields = ["station", "kind", "status"]


class ReceptionViewSet(
    VersionedRetrieveMixin, SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Reception sessions (接待活动): reception days, door-to-door and online receptions."""

    base_queryset = ReceptionSession.objects.prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.order_by("created_at", "pk"))
    )
    serializer_class = ReceptionSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = ReceptionFilter
    sync_resource = "receptions"
    sync_fields = RECEPTION_FIELDS


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
