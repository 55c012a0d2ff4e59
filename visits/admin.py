"""Admin for reception sessions and who attended them."""

from django.contrib import admin

from stations.admin import SyncedModelAdmin
from visits.models import Attendance, ReceptionSession


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
