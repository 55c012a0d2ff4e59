from django.contrib import admin

from reports.models import ReportSnapshot


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    list_display = ["title", "scope_label", "period_start", "period_end", "as_of", "created_by"]
    list_select_related = ["created_by"]
    search_fields = ["title", "scope_label"]
    date_hierarchy = "as_of"
    readonly_fields = [f.name for f in ReportSnapshot._meta.fields]
    raw_id_fields = ["region", "station", "handling_unit", "deputy"]

    def has_add_permission(self, request):
        return False  # a snapshot is made by reports.services.report_snapshot_create

    def has_change_permission(self, request, obj=None):
        return False
