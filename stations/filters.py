import django_filters
from django.utils.translation import gettext_lazy as _

from liaison.filters import OrderingFilter, RegionSubtreeFilter
from stations.models import Station


class StationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))
    region = RegionSubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=Station.Kind.choices, label=_("类型"))
    status = django_filters.ChoiceFilter(choices=Station.Status.choices, label=_("状态"))
    o = OrderingFilter(
        fields=(("name", "name"), ("established_on", "established_on")),
        field_labels={"name": _("名称"), "established_on": _("建站日期")},
        label=_("排序"),
    )

    class Meta:
        model = Station
        fields = ["q", "region", "kind", "status"]
