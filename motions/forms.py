"""Forms of deputy suggestions and supervision items: input parsing only (rules in services).

One form per workflow row (``FORMS``), each with the comment, attachments and the version
the page showed (a double submit is refused, not applied twice)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison import scoping
from liaison.pickers import PickerSelect, PickerSelectMultiple
from motions.models import CongressSession, Consultation, DeputySuggestion, Satisfaction, SupervisionItem
from stations.models import Region
from suggestions.forms import MultipleFileField
from suggestions.models import HandlingUnit, Ticket


class ActionForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachments = MultipleFileField(
        label=_("附件"), required=False, help_text=_("JPG、PNG 照片或 PDF，单个不超过 10 MB")
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, transition, record, user, **kwargs):
        kwargs.setdefault("prefix", transition.name)
        kwargs.setdefault("initial", {}).setdefault("expected_version", record.version)
        super().__init__(*args, **kwargs)
        self.transition, self.record, self.user = transition, record, user
        if transition.needs_comment:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("理由")
        self.setup()

    def setup(self) -> None:
        pass

    def payload(self) -> dict:
        data = dict(self.cleaned_data)
        data["attachments"] = data.get("attachments") or []
        return data


def _units(user, record):
    region = record.session.region if isinstance(record, DeputySuggestion) else record.region
    county = region.path
    return scoping.scoped(
        user, HandlingUnit.objects.filter(is_active=True, region__path__startswith=county)
    ).order_by("name")


class RegisterForm(ActionForm):
    category = forms.ChoiceField(label=_("类别"), choices=DeputySuggestion.Category.choices)


class AssignForm(ActionForm):
    lead_unit = forms.ModelChoiceField(
        label=_("主办单位"), queryset=HandlingUnit.objects.none(), widget=PickerSelect("motion_units")
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=HandlingUnit.objects.none(),
        required=False,
        widget=PickerSelectMultiple("motion_units"),
        help_text=_("输入名称搜索，可选多个"),
    )
    assigned_on = forms.DateField(
        label=_("交办日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def setup(self) -> None:
        units = _units(self.user, self.record)
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units


class ConsultForm(ActionForm):
    held_on = forms.DateField(label=_("沟通日期"), widget=forms.DateInput(attrs={"type": "date"}))
    form = forms.ChoiceField(label=_("沟通方式"), choices=Consultation.Form.choices)
    participants = forms.CharField(label=_("参加人员"), max_length=300)
    unit = forms.ModelChoiceField(label=_("本单位"), queryset=HandlingUnit.objects.none(), required=False)

    def setup(self) -> None:
        self.fields["unit"].queryset = HandlingUnit.objects.filter(
            pk__in=scoping.motion_units_of(self.user, self.record)
        ).order_by("name")
        self.fields["comment"].label = _("沟通情况")


class ReplyForm(ActionForm):
    text = forms.CharField(label=_("书面答复"), widget=forms.Textarea(attrs={"rows": 5}))
    reply_class = forms.ChoiceField(label=_("答复分类"), choices=DeputySuggestion.ReplyClass.choices)


class EvaluateForm(ActionForm):
    satisfaction = forms.ChoiceField(label=_("测评意见"), choices=Satisfaction.choices)


class ResultForm(ActionForm):
    text = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 5}))


class VoteForm(ActionForm):
    satisfied = forms.IntegerField(label=_("满意票"), min_value=0)
    basic = forms.IntegerField(label=_("基本满意票"), min_value=0)
    unsatisfied = forms.IntegerField(label=_("不满意票"), min_value=0)


class ResuperviseForm(ActionForm):
    report_due = forms.DateField(label=_("新的限期报告日期"), widget=forms.DateInput(attrs={"type": "date"}))


SUGGESTION_FORMS = {
    "register": RegisterForm,
    "assign": AssignForm,
    "consult": ConsultForm,
    "reply": ReplyForm,
    "evaluate": EvaluateForm,
}
SUPERVISION_FORMS = {"report_result": ResultForm, "vote": VoteForm, "resupervise": ResuperviseForm}


def suggestion_form(transition, *, record, user, data=None, files=None) -> ActionForm:
    return SUGGESTION_FORMS.get(transition.name, ActionForm)(
        data, files, transition=transition, record=record, user=user
    )


def supervision_form(transition, *, record, user, data=None, files=None) -> ActionForm:
    return SUPERVISION_FORMS.get(transition.name, ActionForm)(
        data, files, transition=transition, record=record, user=user
    )


class SubmitForm(forms.Form):
    """A new suggestion: a deputy's own, or one the office enters for a deputy."""

    session = forms.ModelChoiceField(label=_("会议"), queryset=CongressSession.objects.none())
    timing = forms.ChoiceField(label=_("提出时间"), choices=DeputySuggestion.Timing.choices)
    # deputies and tickets run to thousands: picked by name (liaison.pickers)
    submitted_by = forms.ModelChoiceField(
        label=_("领衔代表"), queryset=Deputy.objects.none(), widget=PickerSelect("deputies")
    )
    co_signers = forms.ModelMultipleChoiceField(
        label=_("联名代表"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=PickerSelectMultiple("joint_deputies"),
        help_text=_("输入姓名搜索，可选多位"),
    )
    title = forms.CharField(label=_("案由"), max_length=200)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 8}))
    source_ticket = forms.ModelChoiceField(
        label=_("来源群众意见"),
        queryset=Ticket.objects.none(),
        required=False,
        help_text=_("联络站分级处理为「转为代表建议」的群众意见；提交后联络站会收到通知，告知群众"),
        widget=PickerSelect("suggestion_sources"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scoping.scope_for(user)
        self.fields["source_ticket"].queryset = source_tickets(user)
        sessions = CongressSession.objects.select_related("region").order_by("-opens_on")
        if not scope.is_admin and not scope.oversight_region_paths:
            # a deputy: the sessions of the congresses over their home station
            paths = Deputy.objects.filter(pk__in=scope.deputy_ids).values_list(
                "home_station__region__path", flat=True
            )
            ids = [s.pk for s in sessions if any(p.startswith(s.region.path) for p in paths)]
            sessions = sessions.filter(pk__in=ids)
        elif not scope.is_admin:
            sessions = sessions.filter(scoping.motion_sessions_q(user))
        self.fields["session"].queryset = sessions
        deputies = scoping.scoped(user, Deputy.objects.all()).order_by("name")
        self.fields["submitted_by"].queryset = deputies
        if scope.deputy_ids and not scope.oversight_region_paths and not scope.is_admin:
            self.fields["submitted_by"].initial = scope.deputy_ids[0]
        # joint deputies: the deputies of the county congress(es) of the user's scope
        self.fields["co_signers"].queryset = Deputy.objects.filter(scoping.motion_co_signers_q(user))


def source_tickets(user):
    """The station opinions to be turned into suggestions, not turned yet (the
    ``suggestion_sources`` picker offers the same)."""
    return (
        scoping.scoped(user, Ticket.objects.filter(tier=Ticket.Tier.DEPUTY_SUGGESTION))
        .filter(deputy_suggestions__isnull=True)
        .exclude(status__in=Ticket.FINAL_STATUSES)
        .select_related("category")
        .order_by("-received_at")
    )


class ItemForm(forms.Form):
    title = forms.CharField(label=_("督办事项"), max_length=200)
    source = forms.ChoiceField(label=_("来源"), choices=SupervisionItem.Source.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 5}))
    departments = forms.ModelMultipleChoiceField(
        label=_("责任单位"), queryset=HandlingUnit.objects.none(), widget=PickerSelectMultiple("motion_units")
    )
    report_due = forms.DateField(label=_("限期报告日期"), widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(label=_("本级人大（区域）"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scoping.scope_for(user)
        regions = (
            Region.objects.all()
            if scope.is_admin
            else Region.objects.filter(path__in=scope.oversight_region_paths)
        )
        self.fields["region"].queryset = regions.order_by("path")
        self.fields["departments"].queryset = scoping.scoped(
            user, HandlingUnit.objects.filter(is_active=True)
        ).order_by("name")
