"""Forms of the reception pages: validation only; the writes are in visits.services."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext, gettext_lazy

from liaison.pickers import PickerSelect, PickerSelectMultiple
from liaison.uploads import ATTACHMENT_MAX_BYTES, attachment_check
from visits.models import Attendance, ExportJob, ReceptionSession
from visits.selectors import ReceptionChoices
from visits.services import (
    CITIZENS_RECEIVED_MAX,
    LEDGER_ROWS_MAX,
    Guest,
    LedgerRow,
    ReceptionInput,
    completion_rule_errors,
    phone_error,
    session_rule_errors,
)


class DeputyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CadreChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.title}）"


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.date:%m-%d} {obj.starts:%H:%M}–{obj.ends:%H:%M} {obj.station.name}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _parse_guests(text: str, role: str) -> list[Guest]:
    """One person a line: "姓名 单位职务" (a space, a comma or a Chinese comma between)."""
    guests = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in ("，", ",", " ", "\u3000"):
            if sep in line:
                name, title = line.split(sep, 1)
                break
        else:
            name, title = line, ""
        if len(name.strip()) > 50:
            raise ValidationError(gettext("姓名过长：{value}…").format(value=name[:20]))
        guests.append(Guest(role=role, name=name.strip(), title=title.strip()[:100]))
    return guests


# more loggable stations than this and the reception form's station is a picker
STATION_SELECT_MAX = 30


class ReceptionForm(forms.Form):
    """The session part of the reception page."""

    client_token = forms.UUIDField(widget=forms.HiddenInput)
    station = forms.ModelChoiceField(
        label=gettext_lazy("联络站（点）"), queryset=None, empty_label=gettext_lazy("请选择")
    )
    slot = SlotChoiceField(
        label=gettext_lazy("对应的接待安排"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("（无，临时安排）"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("活动类型"), choices=ReceptionSession.Kind.choices)
    theme = forms.CharField(label=gettext_lazy("主题"), max_length=200, required=False)
    theme_kind = forms.ChoiceField(
        label=gettext_lazy("主题类别"),
        choices=[("", "—")] + list(ReceptionSession.ThemeKind.choices),
        required=False,
    )
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=gettext_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=gettext_lazy("结束时间"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    deputies = DeputyChoiceField(
        label=gettext_lazy("出席代表"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    # a city's and a county's cadres over a station run to 60 and more: picked by name
    # (``/pick/reception_cadres/?station=``), the page carries only the chosen ones
    cadres = CadreChoiceField(
        label=gettext_lazy("进站领导干部"),
        queryset=None,
        required=False,
        widget=PickerSelectMultiple("reception_cadres"),
    )
    officials = forms.CharField(
        label=gettext_lazy("特邀部门人员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("每行一人：姓名 单位职务"),
    )
    legal_experts = forms.CharField(
        label=gettext_lazy("法律专家"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("每行一人：姓名 单位职务"),
    )
    citizens_received = forms.IntegerField(
        label=gettext_lazy("接待群众（人次）"), min_value=0, max_value=CITIZENS_RECEIVED_MAX, initial=0
    )
    notes = forms.CharField(
        label=gettext_lazy("情况记录"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    exception_reason = forms.CharField(
        label=gettext_lazy("特殊情况说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("无代表（领导干部）出席或无群众来访时，写明原因"),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("照片、签到表"),
        required=False,
        help_text=gettext_lazy("JPG、PNG 照片或 PDF，每个不超过 10 MB"),
    )

    def __init__(self, *args, choices: ReceptionChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.fields["station"].queryset = choices.stations
        if choices.stations.count() > STATION_SELECT_MAX:
            # an admin (or a chair over many points): the station is picked by name
            self.fields["station"].widget = PickerSelect("stations", empty_label=gettext("请选择"))
            self.fields["station"].widget.choices = self.fields["station"].choices
        self.fields["slot"].queryset = choices.slots
        self.fields["deputies"].queryset = choices.deputies
        self.fields["cadres"].queryset = choices.cadres
        self.fields["cadres"].widget.params = {"station": choices.chosen.pk if choices.chosen else ""}
        if not self.is_bound and not self.initial.get("client_token"):
            self.initial["client_token"] = uuid.uuid4()

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        for upload in files:
            if upload.size > ATTACHMENT_MAX_BYTES:
                raise ValidationError(gettext("文件“{name}”超过 10 MB。").format(name=upload.name))
            attachment_check(upload)
        return files

    def clean_officials(self):
        return _parse_guests(self.cleaned_data["officials"], Attendance.Role.OFFICIAL)

    def clean_legal_experts(self):
        return _parse_guests(self.cleaned_data["legal_experts"], Attendance.Role.LEGAL_EXPERT)

    def clean(self):
        data = super().clean()
        has_times = data.get("date") and data.get("start_time")
        errors = session_rule_errors(
            station=data.get("station"),
            kind=data.get("kind"),
            theme=data.get("theme", ""),
            theme_kind=data.get("theme_kind", ""),
            starts_at=self.starts_at() if has_times else None,
            ends_at=self.ends_at() if has_times else None,
            deputies=data.get("deputies") or [],
            slot=data.get("slot"),
        )
        for name, message in errors.items():
            self.add_error({"ends_at": "end_time"}.get(name, name), message)
        return data

    def starts_at(self) -> dt.datetime:
        tz = ZoneInfo(settings.TIME_ZONE)
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["start_time"], tzinfo=tz)

    def ends_at(self) -> dt.datetime | None:
        if not self.cleaned_data.get("end_time"):
            return None
        tz = ZoneInfo(settings.TIME_ZONE)
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["end_time"], tzinfo=tz)


class LedgerRowForm(forms.Form):
    """One ledger line (登记簿): a citizen's opinion. A row left blank is skipped."""

    citizen_name = forms.CharField(label=gettext_lazy("群众姓名"), max_length=50)
    citizen_phone = forms.CharField(label=gettext_lazy("联系方式"), max_length=20, required=False)
    village = forms.ChoiceField(label=gettext_lazy("村（社区）"), required=False)
    citizen_address = forms.CharField(label=gettext_lazy("住址"), max_length=200, required=False)
    category = forms.ChoiceField(label=gettext_lazy("类别"))
    content = forms.CharField(label=gettext_lazy("意见建议内容"), widget=forms.Textarea(attrs={"rows": 3}))
    receiver = forms.ChoiceField(label=gettext_lazy("接待代表（或领导干部）"), required=False)
    on_the_spot_action = forms.CharField(
        label=gettext_lazy("现场处理情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    consent_to_share = forms.BooleanField(
        label=gettext_lazy("群众同意向承办单位提供个人信息"), required=False
    )

    def __init__(self, *args, choices: ReceptionChoices, receiver_cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        # the cadres a row may name as its receiver: those chosen on the page (the page
        # adds the ones picked later), not every cadre over the station
        self.receiver_cadres = list(receiver_cadres)
        # Plain choices built from the page's evaluated querysets (shared by every row):
        # a ledger of twenty rows costs no more queries than one.
        self.fields["village"].choices = [("", "—")] + [(str(v.pk), v.name) for v in choices.villages]
        self.fields["category"].choices = [("", gettext("请选择"))] + [
            (str(c.pk), c.name) for c in choices.categories
        ]
        receivers = [("", "—")]
        receivers += [
            (f"deputy:{d.pk}", gettext("代表 {name}").format(name=d.name)) for d in choices.deputies
        ]
        receivers += [
            (f"cadre:{c.pk}", gettext("领导干部 {name}").format(name=c.name)) for c in self.receiver_cadres
        ]
        self.fields["receiver"].choices = receivers

    def clean_village(self):
        pk = self.cleaned_data["village"]
        return next((v for v in self.choices.villages if str(v.pk) == pk), None) if pk else None

    def clean_category(self):
        pk = self.cleaned_data["category"]
        return next(c for c in self.choices.categories if str(c.pk) == pk)

    def clean_citizen_phone(self):
        phone = self.cleaned_data["citizen_phone"].strip()
        error = phone_error(phone)
        if error:
            raise ValidationError(error)
        return phone

    def row(self) -> LedgerRow:
        data = self.cleaned_data
        deputy = cadre = None
        kind, _, pk = (data.get("receiver") or "").partition(":")
        if kind == "deputy":
            deputy = next(d for d in self.choices.deputies if str(d.pk) == pk)
        elif kind == "cadre":
            cadre = next(c for c in self.receiver_cadres if str(c.pk) == pk)
        return LedgerRow(
            citizen_name=data["citizen_name"].strip(),
            citizen_phone=data["citizen_phone"],
            citizen_address=data["citizen_address"].strip(),
            village=data["village"],
            category=data["category"],
            content=data["content"].strip(),
            received_by_deputy=deputy,
            received_by_cadre=cadre,
            on_the_spot_action=data["on_the_spot_action"].strip(),
            consent_to_share=data["consent_to_share"],
        )


class BaseLedgerFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        count = sum(1 for f in self.forms if f.has_changed() and not self._should_delete_form(f))
        if count > LEDGER_ROWS_MAX:
            raise ValidationError(
                gettext("一次最多登记 {LEDGER_ROWS_MAX} 条意见建议。").format(LEDGER_ROWS_MAX=LEDGER_ROWS_MAX)
            )


LedgerFormSet = formset_factory(
    LedgerRowForm, formset=BaseLedgerFormSet, extra=1, max_num=LEDGER_ROWS_MAX, absolute_max=LEDGER_ROWS_MAX
)


def receiver_cadre_ids(data, initial: dict, row_initial: list) -> set[uuid.UUID]:
    """The cadres the ledger rows may name as receiver: those chosen in the cadres picker
    and those rows already name (posted ``data``, or a draft's ``initial``)."""
    if data is not None:
        values = data.getlist("cadres") + [v for k, v in data.items() if k.endswith("-receiver")]
    else:
        values = [str(v) for v in initial.get("cadres") or ()]
        values += [str(r.get("receiver") or "") for r in row_initial]
    ids = set()
    for value in values:
        value = value.removeprefix("cadre:")
        try:
            ids.add(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def reception_input(form: ReceptionForm, formset, *, station=None) -> ReceptionInput:
    data = form.cleaned_data
    rows = [f.row() for f in formset.forms if f.has_changed() and f.is_valid()]
    deputies = list(data["deputies"])
    # a receiving deputy left unticked among those present is counted as present
    for row in rows:
        if row.received_by_deputy and row.received_by_deputy not in deputies:
            deputies.append(row.received_by_deputy)
    cadres = list(data["cadres"])
    for row in rows:
        if row.received_by_cadre and row.received_by_cadre not in cadres:
            cadres.append(row.received_by_cadre)
    return ReceptionInput(
        station=data["station"],
        kind=data["kind"],
        starts_at=form.starts_at(),
        ends_at=form.ends_at(),
        theme=data["theme"].strip(),
        theme_kind=data["theme_kind"],
        citizens_received=data["citizens_received"],
        notes=data["notes"].strip(),
        exception_reason=data["exception_reason"].strip(),
        slot=data.get("slot"),
        deputies=deputies,
        cadres=cadres,
        guests=[*data["officials"], *data["legal_experts"]],
        rows=rows,
        attachments=data["attachments"],
    )


class SlotForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("接待日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts = forms.TimeField(
        label=gettext_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label=gettext_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    deputies = DeputyChoiceField(
        label=gettext_lazy("进站代表"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    repeat_weeks = forms.IntegerField(
        label=gettext_lazy("每周重复（周数）"),
        min_value=1,
        max_value=26,
        initial=1,
        help_text=gettext_lazy("1 表示只安排这一天"),
    )

    def __init__(self, *args, deputies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = deputies

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", gettext("结束时间须晚于开始时间。"))
        return data


class LedgerExportForm(forms.Form):
    book = forms.ChoiceField(label=gettext_lazy("登记簿"), choices=ExportJob.Book.choices)
    format = forms.ChoiceField(label=gettext_lazy("格式"), choices=ExportJob.Format.choices)
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", gettext("截止日期不能早于起始日期。"))
            elif (end - start).days > 366 * 5:
                self.add_error("date_to", gettext("一次最多导出五年。"))
        return data


def check_rows_against_station(form: ReceptionForm, formset) -> bool:
    """A receiving deputy must belong to the chosen station (or the station its point
    hangs under); errors go next to the row's field. Returns whether all is well."""
    station = form.cleaned_data.get("station")
    if station is None:
        return True
    allowed = {station.pk, station.parent_id}
    ok = True
    for row_form in formset.forms:
        if not row_form.has_changed() or not row_form.is_valid():
            continue
        deputy = row_form.row().received_by_deputy
        if deputy and deputy.home_station_id not in allowed:
            row_form.add_error("receiver", gettext("{name}不是本站的代表。").format(name=deputy.name))
            ok = False
    return ok


@dataclass(frozen=True)
class FieldError:
    """One line of the reception page's error summary: where the error is (``anchor``, an
    element id on the page; empty for an error of the whole form), what, and why."""

    anchor: str
    label: str
    message: str


# fields drawn as a fieldset of checkboxes: the summary links to the fieldset
_FIELDSET_ANCHORS = {"deputies": "deputies", "cadres": "cadres"}  # cadres: the picker's box


def error_summary(form: ReceptionForm, formset) -> list[FieldError]:
    """Every error on the page (the session's fields, then the ledger rows), each linked to
    its field and the rows' named by their row ("登记簿第 2 条：…"), so the summary at the
    top leads to an error thousands of pixels further down."""
    lines: list[FieldError] = [FieldError("", "", str(e)) for e in form.non_field_errors()]
    for name, field in form.fields.items():
        for message in form.errors.get(name, ()):
            anchor = _FIELDSET_ANCHORS.get(name) or form[name].auto_id
            lines.append(FieldError(anchor, str(field.label), message))
    lines += [FieldError("ledger", gettext_lazy("登记簿"), str(e)) for e in formset.non_form_errors()]
    for number, row in enumerate(formset.forms, start=1):
        row_label = gettext_lazy("登记簿第 %(number)s 条") % {"number": number}
        lines += [FieldError(f"row-{number}", row_label, str(e)) for e in row.non_field_errors()]
        for name, field in row.fields.items():
            for message in row.errors.get(name, ()):
                lines.append(FieldError(row[name].auto_id, f"{row_label}：{field.label}", message))
    return lines


def add_completion_errors(form: ReceptionForm, formset) -> None:
    """The rules of a completed reception (``completion_rule_errors``, which the service
    applies again), put next to their fields on the same submit as any other error, so an
    officer is not sent back twice. Not for a draft. Parts not valid yet are skipped."""
    if "save_draft" in form.data:
        return
    data = getattr(form, "cleaned_data", None) or {}
    rows = [f for f in formset.forms if f.has_changed()]
    receivers = {f.cleaned_data.get("receiver") for f in rows if getattr(f, "cleaned_data", None)}
    receivers.discard("")
    receivers.discard(None)
    has_times = data.get("date") and data.get("start_time")
    errors = completion_rule_errors(
        kind=data.get("kind"),
        starts_at=form.starts_at() if has_times else None,
        attendees=len(data.get("deputies") or ()) + len(data.get("cadres") or ()) + len(receivers),
        citizens_received=data.get("citizens_received"),
        rows=len(rows),
        exception_reason=data.get("exception_reason") or "",
    )
    for name, message in errors.items():
        name = {"starts_at": "date"}.get(name, name)
        if name not in form.errors:
            form.add_error(name, message)
