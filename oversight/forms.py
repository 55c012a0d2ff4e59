"""Input of the oversight pages (validation only; the services write)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.uploads import ATTACHMENT_TYPES, attachment_check
from oversight.models import ChecklistItem, EntryKind, Grade


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


class InspectionForm(forms.Form):
    """An inspection visit with its checklist: for each item of the six haves / five in
    place, met or not, what was found, a photo and (for a problem) the deadline to fix it."""

    station = forms.ChoiceField(label=_("联络站（点）"))
    visited_on = forms.DateField(label=_("检查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    inspectors = forms.CharField(label=_("检查人员"), max_length=200, help_text=_("姓名，多人用顿号分隔"))
    notes = forms.CharField(label=_("检查情况"), required=False, max_length=5000, widget=forms.Textarea)
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    RESULT_CHOICES = (("1", _("达标")), ("0", _("不达标")))

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [("", "—")] + [(str(s.pk), s.name) for s in stations]
        for value, label in ChecklistItem.choices:
            self.fields[f"{value}_passed"] = forms.ChoiceField(
                label=label, choices=self.RESULT_CHOICES, initial="1", widget=forms.RadioSelect
            )
            self.fields[f"{value}_finding"] = forms.CharField(
                label=_("检查发现"), required=False, max_length=500
            )
            self.fields[f"{value}_fix_by"] = forms.DateField(
                label=_("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"{value}_photo"] = forms.FileField(
                label=_("照片"), required=False, help_text=_("JPG、PNG 照片，不超过 10 MB")
            )

    def items(self):
        """The checklist rows for the template: (label, passed, finding, fix_by, photo)."""
        for value, label in ChecklistItem.choices:
            yield {
                "value": value,
                "label": label,
                "passed": self[f"{value}_passed"],
                "finding": self[f"{value}_finding"],
                "fix_by": self[f"{value}_fix_by"],
                "photo": self[f"{value}_photo"],
            }

    def clean(self):
        data = super().clean()
        for value, label in ChecklistItem.choices:
            passed = data.get(f"{value}_passed") == "1"
            if not passed and not (data.get(f"{value}_finding") or "").strip():
                self.add_error(
                    f"{value}_finding", _("“%(item)s”不达标，请填写检查发现的问题。") % {"item": label}
                )
            fix_by, visited_on = data.get(f"{value}_fix_by"), data.get("visited_on")
            if not passed and fix_by and visited_on and fix_by < visited_on:
                self.add_error(f"{value}_fix_by", _("整改期限不能早于检查日期。"))
            upload = data.get(f"{value}_photo")
            if upload:
                try:
                    content_type = attachment_check(upload)
                except ValidationError as exc:
                    self.add_error(f"{value}_photo", exc)
                    continue
                if not content_type.startswith("image/"):
                    self.add_error(f"{value}_photo", _("请上传 JPG 或 PNG 照片。"))
                    continue
                upload.name = f"photo.{ATTACHMENT_TYPES[content_type]}"
        return data

    def clean_visited_on(self) -> dt.date:
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise ValidationError(_("检查日期不能晚于今天。"))
        return day

    def findings(self):
        from oversight.inspections import FindingInput

        data = self.cleaned_data
        return [
            FindingInput(
                item=value,
                passed=data.get(f"{value}_passed") == "1",
                finding=data.get(f"{value}_finding") or "",
                fix_by=data.get(f"{value}_fix_by"),
                photo=data.get(f"{value}_photo"),
            )
            for value in ChecklistItem.values
        ]


class FixForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    fixed_on = forms.DateField(label=_("整改完成日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("整改情况"), max_length=500)
