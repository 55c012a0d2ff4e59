"""``GET /api/v1/reports/``: the closure-rate report for one scope and period, from the
rollups (``reports.selectors``), for provincial platforms and apps.

The scope is one of ``region`` / ``station`` / ``handling_unit`` / ``deputy`` (a region may
be combined with a handling unit); each is looked up through ``liaison.scoping`` with the
same 404 for a missing record and one outside the user's scope. The period is
``period=month|quarter|half|year`` with ``on=YYYY-MM-DD``, or ``period=custom`` with
``start=YYYY-MM&end=YYYY-MM``. ``by=child|station|month|unit`` adds a breakdown.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from deputies.models import Deputy
from liaison.api import StrictQueryMixin
from liaison.scoping import get_scoped_or_404
from reports.periods import KINDS, Period, Scope
from reports.selectors import Figures, figures, figures_by
from stations.models import Region, Station
from suggestions.models import HandlingUnit

RATES = ("closure_rate", "on_time_rate", "reply_rate", "satisfaction_rate", "avg_close_days")


class ReportQuery(serializers.Serializer):
    region = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    station = serializers.UUIDField(required=False)
    handling_unit = serializers.UUIDField(required=False)
    deputy = serializers.UUIDField(required=False)
    period = serializers.ChoiceField(choices=list(KINDS), required=False, default="year")
    on = serializers.DateField(required=False)
    start = serializers.RegexField(r"^\d{4}-\d{1,2}$", required=False)
    end = serializers.RegexField(r"^\d{4}-\d{1,2}$", required=False)
    by = serializers.ChoiceField(choices=["child", "station", "month", "unit"], required=False)

    def validate(self, data):
        given = [k for k in ("region", "station", "handling_unit", "deputy") if k in data]
        if not given:
            raise serializers.ValidationError(
                {"region": [gettext("请指定报表范围：region、station、handling_unit 或 deputy。")]}
            )
        if len(given) > 1 and set(given) != {"region", "handling_unit"}:
            raise serializers.ValidationError({given[1]: [gettext("只有区域可以与承办单位组合。")]})
        if data.get("by") == "child" and "region" not in data:
            raise serializers.ValidationError({"by": [gettext("按下级区域分组须指定 region。")]})
        query = {"period": data["period"]}
        if data.get("on"):
            query["on"] = data["on"].isoformat()
        for key in ("start", "end"):
            if data.get(key):
                query[key] = data[key]
        try:
            data["period_value"] = Period.parse(query, today=timezone.localdate())
        except ValueError as exc:
            raise serializers.ValidationError({"period": [str(exc)]}) from None
        return data


FIGURE_FIELDS = {name: serializers.IntegerField() for name in Figures.field_names()} | {
    name: serializers.FloatField(allow_null=True) for name in RATES
}
FiguresOut = inline_serializer("ReportFigures", FIGURE_FIELDS)


@extend_schema(
    parameters=[ReportQuery],
    responses={
        200: inline_serializer(
            "Report",
            {
                "scope": serializers.CharField(),
                "period": inline_serializer(
                    "ReportPeriod",
                    {
                        "kind": serializers.CharField(),
                        "start": serializers.DateField(),
                        "end": serializers.DateField(),
                        "label": serializers.CharField(),
                    },
                ),
                "figures": FiguresOut,
                "by": serializers.DictField(child=FiguresOut, required=False),
            },
        ),
        400: OpenApiTypes.OBJECT,
        404: OpenApiTypes.OBJECT,
    },
    description=_("闭环办理率报表（按区域、联络站、承办单位或代表，按月/季/半年/年/自定义期间）。"),
)
class ReportView(StrictQueryMixin, APIView):
    permission_classes = [IsAuthenticated]

    def allowed_query_params(self) -> set[str]:
        return set(ReportQuery().fields)

    def get(self, request):
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user = request.user
        # missing or out of scope: the same JSON 404 (liaison.api.exception_handler)
        scope = Scope(
            region=data.get("region") and get_scoped_or_404(user, Region.objects.all(), pk=data["region"]),
            station=data.get("station")
            and get_scoped_or_404(user, Station.objects.all(), pk=data["station"]),
            handling_unit=data.get("handling_unit")
            and get_scoped_or_404(user, HandlingUnit.objects.all(), pk=data["handling_unit"]),
            deputy=data.get("deputy") and get_scoped_or_404(user, Deputy.objects.all(), pk=data["deputy"]),
        )
        period: Period = data["period_value"]
        body = {
            "scope": scope.label,
            "period": {"kind": period.kind, "start": period.start, "end": period.end, "label": period.label},
            "figures": figures(scope=scope, period=period).as_dict(),
        }
        if data.get("by"):
            body["by"] = {
                str(k): v.as_dict() for k, v in figures_by(scope=scope, period=period, by=data["by"]).items()
            }
        return Response(body)
