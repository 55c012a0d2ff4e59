"""Admin for reception sessions and who attended them."""

from django.contrib import admin

from stations.admin import SyncedModelAdmin
from visits.models import Attendance, ExportJob, ReceptionAttachment, ReceptionSession, ReceptionSlot


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("role", "deputy", "cadre", "guest_name", "guest_title", "present")
    autocomplete_fields = ("deputy", "cadre")


@admin.register(ReceptionSession)
class ReceptionSessionAdmin(SyncedModelAdmin):
    list_display = ("starts_at", "station", "kind", "theme", "citizens_received", "status", "created_by")
    list_select_related = ("station", "created_by")
    list_filter = ("kind", "status", "theme_kind", "starts_at")
    search_fields = ("theme", "notes", "station__name")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("station", "created_by")
    inlines = (AttendanceInline,)
    ordering = ("-starts_at",)


@admin.register(Attendance)
class AttendanceAdmin(SyncedModelAdmin):
    ordering = ("-session__starts_at",)
    list_display = ("__str__", "role", "session", "present")
    list_select_related = ("session__station", "deputy", "cadre")
    list_filter = ("role", "present")
    search_fields = ("deputy__name", "cadre__name", "guest_name", "session__station__name")
    autocomplete_fields = ("session", "deputy", "cadre")


@admin.register(ReceptionSlot)
class ReceptionSlotAdmin(SyncedModelAdmin):
    list_display = ("date", "starts", "ends", "station", "note")
    list_select_related = ("station",)
    date_hierarchy = "date"
    search_fields = ("station__name", "note")
    autocomplete_fields = ("station",)
    raw_id_fields = ("deputies",)
    ordering = ("-date", "starts")


@admin.register(ReceptionAttachment)
class ReceptionAttachmentAdmin(SyncedModelAdmin):
    list_display = ("original_name", "kind", "content_type", "size", "session")
    list_select_related = ("session__station",)
    list_filter = ("kind", "content_type")
    autocomplete_fields = ("session", "uploaded_by")
    ordering = ("-created_at",)


@admin.register(ExportJob)
class ExportJobAdmin(SyncedModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "__str__",
        "format",
        "station",
        "created_by",
        "status",
        "progress",
        "row_count",
    )
    list_select_related = ("station", "created_by")
    list_filter = ("kind", "status", "book", "format")
    ordering = ("-created_at",)
    readonly_fields = (*SyncedModelAdmin.readonly_fields, "error")
    autocomplete_fields = ("station", "created_by")

    def has_add_permission(self, request) -> bool:
        return False  # exports are made from the ledger page
