"""Admin for regions and stations.

Regions use treebeard's TreeAdmin: its change list shows one level at a time and loads
children on demand (treebeard ≥ 5), so a city with thousands of villages stays light.
The stock MoveNodeForm, though, renders *every* node as an option of "relative to"; ours
offers only the nodes that can have children (city, county, township: a couple of
hundred per city instead of thousands) and checks that the new node's level fits its
place in the tree."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from stations.models import Region, RegionLevel, Station, StationFunding, StationStaff

SYNCED_READONLY = ("id", "created_at", "updated_at", "version")


class SyncedModelAdmin(admin.ModelAdmin):
    """Shows the sync bookkeeping fields read-only on the change form."""

    readonly_fields = SYNCED_READONLY


class RegionMoveNodeForm(MoveNodeForm):
    def _set_ref_model_queryset(self, opts, instance):
        super()._set_ref_model_queryset(opts, instance)
        field = self.fields["treebeard_ref_node"]
        field.queryset = field.queryset.filter(level__lt=RegionLevel.VILLAGE)

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("level")
        ref = cleaned.get("treebeard_ref_node")
        position = cleaned.get("treebeard_position")
        if level is None or position is None:
            return cleaned
        if ref is None:
            expected, where = RegionLevel.CITY, gettext("顶层")
        elif position == "sorted-child":
            expected, where = ref.level + 1, gettext("“{ref}”之下").format(ref=ref)
        else:
            expected, where = ref.level, gettext("与“{ref}”同级").format(ref=ref)
        if level != expected:
            self.add_error(
                "level",
                gettext("位于{where}的区域层级应为“{label}”。").format(
                    where=where, label=RegionLevel(expected).label
                )
                if expected in RegionLevel.values
                else gettext("“{ref}”之下不能再设下级区域。").format(ref=ref),
            )
        return cleaned


@admin.register(Region)
class RegionAdmin(TreeAdmin):
    form = movenodeform_factory(Region, form=RegionMoveNodeForm)
    list_display = ("name", "code", "level", "numchild")
    search_fields = ("name", "code")
    list_filter = ("level",)
    list_per_page = 100
    readonly_fields = ("path", "depth", "numchild")

    @admin.display(description=_("下级数量"))
    def numchild(self, obj: Region) -> int:
        return obj.numchild


class StationStaffInline(admin.TabularInline):
    model = StationStaff
    extra = 0
    fields = ("role", "name", "title", "phone", "employment", "is_active")


class StationFundingInline(admin.TabularInline):
    model = StationFunding
    extra = 0
    fields = ("year", "source", "amount", "note")


@admin.register(Station)
class StationAdmin(SyncedModelAdmin):
    ordering = ("name",)
    list_display = (
        "name",
        "kind",
        "parent",
        "region",
        "status",
        "established_on",
        "six_haves",
        "five_in_place",
    )
    list_select_related = ("parent", "region")
    list_filter = ("kind", "status", "region__level", "established_on")
    search_fields = ("name", "address", "region__name", "region__code")
    autocomplete_fields = ("parent", "region")
    inlines = (StationStaffInline, StationFundingInline)
    fieldsets = (
        (None, {"fields": ("name", "kind", "parent", "region", "status", "established_on", "themed_base")}),
        (_("位置"), {"fields": ("address", "latitude", "longitude")}),
        (_("六有"), {"fields": Station.SIX_HAVES}),
        (_("五到任"), {"fields": Station.FIVE_IN_PLACE}),
        (_("同步信息"), {"fields": SYNCED_READONLY, "classes": ("collapse",)}),
    )

    @admin.display(description=_("六有"))
    def six_haves(self, obj: Station) -> str:
        return f"{obj.six_haves_count}/6"

    @admin.display(description=_("五到任"))
    def five_in_place(self, obj: Station) -> str:
        return f"{obj.five_in_place_count}/5"


@admin.register(StationStaff)
class StationStaffAdmin(SyncedModelAdmin):
    ordering = ("station__name", "name")
    list_display = ("name", "role", "station", "title", "phone", "employment", "is_active")
    list_select_related = ("station",)
    list_filter = ("role", "employment", "is_active")
    search_fields = ("name", "phone", "station__name")
    autocomplete_fields = ("station",)


@admin.register(StationFunding)
class StationFundingAdmin(SyncedModelAdmin):
    ordering = ("-year", "station__name")
    list_display = ("station", "year", "source", "amount", "note")
    list_select_related = ("station",)
    list_filter = ("year", "source")
    search_fields = ("station__name", "note")
    autocomplete_fields = ("station",)
