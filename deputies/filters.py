import django_filters
from django.db.models import Exists, OuterRef

from deputies.models import Deputy, Level, Mandate
from liaison.filters import RegionSubtreeFilter


class DeputyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="姓名")
    region = RegionSubtreeFilter(path_field="home_station__region__path")
    station = django_filters.UUIDFilter(field_name="home_station", label="联络站")
    level = django_filters.ChoiceFilter(choices=Level.choices, label="代表层级", method="filter_level")

    class Meta:
        model = Deputy
        fields = ["q", "region", "station", "level"]

    def filter_level(self, queryset, name, value):
        serving = Mandate.objects.filter(deputy=OuterRef("pk"), level=value, status=Mandate.Status.SERVING)
        return queryset.filter(Exists(serving))
