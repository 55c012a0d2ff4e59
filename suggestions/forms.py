"""Forms of the ticket workflow: input parsing only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from suggestions import selectors
from suggestions.models import Delivery, Ticket
from suggestions.services import (
    ATTACHMENT_EXTENSIONS,
    EVALUATION_MISSING_MESSAGE,
    EVALUATION_TWICE_MESSAGE,
)
from suggestions.workflow import Transition


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ActionForm(forms.Form):
    """What every action takes: a comment, attachments, and the version the page showed
    (so a double submit is refused instead of applied twice)."""

    comment = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachments = MultipleFileField(
        label=gettext_lazy("附件"),
        required=False,
        help_text=format_lazy(
            gettext_lazy("可多选；允许 {join}，单个不超过 10 MB"), join="、".join(ATTACHMENT_EXTENSIONS)
        ),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, transition: Transition, ticket: Ticket, user, **kwargs):
        kwargs.setdefault("prefix", transition.name)
        kwargs.setdefault("initial", {}).setdefault("expected_version", ticket.version)
        super().__init__(*args, **kwargs)
        self.transition, self.ticket, self.user = transition, ticket, user
        if transition.needs_comment:
            self.fields["comment"].required = True
            self.fields["comment"].label = gettext("理由")

    def payload(self) -> dict:
        """Keyword arguments for ``services.ticket_transition``."""
        data = dict(self.cleaned_data)
        data["attachments"] = data.get("attachments") or []
        return data


class AcceptForm(ActionForm):
    tier = forms.ChoiceField(label=gettext_lazy("分级处理"), choices=Ticket.Tier.choices)
    field_order = ["tier", "comment", "attachments"]


class AssignForm(ActionForm):
    handling_unit = forms.ModelChoiceField(label=gettext_lazy("承办单位"), queryset=None)
    tier = forms.ChoiceField(
        label=gettext_lazy("分级处理"),
        required=False,
        choices=[
            ("", gettext_lazy("（不变）")),
            *[c for c in Ticket.Tier.choices if c[0] != Ticket.Tier.ON_THE_SPOT],
        ],
    )
    field_order = ["handling_unit", "tier", "comment", "attachments"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handling_unit"].queryset = selectors.assignable_units(ticket=self.ticket)


class ReplyForm(ActionForm):
    text = forms.CharField(label=gettext_lazy("答复内容"), widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["text", "attachments"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["comment"]


class DeliverForm(ActionForm):
    channel = forms.ChoiceField(label=gettext_lazy("反馈方式"), choices=Delivery.Channel.choices)
    delivered_at = forms.DateTimeField(
        label=gettext_lazy("反馈时间"),
        required=False,
        help_text=gettext_lazy("留空为现在"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    field_order = ["channel", "delivered_at", "comment", "attachments"]

    def clean_delivered_at(self):
        value = self.cleaned_data.get("delivered_at")
        return timezone.make_aware(value) if value and timezone.is_naive(value) else value


class SatisfactionForm(ActionForm):
    """The citizen's rating, or why there is none (one of the two; the service decides)."""

    satisfaction = forms.ChoiceField(
        label=gettext_lazy("群众评价"),
        choices=Ticket.Satisfaction.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    no_evaluation = forms.ChoiceField(
        label=gettext_lazy("群众未评价的原因"),
        choices=Ticket.NoEvaluation.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=gettext_lazy("群众拒绝评价或无法联系时选择，不计入满意率"),
    )
    field_order = ["satisfaction", "no_evaluation", "comment", "attachments"]

    def clean(self):
        data = super().clean()
        satisfaction, reason = data.get("satisfaction"), data.get("no_evaluation")
        if satisfaction and reason:
            self.add_error("no_evaluation", EVALUATION_TWICE_MESSAGE)
        elif not (satisfaction or reason) and self.evaluation_required():
            self.add_error("satisfaction", EVALUATION_MISSING_MESSAGE)
        return data

    def evaluation_required(self) -> bool:
        return True


class CloseForm(SatisfactionForm):
    """办结: asks for the rating (or the reason there is none) only when it is not
    recorded yet, so the step cannot be taken without it."""

    field_order = ["satisfaction", "no_evaluation", "comment", "attachments"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.evaluation_required():
            del self.fields["satisfaction"], self.fields["no_evaluation"]

    def evaluation_required(self) -> bool:
        return not (self.ticket.satisfaction or self.ticket.no_evaluation)


class MergeForm(ActionForm):
    into = forms.ModelChoiceField(label=gettext_lazy("并入主件"), queryset=None, to_field_name="pk")
    field_order = ["into", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = selectors.merge_targets(user=self.user, ticket=self.ticket)
        self.fields["into"].label_from_instance = lambda t: (
            f"{t.received_at:%Y-%m-%d} {t.category.name}：{t.content[:30]}（{t.get_status_display()}）"
        )


FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "assign": AssignForm,
    "reply": ReplyForm,
    "deliver_reply": DeliverForm,
    "deliver_to_merged": DeliverForm,
    "record_satisfaction": SatisfactionForm,
    "close": CloseForm,
    "merge": MergeForm,
}


def action_form(transition: Transition, *, ticket: Ticket, user, data=None, files=None) -> ActionForm:
    form_class = FORMS.get(transition.name, ActionForm)
    return form_class(data, files, transition=transition, ticket=ticket, user=user)
