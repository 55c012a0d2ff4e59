"""Admin for deputies, their mandates, deputy groups and leading cadres.

There are 11,386 deputies in one city: every foreign key to a deputy, a station or a
region is an autocomplete, never a plain select."""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy, DeputyGroup, LeadingCadre, Mandate
from stations.admin import SYNCED_READONLY, SyncedModelAdmin


class MandateInline(admin.TabularInline):
    model = Mandate
    extra = 0
    fields = ("level", "term", "congress_region", "constituency", "started_on", "ended_on", "status")
    autocomplete_fields = ("congress_region",)


@admin.register(Deputy)
class DeputyAdmin(SyncedModelAdmin):
    ordering = ("name",)
    list_display = ("name", "gender", "birth_year", "levels", "home_station", "group", "phone_masked")
    list_select_related = ("home_station", "group")
    list_filter = ("gender", "mandates__level", "mandates__status")
    search_fields = ("name", "phone", "occupation", "home_station__name")
    autocomplete_fields = ("home_station", "group")
    inlines = (MandateInline,)
    fieldsets = (
        (None, {"fields": ("name", "gender", "birth_year", "ethnicity", "occupation", "phone")}),
        (_("编组"), {"fields": ("home_station", "group")}),
        (_("同步信息"), {"fields": SYNCED_READONLY, "classes": ("collapse",)}),
    )

    def get_queryset(self, request) -> QuerySet:
        # One extra query for the whole page's mandates, not one per row.
        return super().get_queryset(request).prefetch_related("mandates")

    @admin.display(description=_("代表层级"))
    def levels(self, obj: Deputy) -> str:
        return "、".join(sorted({m.get_level_display() for m in obj.mandates.all()}))

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj: Deputy) -> str:
        return obj.masked_phone


@admin.register(Mandate)
class MandateAdmin(SyncedModelAdmin):
    ordering = ("-started_on", "deputy__name")
    list_display = (
        "deputy",
        "level",
        "term",
        "congress_region",
        "constituency",
        "started_on",
        "ended_on",
        "status",
    )
    list_select_related = ("deputy", "congress_region")
    list_filter = ("level", "status", "term")
    search_fields = ("deputy__name", "constituency", "congress_region__name")
    autocomplete_fields = ("deputy", "congress_region")


@admin.register(DeputyGroup)
class DeputyGroupAdmin(SyncedModelAdmin):
    ordering = ("name",)
    list_display = ("name", "station", "leader")
    list_select_related = ("station", "leader")
    search_fields = ("name", "station__name", "leader__name")
    autocomplete_fields = ("station", "leader")


@admin.register(LeadingCadre)
class LeadingCadreAdmin(SyncedModelAdmin):
    ordering = ("name",)
    list_display = ("name", "title", "level", "region", "phone_masked")
    list_select_related = ("region",)
    list_filter = ("level",)
    search_fields = ("name", "title", "region__name")
    autocomplete_fields = ("region",)

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj: LeadingCadre) -> str:
        return obj.masked_phone
