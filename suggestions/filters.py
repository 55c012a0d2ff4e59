import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.filters import OrderingFilter, RegionSubtreeFilter
from liaison.pickers import PickerSelect
from liaison.scoping import scoped
from stations.models import Station
from suggestions.models import Category, Ticket
from visits.models import ReceptionSession


def _scoped(model):
    """A filter's choices: the user's records of ``model`` (validated one by one; the
    picker widget never lists them)."""

    def queryset(request):
        return scoped(request.user, model.objects.all()) if request is not None else model.objects.none()

    return queryset


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("内容、群众姓名、电话或编号"), "maxlength": 100}
        ),
    )
    region = RegionSubtreeFilter(path_field="station__region__path")
    station = django_filters.ModelChoiceFilter(
        field_name="station", queryset=_scoped(Station), label=_("联络站"), widget=PickerSelect("stations")
    )
    reception = django_filters.ModelChoiceFilter(
        field_name="reception",
        queryset=_scoped(ReceptionSession),
        label=_("接待活动"),
        widget=PickerSelect("receptions"),
    )
    deputy = django_filters.ModelChoiceFilter(
        field_name="received_by_deputy",
        queryset=_scoped(Deputy),
        label=_("接待代表"),
        widget=PickerSelect("deputies"),
    )
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label=_("类别"))
    status = django_filters.ChoiceFilter(choices=Ticket.Status.choices, label=_("状态"))
    period = django_filters.DateFromToRangeFilter(
        field_name="received_at__date",
        label=_("收集日期"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    escalated = django_filters.ChoiceFilter(
        choices=(("yes", _("已督办")), ("no", _("未督办"))),
        label=_("督办"),
        method="filter_escalated",
    )
    o = OrderingFilter(
        fields=(("received_at", "received_at"), ("due_on", "due_on")),
        field_labels={"received_at": _("收集时间"), "due_on": _("办理期限")},
        label=_("排序"),
    )

    class Meta:
        model = Ticket
        fields = [
            "q",
            "region",
            "station",
            "reception",
            "deputy",
            "category",
            "status",
            "escalated",
            "period",
        ]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_escalated(self, queryset, name, value):
        """已督办: submitted to the standing committee or raised by the escalation sweep."""
        escalated = Q(tier=Ticket.Tier.STANDING_COMMITTEE) | Q(escalation_level__gt=0)
        return queryset.filter(escalated) if value == "yes" else queryset.exclude(escalated)
