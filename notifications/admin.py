from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "recipient__username", "recipient__full_name")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    ordering = ("-id",)
