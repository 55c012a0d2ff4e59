import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.filters import OrderingFilter, RegionSubtreeFilter
from liaison.pickers import PickerSelect
from liaison.scoping import scoped
from stations.models import Station
from visits.models import ReceptionSession


def _stations(request):
    if request is None:
        return Station.objects.none()
    return scoped(request.user, Station.objects.order_by("name"))


def _deputies(request):
    if request is None:
        return Deputy.objects.none()
    return scoped(request.user, Deputy.objects.order_by("name"))


class ReceptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("主题、情况记录或站点名称"), "maxlength": 100}
        ),
    )
    region = RegionSubtreeFilter(path_field="station__region__path")
    station = django_filters.ModelChoiceFilter(
        field_name="station", queryset=_stations, label=_("联络站"), widget=PickerSelect("stations")
    )
    kind = django_filters.ChoiceFilter(choices=ReceptionSession.Kind.choices, label=_("活动类型"))
    status = django_filters.ChoiceFilter(choices=ReceptionSession.Status.choices, label=_("状态"))
    period = django_filters.DateFromToRangeFilter(
        field_name="starts_at__date",
        label=_("日期"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    deputy = django_filters.ModelChoiceFilter(
        field_name="attendances__deputy",
        queryset=_deputies,
        label=_("代表"),
        distinct=True,
        widget=PickerSelect("deputies"),
    )
    o = OrderingFilter(
        fields=(("starts_at", "starts_at"), ("citizens_received", "citizens_received")),
        field_labels={"starts_at": _("时间"), "citizens_received": _("接待人次")},
        label=_("排序"),
    )

    class Meta:
        model = ReceptionSession
        fields = ["q", "region", "station", "kind", "status", "period", "deputy"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
