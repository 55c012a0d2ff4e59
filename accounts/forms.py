"""Forms of the user-management and two-factor pages (validation only: the services
decide who may grant what)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLE_REGION_LEVEL, ROLE_SCOPE_FIELD, Role, User
from deputies.models import Deputy
from liaison import scoping
from liaison.pickers import PickerSelect
from stations.models import Region, RegionLevel, Station
from suggestions.models import HandlingUnit


def grantable_roles(actor: User) -> list[tuple[str, str]]:
    """The roles ``actor`` may grant somewhere (the choice list; the scope is checked by
    ``liaison.scoping.can_grant_role`` in the service)."""
    roles = scoping.GRANTABLE_INSIDE + scoping.GRANTABLE_STRICTLY_INSIDE
    is_admin = scoping.scope_for(actor).is_admin
    # the labels are Chinese in the model; English from accounts/locale
    return [(value, gettext(label)) for value, label in Role.choices if is_admin or value in roles]


class RoleScopeForm(forms.Form):
    """A role and the one scope it is bound to, chosen among records in the actor's scope."""

    role = forms.ChoiceField(label=_("角色"))
    station = forms.ModelChoiceField(
        label=_("联络站"), queryset=Station.objects.none(), required=False, widget=PickerSelect("stations")
    )
    region = forms.ModelChoiceField(
        label=_("区域（站长：乡镇；县级工作人员：县）"),
        queryset=Region.objects.none(),
        required=False,
        widget=PickerSelect("regions"),
    )
    deputy = forms.ModelChoiceField(
        label=_("人大代表"), queryset=Deputy.objects.none(), required=False, widget=PickerSelect("deputies")
    )
    handling_unit = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=HandlingUnit.objects.none(),
        required=False,
        widget=PickerSelect("units"),
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["role"].choices = grantable_roles(actor)
        self.fields["station"].queryset = scoping.scoped(actor, Station.objects.select_related("region"))
        self.fields["region"].queryset = scoping.scoped(
            actor,
            Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP]),
        ).order_by("path")
        self.fields["deputy"].queryset = scoping.scoped(
            actor, Deputy.objects.select_related("home_station__region")
        )
        self.fields["handling_unit"].queryset = scoping.scoped(
            actor, HandlingUnit.objects.select_related("region")
        )

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if not role:
            return cleaned
        wanted = ROLE_SCOPE_FIELD[Role(role)]
        for name in ("station", "region", "deputy", "handling_unit"):
            if name != wanted:
                cleaned[name] = None  # only the role's own scope counts
        if wanted and cleaned.get(wanted) is None and wanted not in self.errors:
            self.add_error(wanted, _("这一角色须选择范围。"))
        level = ROLE_REGION_LEVEL.get(Role(role))
        region = cleaned.get("region")
        if wanted == "region" and region is not None and level and region.level != level:
            self.add_error("region", _("这一角色的区域级别不对：应为%(level)s。") % {"level": level.label})
        return cleaned

    def scope(self) -> dict:
        return {
            name: self.cleaned_data.get(name) for name in ("station", "region", "deputy", "handling_unit")
        }


class AccountCreateForm(RoleScopeForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)

    field_order = ["username", "full_name", "phone", "role", "station", "region", "deputy", "handling_unit"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
            raise forms.ValidationError(_("手机号应为 11 位数字。"))
        return phone


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("身份验证器应用中的 6 位数字；手机不在身边时，可填一个恢复码。"),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())
