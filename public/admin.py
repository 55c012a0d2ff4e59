from django.contrib import admin

from public.models import DeputyPhoto, OnlineSubmission, StationPublication


@admin.register(StationPublication)
class StationPublicationAdmin(admin.ModelAdmin):
    list_display = ("station", "opening_hours", "publishes_requests")
    list_filter = ("publishes_requests",)
    autocomplete_fields = ("station",)


@admin.register(DeputyPhoto)
class DeputyPhotoAdmin(admin.ModelAdmin):
    list_display = ("deputy",)
    autocomplete_fields = ("deputy",)


@admin.register(OnlineSubmission)
class OnlineSubmissionAdmin(admin.ModelAdmin):
    """The consent records; read-only (they are evidence of what the citizen agreed to)."""

    list_display = ("ticket", "notice_version", "consented_at", "consent_to_share")
    fields = readonly_fields = ("ticket", "notice_version", "consented_at", "purpose", "consent_to_share")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
