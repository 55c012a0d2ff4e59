"""Admin for opinion categories, handling units and tickets.

Citizens' personal data follows ``liaison.scoping.can_see_citizen_data``: system admins
see it masked. The ticket list and change form therefore show masked values only; the
raw fields are editable on the add form alone (typing data in is not viewing it)."""

from django.contrib import admin

from stations.admin import SYNCED_READONLY, SyncedModelAdmin
from suggestions.models import Category, HandlingUnit, Ticket

CITIZEN_FIELDS = ("citizen_name", "citizen_phone", "citizen_address", "citizen_id_number")
MASKED_CITIZEN_FIELDS = tuple(f"masked_{name}" for name in CITIZEN_FIELDS)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(HandlingUnit)
class HandlingUnitAdmin(SyncedModelAdmin):
    ordering = ("name",)
    list_display = ("name", "kind", "region", "is_active")
    list_select_related = ("region",)
    list_filter = ("kind", "is_active", "region__level")
    search_fields = ("name", "region__name")
    autocomplete_fields = ("region",)


@admin.register(Ticket)
class TicketAdmin(SyncedModelAdmin):
    list_display = (
        "received_at",
        "station",
        "category",
        "content_excerpt",
        "citizen",
        "status",
        "tier",
        "handling_unit",
        "due_on",
    )
    list_select_related = ("station", "category", "handling_unit")
    list_filter = ("status", "tier", "category", "consent_to_share", "received_at")
    search_fields = ("content", "station__name", "handling_unit__name")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
    autocomplete_fields = (
        "station",
        "reception",
        "village",
        "received_by_deputy",
        "received_by_cadre",
        "handling_unit",
        "created_by",
    )
    fieldsets = (
        (None, {"fields": ("station", "reception", "village", "category", "content", "received_at")}),
        ("群众信息", {"fields": CITIZEN_FIELDS + ("consent_to_share",)}),
        ("接待", {"fields": ("received_by_deputy", "received_by_cadre", "on_the_spot_action")}),
        ("办理", {"fields": ("status", "tier", "handling_unit", "due_on", "closed_at", "created_by")}),
        ("同步信息", {"fields": SYNCED_READONLY, "classes": ("collapse",)}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return tuple(
            (name, {**opts, "fields": MASKED_CITIZEN_FIELDS + ("consent_to_share",)})
            if name == "群众信息"
            else (name, opts)
            for name, opts in self.fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *MASKED_CITIZEN_FIELDS) if obj is not None else fields

    @admin.display(description="群众姓名")
    def masked_citizen_name(self, obj: Ticket) -> str:
        return obj.masked_citizen_name

    @admin.display(description="联系电话")
    def masked_citizen_phone(self, obj: Ticket) -> str:
        return obj.masked_citizen_phone

    @admin.display(description="住址")
    def masked_citizen_address(self, obj: Ticket) -> str:
        return obj.masked_citizen_address

    @admin.display(description="身份证号")
    def masked_citizen_id_number(self, obj: Ticket) -> str:
        return obj.masked_citizen_id_number

    @admin.display(description="内容")
    def content_excerpt(self, obj: Ticket) -> str:
        return obj.content[:30]

    @admin.display(description="群众")
    def citizen(self, obj: Ticket) -> str:
        return obj.masked_citizen_name
