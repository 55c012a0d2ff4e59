import django_filters

from liaison.filters import RegionSubtreeFilter
from visits.models import ReceptionSession


class ReceptionFilter(django_filters.FilterSet):
    region = RegionSubtreeFilter(path_field="station__region__path")
    station = django_filters.UUIDFilter(field_name="station", label="联络站")
    kind = django_filters.ChoiceFilter(choices=ReceptionSession.Kind.choices, label="活动类型")
    status = django_filters.ChoiceFilter(choices=ReceptionSession.Status.choices, label="状态")
    period = django_filters.DateFromToRangeFilter(
        field_name="starts_at__date",
        label="日期",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    deputy = django_filters.UUIDFilter(field_name="attendances__deputy", label="代表", distinct=True)
    o = django_filters.OrderingFilter(
        fields=(("starts_at", "starts_at"), ("citizens_received", "citizens_received")),
        field_labels={"starts_at": "时间", "citizens_received": "接待人次"},
        label="排序",
    )

    class Meta:
        model = ReceptionSession
        fields = ["region", "station", "kind", "status", "period", "deputy"]
