"""Input of the oversight pages (validation only; the services write)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from liaison.uploads import ATTACHMENT_TYPES, attachment_check
from oversight.models import EntryKind, Grade


class FileEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项类别"), choices=[(v, _(label)) for v, label in EntryKind.choices])
    occurred_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("事项"), max_length=200)
    source = forms.CharField(label=_("来源"), max_length=200, help_text=_("如会议通知、签到表、建议编号"))
    evidence = forms.FileField(
        label=_("佐证材料"), required=False, help_text=_("JPG、PNG 照片或 PDF，不超过 10 MB")
    )
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_occurred_on(self) -> dt.date:
        day = self.cleaned_data["occurred_on"]
        if day.year != self.year:
            raise ValidationError(_("日期应在%(year)s年内。") % {"year": self.year})
        return day

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            self.evidence_type = attachment_check(upload)
            # stored under a name of our making: the sniffed type's extension, never the uploader's
            upload.name = f"evidence.{ATTACHMENT_TYPES[self.evidence_type]}"
        return upload


class OverrideForm(forms.Form):
    result = forms.UUIDField(widget=forms.HiddenInput)
    grade = forms.ChoiceField(label=_("最终等次"), choices=[(v, _(label)) for v, label in Grade.choices])
    reason = forms.CharField(label=_("调整理由"), max_length=500, required=False)
