import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy, Level, Mandate
from liaison.filters import RegionSubtreeFilter
from liaison.pickers import PickerSelect
from liaison.scoping import scoped
from stations.models import Station


def _stations(request):
    return scoped(request.user, Station.objects.all()) if request is not None else Station.objects.none()


class DeputyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("姓名"))
    region = RegionSubtreeFilter(path_field="home_station__region__path")
    station = django_filters.ModelChoiceFilter(
        field_name="home_station", queryset=_stations, label=_("联络站"), widget=PickerSelect("stations")
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("代表层级"), method="filter_level")

    class Meta:
        model = Deputy
        fields = ["q", "region", "station", "level"]

    def filter_level(self, queryset, name, value):
        serving = Mandate.objects.filter(deputy=OuterRef("pk"), level=value, status=Mandate.Status.SERVING)
        return queryset.filter(Exists(serving))
