"""Admin for opinion categories, handling units and tickets.

Citizens' personal data follows ``liaison.scoping.can_see_citizen_data``: system admins
see it masked. The ticket list and change form therefore show masked values only; the
raw fields are editable on the add form alone (typing data in is not viewing it)."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from liaison.masking import CITIZEN_FIELDS
from stations.admin import SYNCED_READONLY, SyncedModelAdmin
from suggestions.models import (
    Attachment,
    CalendarDay,
    Category,
    Delivery,
    HandlingUnit,
    Reply,
    Ticket,
    TimelineEvent,
)

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
        "merged_into",
        "created_by",
    )
    fieldsets = (
        (None, {"fields": ("station", "reception", "village", "category", "content", "received_at")}),
        (_("群众信息"), {"fields": CITIZEN_FIELDS + ("consent_to_share",)}),
        (_("接待"), {"fields": ("received_by_deputy", "received_by_cadre", "on_the_spot_action")}),
        (
            _("办理"),
            {
                "fields": (
                    "status",
                    "tier",
                    "handling_unit",
                    "due_on",
                    "closed_at",
                    "satisfaction",
                    "reopen_count",
                    "merged_into",
                    "escalation_level",
                    "created_by",
                )
            },
        ),
        (_("同步信息"), {"fields": SYNCED_READONLY, "classes": ("collapse",)}),
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

    @admin.display(description=_("群众姓名"))
    def masked_citizen_name(self, obj: Ticket) -> str:
        return obj.masked_citizen_name

    @admin.display(description=_("联系电话"))
    def masked_citizen_phone(self, obj: Ticket) -> str:
        return obj.masked_citizen_phone

    @admin.display(description=_("住址"))
    def masked_citizen_address(self, obj: Ticket) -> str:
        return obj.masked_citizen_address

    @admin.display(description=_("身份证号"))
    def masked_citizen_id_number(self, obj: Ticket) -> str:
        return obj.masked_citizen_id_number

    @admin.display(description=_("内容"))
    def content_excerpt(self, obj: Ticket) -> str:
        return obj.content[:30]

    @admin.display(description=_("群众"))
    def citizen(self, obj: Ticket) -> str:
        return obj.masked_citizen_name


class ReadOnlyAdmin(admin.ModelAdmin):
    """The workflow's records are written by suggestions.services only: the admin shows
    them and never changes or deletes them (the timeline is append-only in the database too)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "ticket", "action", "from_status", "to_status", "actor")
    list_select_related = ("ticket__category", "actor")
    list_filter = ("action", "to_status")
    date_hierarchy = "at"
    ordering = ("-at",)
    search_fields = ("ticket__id", "comment")
    show_full_result_count = False


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "handling_unit", "author")
    list_select_related = ("ticket__category", "handling_unit", "author")
    ordering = ("-created_at",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("delivered_at", "ticket", "channel", "satisfaction", "delivered_by")
    list_select_related = ("ticket__category", "delivered_by")
    list_filter = ("channel", "satisfaction")
    ordering = ("-delivered_at",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "content_type", "size", "event")
    list_select_related = ("event",)


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year")
        return [(str(d.year), gettext("{year}年").format(year=d.year)) for d in years]

    def queryset(self, request, queryset):
        return queryset.filter(date__year=int(self.value())) if self.value() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The official calendar: correct a day here when the State Council's notice differs
    from what was loaded (``manage.py load_calendar --years Y Y`` loads a new year)."""

    list_display = ("date", "weekday", "is_working_day", "note")
    list_editable = ("is_working_day", "note")
    list_filter = (YearFilter, "is_working_day")
    search_fields = ("note",)
    date_hierarchy = "date"
    ordering = ("date",)
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]
