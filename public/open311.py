"""Open311 GeoReport v2, read-only (https://wiki.open311.org/GeoReport_v2):
``services.json`` (the opinion categories), ``requests.json`` and ``requests/{id}.json``
for the tickets of stations that publish them (``StationPublication.publishes_requests``).

Personal data stripped: no citizen's name, phone, address or ID, and no ``description``
(the citizen's own words may name people); the address is the village (or the station's
township) and the position the station's. Filters as the standard defines them:
``service_request_id`` (comma-separated), ``service_code``, ``start_date``/``end_date``
(W3C datetimes; by default the last 90 days), ``status`` (open/closed); at most 1000
requests per answer, newest first (the standard's own paging: narrow the date window)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from liaison.api import StrictQueryMixin
from suggestions.models import Category, Ticket

MAX_REQUESTS = 1000
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
UUID_LIST = f"^{_UUID}(,{_UUID})*$"  # service_request_id: comma-separated ids
DEFAULT_DAYS = 90
OPEN = "open"
CLOSED = "closed"


def published_tickets():
    """Tickets of publishing stations, as the figures count them (no spam, no merged)."""
    return (
        Ticket.objects.counted()
        .filter(station__publication__publishes_requests=True)
        .select_related("category", "handling_unit", "station__region", "village")
        .only(
            "id",
            "status",
            "tier",
            "received_at",
            "updated_at",
            "due_on",
            "category__code",
            "category__name",
            "handling_unit__name",
            "station__name",
            "station__latitude",
            "station__longitude",
            "station__region__name",
            "village__name",
        )
    )


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField()


class RequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=[OPEN, CLOSED])
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField()
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)


def _request(ticket: Ticket) -> dict:
    closed = ticket.status in Ticket.FINAL_STATUSES
    notes = ticket.get_status_display()
    if ticket.tier:
        notes += f"；{ticket.get_tier_display()}"
    expected = None
    if ticket.due_on and not closed:
        expected = timezone.make_aware(dt.datetime.combine(ticket.due_on, dt.time(23, 59, 59)))
    station = ticket.station
    return {
        "service_request_id": str(ticket.pk),
        "status": CLOSED if closed else OPEN,
        "status_notes": notes,
        "service_name": ticket.category.name,
        "service_code": ticket.category.code,
        "agency_responsible": ticket.handling_unit.name if ticket.handling_unit_id else station.name,
        "service_notice": "",
        "requested_datetime": ticket.received_at,
        "updated_datetime": ticket.updated_at,
        "expected_datetime": expected,
        "address": ticket.village.name if ticket.village_id else station.region.name,
        "lat": float(station.latitude) if station.latitude is not None else None,
        "long": float(station.longitude) if station.longitude is not None else None,
    }


class Open311View(StrictQueryMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ServiceList(Open311View):
    @extend_schema(
        operation_id="open311_services", responses=ServiceSerializer(many=True), auth=[], tags=["open311"]
    )
    def get(self, request):
        rows = [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.name,
                "metadata": False,
                "type": "batch",
                "keywords": "",
                "group": "群众意见建议",
            }
            for c in Category.objects.filter(is_active=True).only("code", "name")
        ]
        return Response(ServiceSerializer(rows, many=True).data)


class RequestQuery(serializers.Serializer):
    service_request_id = serializers.RegexField(UUID_LIST, required=False)
    service_code = serializers.CharField(required=False)
    start_date = serializers.DateTimeField(required=False)
    end_date = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(choices=[OPEN, CLOSED], required=False)


QUERY_PARAMETERS = [
    OpenApiParameter(
        "service_request_id", OpenApiTypes.STR, description="逗号分隔的多个编号", pattern=UUID_LIST
    ),
    OpenApiParameter("service_code", OpenApiTypes.STR),
    OpenApiParameter("start_date", OpenApiTypes.DATETIME),
    OpenApiParameter("end_date", OpenApiTypes.DATETIME),
    OpenApiParameter("status", OpenApiTypes.STR, enum=[OPEN, CLOSED]),
]


class RequestList(Open311View):
    def allowed_query_params(self) -> set[str]:
        return set(RequestQuery().fields)

    @extend_schema(
        operation_id="open311_requests",
        parameters=QUERY_PARAMETERS,
        responses=RequestSerializer(many=True),
        auth=[],
        tags=["open311"],
    )
    def get(self, request):
        query = RequestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        tickets = published_tickets()
        if "service_request_id" in q:
            import uuid

            ids = [uuid.UUID(part) for part in q["service_request_id"].split(",")]  # the pattern holds
            tickets = tickets.filter(pk__in=ids)  # the standard: other filters are ignored
        else:
            end = q.get("end_date") or timezone.now()
            try:
                start = q.get("start_date") or end - dt.timedelta(days=DEFAULT_DAYS)
            except OverflowError:  # an end_date in the first days of year 1
                start = dt.datetime.min.replace(tzinfo=dt.UTC)
            tickets = tickets.filter(received_at__gte=start, received_at__lte=end)
            if "service_code" in q:
                tickets = tickets.filter(category__code=q["service_code"])
            if q.get("status") == OPEN:
                tickets = tickets.exclude(status__in=Ticket.FINAL_STATUSES)
            elif q.get("status") == CLOSED:
                tickets = tickets.filter(Q(status__in=Ticket.FINAL_STATUSES))
        rows = [_request(t) for t in tickets.order_by("-received_at", "-pk")[:MAX_REQUESTS]]
        return Response(RequestSerializer(rows, many=True).data)


class RequestDetail(Open311View):
    @extend_schema(
        operation_id="open311_request",
        responses=RequestSerializer(many=True),
        auth=[],
        tags=["open311"],
    )
    def get(self, request, code: str):
        import uuid

        try:
            pk = uuid.UUID(code)
        except ValueError:
            raise NotFound() from None
        ticket = published_tickets().filter(pk=pk).first()
        if ticket is None:
            raise NotFound()
        # the standard answers a list with the one request
        return Response(RequestSerializer([_request(ticket)], many=True).data)
