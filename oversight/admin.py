"""The evaluation schemes a county or city configures (indicators, weights, thresholds)."""

from django.contrib import admin

from oversight.models import (
    EvaluationScheme,
    FileEntry,
    Indicator,
    Inspection,
    InspectionFinding,
    StarCriterion,
    StarRule,
)


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


class InspectionFindingInline(admin.TabularInline):
    model = InspectionFinding
    extra = 11


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """Inspection visits with their checklist of the six haves and five in place."""

    list_display = ("station", "visited_on", "inspectors")
    list_filter = ("visited_on",)
    raw_id_fields = ("station",)
    readonly_fields = ("recorded_by",)
    inlines = [InspectionFindingInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class StarCriterionInline(admin.TabularInline):
    model = StarCriterion
    extra = 4


@admin.register(StarRule)
class StarRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "year")
    list_filter = ("year",)
    autocomplete_fields = ("region",)
    inlines = [StarCriterionInline]
