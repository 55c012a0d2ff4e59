"""Admin for users, their role assignments, the personal-data access log and the audit
trail's event pages. Admins see citizens' personal data masked on every page here
(``liaison.scoping.can_see_citizen_data`` gives admins no full view)."""

import json

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin as PghistoryEventsAdmin

from accounts.models import (
    ROLE_REGION_LEVEL,
    ROLE_SCOPE_FIELD,
    SCOPE_FIELDS,
    PersonalDataAccess,
    Role,
    RoleAssignment,
    User,
)
from liaison.masking import mask_citizen_fields, mask_name


class RoleAssignmentForm(forms.ModelForm):
    """Checks the scope against the role (``ROLE_SCOPE_FIELD``) so a mismatch is a form
    error in plain words, not the database's check-constraint violation."""

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "station", "region", "deputy", "handling_unit", "is_active")

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if not role:
            return cleaned
        role = Role(role)
        scope_field = ROLE_SCOPE_FIELD[role]
        labels = {f: RoleAssignment._meta.get_field(f).verbose_name for f in SCOPE_FIELDS}
        for name in SCOPE_FIELDS:
            if name != scope_field and cleaned.get(name) is not None:
                if scope_field is None:
                    message = gettext("角色“{label}”不限定范围，请清空“{value}”。").format(
                        label=role.label, value=labels[name]
                    )
                else:
                    message = gettext("角色“{label}”只能指定{value}，请清空“{value2}”。").format(
                        label=role.label, value=labels[scope_field], value2=labels[name]
                    )
                self.add_error(name, message)
        if scope_field and cleaned.get(scope_field) is None and scope_field not in self.errors:
            self.add_error(
                scope_field,
                gettext("角色“{label}”须指定{value}。").format(label=role.label, value=labels[scope_field]),
            )
        region = cleaned.get("region")
        expected_level = ROLE_REGION_LEVEL.get(role)
        if (
            region is not None
            and expected_level
            and region.level != expected_level
            and "region" not in self.errors
        ):
            self.add_error(
                "region",
                gettext("角色“{label}”的区域应为{label2}一级。").format(
                    label=role.label, label2=expected_level.label
                ),
            )
        return cleaned


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    fk_name = "user"
    extra = 0
    fields = ("role", "station", "region", "deputy", "handling_unit", "is_active")
    autocomplete_fields = ("station", "region", "deputy", "handling_unit")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "phone", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "full_name", "phone", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        (_("个人信息"), {"fields": ("full_name", "phone", "email")}),
        *DjangoUserAdmin.fieldsets[2:],
        (_("账号安全"), {"fields": ("must_change_password", "password_changed_at")}),
    )
    readonly_fields = ("password_changed_at",)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "phone", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = (RoleAssignmentInline,)

    def save_model(self, request, obj, form, change):
        if not change:  # an account made here chooses its own password at first sign-in
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    ordering = ("-created_at",)
    form = RoleAssignmentForm
    list_display = ("user", "role", "scope", "is_active", "created_at")
    list_select_related = ("user", "station", "region", "deputy", "handling_unit")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__full_name", "station__name", "region__name", "deputy__name")
    autocomplete_fields = ("user", "station", "region", "deputy", "handling_unit")
    readonly_fields = ("created_at",)

    @admin.display(description=_("范围"))
    def scope(self, obj: RoleAssignment) -> str:
        scope = obj.station or obj.region or obj.deputy or obj.handling_unit
        return str(scope) if scope else "—"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The PIPL access log: read-only for everyone, superusers included. The citizen's
    name is shown masked (searching by the full name still finds the rows)."""

    list_display = ("viewed_at", "user", "masked_citizen_name", "ticket_id", "fields", "client", "ip_address")
    fields = ("viewed_at", "user", "masked_citizen_name", "ticket_id", "fields", "client", "ip_address")
    readonly_fields = fields
    list_select_related = ("user",)
    list_filter = ("client", "viewed_at")
    search_fields = ("user__username", "user__full_name", "citizen_name", "=ticket_id")
    date_hierarchy = "viewed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("群众姓名"))
    def masked_citizen_name(self, obj: PersonalDataAccess) -> str:
        return mask_name(obj.citizen_name)


def _masked_event_data(value):
    """An event's row (``pgh_data``: field → value) or diff (field → [before, after]) with
    the citizen fields masked."""
    if not isinstance(value, dict):
        return value
    masked = {}
    for key, item in value.items():
        if isinstance(item, list):
            masked[key] = [mask_citizen_fields({key: v})[key] for v in item]
        else:
            masked[key] = mask_citizen_fields({key: item})[key]
    return masked


def _as_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, default=str))


class EventsAdmin(PghistoryEventsAdmin):
    """django-pghistory's events pages (``PGHISTORY_ADMIN_CLASS``), with citizens' data in
    the recorded rows and diffs masked."""

    def get_list_display(self, request):
        return [("masked_diff" if f == "pgh_diff" else f) for f in super().get_list_display(request)]

    def get_fields(self, request, obj=None):
        masked = {"pgh_data": "masked_data", "pgh_diff": "masked_diff"}
        return list(dict.fromkeys(masked.get(f, f) for f in super().get_fields(request, obj)))

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "masked_data", "masked_diff")

    @admin.display(description="pgh data")
    def masked_data(self, obj) -> str:
        return _as_json(_masked_event_data(obj.pgh_data))

    @admin.display(description="pgh diff")
    def masked_diff(self, obj) -> str:
        return _as_json(_masked_event_data(obj.pgh_diff))


# 等保: the admin site requires a verified second factor of superusers (django-otp), when
# two-factor sign-in is required (``TWO_FACTOR_REQUIRED``); AccountStepsMiddleware sends
# them to set it up first.
def _admin_has_permission(request) -> bool:
    if not admin.AdminSite.has_permission(admin.site, request):
        return False
    user = request.user
    if settings.TWO_FACTOR_REQUIRED and user.is_superuser:
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
    return True


admin.site.has_permission = _admin_has_permission
