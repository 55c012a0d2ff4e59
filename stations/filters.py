import django_filters

from liaison.filters import RegionSubtreeFilter
from stations.models import Station


class StationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="名称")
    region = RegionSubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=Station.Kind.choices, label="类型")
    status = django_filters.ChoiceFilter(choices=Station.Status.choices, label="状态")
    o = django_filters.OrderingFilter(
        fields=(("name", "name"), ("established_on", "established_on")),
        field_labels={"name": "名称", "established_on": "建站日期"},
        label="排序",
    )

    class Meta:
        model = Station
        fields = ["q", "region", "kind", "status"]
