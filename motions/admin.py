"""Admin: the congress sessions (人代会会议) the county office numbers suggestions under.
Suggestions and supervision items are run from their own pages (``/motions/``)."""

from django.contrib import admin

from motions.models import CongressSession


@admin.register(CongressSession)
class CongressSessionAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "opens_on", "closes_on", "last_number")
    list_select_related = ("region",)
    search_fields = ("name", "region__name")
    autocomplete_fields = ("region",)
    readonly_fields = ("last_number",)
