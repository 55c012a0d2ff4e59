"""The REST API's shared parts: the one scoped base every endpoint inherits, errors as
JSON, and pagination without COUNT(*).

``ScopedViewSet`` owns ``get_queryset`` and ``get_object`` (through ``liaison.scoping``),
so no endpoint can forget the user's scope: a subclass that overrides ``get_queryset``
is refused when the class is created (the escape hatch would have to be named
``dangerously_get_queryset``, and there is none)."""

import inspect
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from liaison import sync
from liaison.scoping import scoped, scoped_tombstones

# Every route also answers with a format suffix (``tickets/sync.json``, ``tickets/<id>.api``):
# the router passes ``format=`` to the handler, so each handler must take it.
HANDLERS = ("list", "retrieve", "create", "update", "partial_update", "destroy")


def _takes_format(method) -> bool:
    parameters = inspect.signature(method).parameters.values()
    return any(p.name == "format" or p.kind is p.VAR_KEYWORD for p in parameters)


class ScopedViewSet(viewsets.GenericViewSet):
    """Subclasses set ``base_queryset`` (select_related in place); the scope is applied here."""

    base_queryset = None
    permission_classes = [IsAuthenticated]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__ or "get_object" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset/get_object: scoping lives here")
        names = [n for n in HANDLERS if hasattr(cls, n)] + [a.__name__ for a in cls.get_extra_actions()]
        refusing = [n for n in names if not _takes_format(getattr(cls, n))]
        if refusing:
            raise TypeError(f"{cls.__name__}.{', '.join(refusing)} must accept format=None (format suffixes)")

    def get_queryset(self):
        return scoped(self.request.user, self.base_queryset.all())

    def get_object(self):
        # Missing and out-of-scope both answer 404: existence does not leak.
        return super().get_object()


class CreatedCursorPagination(CursorPagination):
    """Keyset pages (no COUNT(*), no OFFSET): newest first."""

    ordering = ("-created_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def validation_detail(exc: DjangoValidationError) -> dict:
    """A service's ValidationError as the API's field messages."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    """Every error is JSON: Django's ValidationError (raised by services) becomes a 400
    with field messages, its PermissionDenied a 403."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到该记录，或您无权查看。")
    return drf_exception_handler(exc, context)


# --- sync, versions and ETags ------------------------------------------------------------------


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "同步游标已过期（删除记录已清理），请不带游标重新完整同步。"
    default_code = "cursor_expired"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "修改已有记录须带 If-Match 请求头（记录的 ETag）。"
    default_code = "if_match_required"


class PreconditionFailed(exceptions.APIException):
    """412 with the current version and ETag, so the client can fetch and merge."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"

    def __init__(self, *, version: int):
        super().__init__()
        # a plain dict: the version stays a number in the JSON body
        self.detail = {
            "detail": "记录已被他人修改，未覆盖。请取回最新版本后再提交。",
            "version": version,
            "etag": etag_for(version),
        }


class VersionedRetrieveMixin:
    """GET one record with its version as the ETag (what an update's If-Match quotes)."""

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return with_etag(Response(self.get_serializer_class()(obj).data), obj.version)


@contextmanager
def stale_as_412(model, pk):
    """A service that found the record changed under it (``ValidationError`` with code
    ``stale``) answers 412 with the record's current version; other errors pass through."""
    try:
        yield
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == "stale":
            raise PreconditionFailed(
                version=model.objects.values_list("version", flat=True).get(pk=pk)
            ) from exc
        raise


def etag_for(version: int) -> str:
    return f'"{version}"'


def if_match_version(request) -> int | None:
    """The version named by ``If-Match`` ("3", W/"3" or 3); ``None`` when absent;
    400 when it is not a version."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise exceptions.ValidationError({"If-Match": 'If-Match 应为记录的 ETag，如 "3"。'})
    return int(value)


def require_current_version(request, obj) -> int:
    """The If-Match check of an update: 428 without it, 412 when stale."""
    expected = if_match_version(request)
    if expected is None:
        raise PreconditionRequired
    if expected != obj.version:
        raise PreconditionFailed(version=obj.version)
    return expected


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag_for(version)
    return response


SYNC_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="上一页返回的 next_cursor；不带则从头同步"),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description=f"每页条数，默认 {sync.DEFAULT_LIMIT}，最多 {sync.MAX_LIMIT}"
    ),
]

SyncPageSerializer = inline_serializer(
    "SyncPage",
    {
        "results": serializers.ListField(
            child=serializers.DictField(),
            help_text='本页的变更：记录（与列表接口字段相同，"deleted": false）或删除标记 {"id": …, "deleted": true}',
        ),
        "next_cursor": serializers.CharField(help_text="下一次请求带上的游标（不透明）"),
        "has_more": serializers.BooleanField(help_text="为 false 时已同步到最新"),
    },
)


ErrorSerializer = inline_serializer(
    "Error",
    {"detail": serializers.CharField(required=False, help_text="说明；输入错误时为 {字段: [消息…]}")},
)
ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="输入有误：按字段给出消息"),
    403: OpenApiResponse(ErrorSerializer, description="您的角色不能执行该操作"),
    404: OpenApiResponse(ErrorSerializer, description="记录不存在，或不在您的范围内"),
}
WRITE_RESPONSES = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(
        ErrorSerializer,
        description="相同 Idempotency-Key 的请求仍在处理（见 Retry-After），或 POST 的 id 已存在",
    ),
    412: OpenApiResponse(ErrorSerializer, description="If-Match 过期：返回当前 version 与 etag，未覆盖"),
    422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key 已用于内容不同的请求"),
    428: OpenApiResponse(ErrorSerializer, description="修改已有记录须带 If-Match"),
}


class SyncMixin:
    """``GET <resource>/sync/?cursor=…``: the resource's changes since the cursor
    (``liaison.sync``), scoped like every other read."""

    sync_resource: str = ""
    sync_fields: tuple[str, ...] = ()

    def sync_transform(self, rows: list[dict]) -> list[dict]:
        return rows

    @extend_schema(
        parameters=SYNC_PARAMETERS,
        responses={
            200: SyncPageSerializer,
            400: ERROR_RESPONSES[400],
            410: OpenApiResponse(ErrorSerializer, description="游标早于删除记录的保留期：请不带游标完整同步"),
        },
        filters=True,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def sync(self, request, format=None):
        limit_raw = request.query_params.get("limit", str(sync.DEFAULT_LIMIT))
        if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= sync.MAX_LIMIT:
            raise exceptions.ValidationError({"limit": f"应为 1 到 {sync.MAX_LIMIT} 之间的整数。"})
        queryset: QuerySet = self.filter_queryset(self.get_queryset())
        try:
            page = sync.sync_page(
                queryset=queryset,
                resource=self.sync_resource,
                tombstones=scoped_tombstones(request.user, self.sync_resource),
                fields=self.sync_fields,
                cursor=request.query_params.get("cursor") or None,
                limit=int(limit_raw),
                transform=self.sync_transform,
            )
        except sync.InvalidCursor as exc:
            raise exceptions.ValidationError({"cursor": str(exc)}) from exc
        except sync.CursorExpired as exc:
            raise Gone from exc
        return Response(page.as_dict())
