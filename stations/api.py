"""Stations over the API: read in scope; edit through stations.services."""

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers
from rest_framework.response import Response

from liaison.api import CreatedCursorPagination, ScopedViewSet
from liaison.scoping import can_edit_station
from stations.models import Station
from stations.services import station_update


class StationOutputSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Station
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "region",
            "region_code",
            "region_name",
            "address",
            "latitude",
            "longitude",
            "themed_base",
            "established_on",
            "status",
            *Station.SIX_HAVES,
            *Station.FIVE_IN_PLACE,
            "created_at",
            "updated_at",
            "version",
        ]


class StationUpdateSerializer(serializers.Serializer):
    """Shape only; the rules are in station_update."""

    name = serializers.CharField(max_length=100, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    themed_base = serializers.CharField(max_length=100, required=False, allow_blank=True)
    established_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Station.Status.choices, required=False)


for _flag in (*Station.SIX_HAVES, *Station.FIVE_IN_PLACE):
    StationUpdateSerializer._declared_fields[_flag] = serializers.BooleanField(required=False)


class StationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    base_queryset = Station.objects.select_related("region")
    serializer_class = StationOutputSerializer
    pagination_class = CreatedCursorPagination
    filterset_fields = ["kind", "status", "parent"]

    def partial_update(self, request, pk=None):
        station = self.get_object()
        if not can_edit_station(request.user, station):
            raise PermissionDenied("您的角色不能修改联络站信息。")
        data = StationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        station = station_update(station=station, **data.validated_data)
        return Response(StationOutputSerializer(station).data)
