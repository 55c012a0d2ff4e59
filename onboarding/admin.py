from django.contrib import admin

from onboarding.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """The import log, read-only: who imported which file, when, with what result."""

    list_display = (
        "created_at",
        "kind",
        "original_name",
        "created_by",
        "status",
        "created_count",
        "updated_count",
        "problem_count",
    )
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    search_fields = ("original_name", "created_by__username", "sha256")
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
