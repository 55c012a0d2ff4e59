from django.contrib import admin

from notifications.models import ChannelPreference, Notification, Reminder


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "recipient__username", "recipient__full_name")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    ordering = ("-id",)


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email", "sms")
    list_select_related = ("user",)
    list_filter = ("kind", "email", "sms")
    search_fields = ("user__username", "user__full_name")
    raw_id_fields = ("user",)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What the reminder job has sent (read-only: a row deleted here would be sent again)."""

    list_display = ("sent_at", "kind", "subject", "for_date")
    list_filter = ("kind", "for_date")
    date_hierarchy = "sent_at"
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
