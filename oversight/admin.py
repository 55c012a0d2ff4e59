"""The evaluation schemes a county or city configures (indicators, weights, thresholds)."""

from django.contrib import admin

from oversight.models import EvaluationScheme, FileEntry, Indicator


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 3


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "year", "excellent_min", "competent_min", "basic_min")
    list_filter = ("year",)
    autocomplete_fields = ("region",)
    inlines = [IndicatorInline]


@admin.register(FileEntry)
class FileEntryAdmin(admin.ModelAdmin):
    list_display = ("deputy", "kind", "occurred_on", "title", "status")
    list_filter = ("kind", "status")
    raw_id_fields = ("deputy",)
    readonly_fields = ("submitted_by", "submitted_at", "reviewed_by", "reviewed_at")
