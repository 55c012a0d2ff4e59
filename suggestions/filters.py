import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.filters import RegionSubtreeFilter
from suggestions.models import Category, Ticket


class TicketFilter(django_filters.FilterSet):
    region = RegionSubtreeFilter(path_field="station__region__path")
    station = django_filters.UUIDFilter(field_name="station", label="联络站")
    reception = django_filters.UUIDFilter(field_name="reception", label="接待活动")
    deputy = django_filters.UUIDFilter(field_name="received_by_deputy", label="接待代表")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label="类别")
    status = django_filters.ChoiceFilter(choices=Ticket.Status.choices, label="状态")
    period = django_filters.DateFromToRangeFilter(
        field_name="received_at__date",
        label="收集日期",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    escalated = django_filters.ChoiceFilter(
        choices=(("yes", _("已督办")), ("no", _("未督办"))),
        label=_("督办"),
        method="filter_escalated",
    )
    o = django_filters.OrderingFilter(
        fields=(("received_at", "received_at"), ("due_on", "due_on")),
        field_labels={"received_at": "收集时间", "due_on": "办理期限"},
        label="排序",
    )

    class Meta:
        model = Ticket
        fields = ["region", "station", "reception", "deputy", "category", "status", "escalated", "period"]

    def filter_escalated(self, queryset, name, value):
        """已督办: submitted to the standing committee or raised by the escalation sweep."""
        escalated = Q(tier=Ticket.Tier.STANDING_COMMITTEE) | Q(escalation_level__gt=0)
        return queryset.filter(escalated) if value == "yes" else queryset.exclude(escalated)
