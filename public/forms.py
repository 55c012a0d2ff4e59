"""Input of the public forms (validation only; the rules are in ``public.services``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from suggestions.models import Ticket

SATISFACTION_CHOICES = [
    (Ticket.Satisfaction.SATISFIED.value, _("满意")),
    (Ticket.Satisfaction.BASICALLY.value, _("基本满意")),
    (Ticket.Satisfaction.UNSATISFIED.value, _("不满意")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class SubmitForm(forms.Form):
    form_token = forms.UUIDField(widget=forms.HiddenInput)
    category = forms.ModelChoiceField(queryset=None, label=_("类别"), empty_label=_("请选择"))
    village = forms.ModelChoiceField(
        queryset=None, label=_("所在村（社区）"), required=False, empty_label=_("（不选）")
    )
    content = forms.CharField(
        label=_("意见建议内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=2000
    )
    photos = MultiplePhotoField(
        label=_("照片（可选，最多3张，每张不超过5MB）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    citizen_name = forms.CharField(label=_("姓名"), max_length=50)
    citizen_phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    consent = forms.BooleanField(label=_("我已阅读并同意《个人信息处理告知》"), required=False)
    consent_to_share = forms.BooleanField(
        label=_("同意将我的姓名和电话提供给承办单位（不同意的，按匿名方式交办）"), required=False
    )
    # the honeypot: hidden from people by the stylesheet, filled in by bots
    website = forms.CharField(label=_("网址（请留空）"), required=False)

    def __init__(self, *args, categories, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["village"].queryset = villages
        self.fields["photos"].required = False


class TrackForm(forms.Form):
    tracking_code = forms.CharField(label=_("查询码"), max_length=40)
    phone_last4 = forms.CharField(
        label=_("手机号后四位"),
        min_length=4,
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    sms_code = forms.CharField(
        label=_("或：短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RateForm(TrackForm):
    phone_last4 = forms.CharField(min_length=4, max_length=4)
    satisfaction = forms.ChoiceField(
        label=_("您对答复的评价"), choices=SATISFACTION_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
