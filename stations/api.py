"""Stations over the API: read in scope; edit through stations.services."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response

from liaison import filters
from liaison.api import (
    PRECONDITION_RESPONSES,
    CreatedCursorPagination,
    PathCursorPagination,
    ScopedViewSet,
    StrictInputSerializer,
    SyncMixin,
    VersionedRetrieveMixin,
    if_match_parameter,
    require_current_version,
    stale_as_412,
    with_etag,
)
from liaison.scoping import can_edit_station
from stations.models import Region, Station
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


class StationUpdateSerializer(StrictInputSerializer):
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


class StationFilter(filters.StrictFilterSet):
    parent = filters.UUIDFilter()
    region = filters.IntegerFilter()

    class Meta:
        model = Station
        fields = ["kind", "status", "parent", "region"]


class StationViewSet(
    VersionedRetrieveMixin, SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Stations and points (联络站、联络点); a point's ``parent`` is its station."""

    base_queryset = Station.objects.select_related("region")
    serializer_class = StationOutputSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = StationFilter
    sync_resource = "stations"
    sync_fields = tuple(
        f for f in StationOutputSerializer.Meta.fields if f not in ("region_code", "region_name")
    )

    @extend_schema(
        request=StationUpdateSerializer,
        parameters=[if_match_parameter(required=True)],
        responses={200: StationOutputSerializer, **PRECONDITION_RESPONSES},
    )
    def partial_update(self, request, pk=None, format=None):
        """Edit through ``station_update``; ``If-Match`` (the ETag) is required (428 without,
        412 when stale)."""
        station = self.get_object()
        if not can_edit_station(request.user, station):
            raise PermissionDenied(gettext("您的角色不能修改联络站信息。"))
        data = StationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        expected = require_current_version(request, station)
        with stale_as_412(Station, station.pk):
            station = station_update(station=station, expected_version=expected, **data.validated_data)
        return with_etag(Response(StationOutputSerializer(station).data), station.version)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "path", "depth"]


class RegionViewSet(SyncMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The region tree (行政区域): ``path`` is the materialized path, a child's path starts
    with its parent's."""

    base_queryset = Region.objects.all()
    serializer_class = RegionSerializer
    pagination_class = PathCursorPagination
    filterset_fields = ["level", "code"]
    sync_resource = "regions"
    sync_fields = tuple(RegionSerializer.Meta.fields)
