"""The REST API's shared parts: the one scoped base every endpoint inherits, errors as
JSON, and pagination without COUNT(*).

``ScopedViewSet`` owns ``get_queryset`` and ``get_object`` (through ``liaison.scoping``),
so no endpoint can forget the user's scope: a subclass that overrides ``get_queryset``
is refused when the class is created (the escape hatch would have to be named
``dangerously_get_queryset``, and there is none)."""

import inspect
import re
import sys
from contextlib import contextmanager

from django.core import signing
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import Http404, JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from liaison import sync
from liaison.filters import parse_instant, parse_integer
from liaison.scoping import scoped, scoped_tombstones

# Every route also answers with a format suffix (``tickets/sync.json``, ``tickets/<id>.api``):
# the router passes ``format=`` to the handler, so each handler must take it.
HANDLERS = ("list", "retrieve", "create", "update", "partial_update", "destroy")


def _takes_format(method) -> bool:
    parameters = inspect.signature(method).parameters.values()
    return any(p.name == "format" or p.kind is p.VAR_KEYWORD for p in parameters)


NOT_FOUND = _("未找到该记录，或您无权查看。")


def field_error(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


def query_integer(request, name: str, *, default: int, maximum: int) -> int:
    """A bounded integer query parameter (``page_size``, ``limit``): 400 unless 1..maximum."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return parse_integer(raw, minimum=1, maximum=maximum)
    except DjangoValidationError as exc:
        raise field_error(name, exc.messages[0]) from exc


class StrictQueryMixin:
    """Every query parameter the operation does not declare answers 400, as does one given
    twice or empty; the declared ones parse strictly where they are read (filters, paging).
    So a misspelt filter never silently lists everything."""

    def allowed_query_params(self) -> set[str]:
        return set()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, request.method.lower(), None) is None:
            return  # a method the endpoint lacks: DRF's 405 with Allow comes next
        allowed = self.allowed_query_params() | {api_settings.URL_FORMAT_OVERRIDE}
        errors = {}
        for name, values in request.query_params.lists():
            if name not in allowed:
                errors[name] = [self.unknown_parameter_message(name)]
            elif len(values) > 1:
                errors[name] = [gettext("只能给一个值。")]
            elif values[0] == "":
                errors[name] = [gettext("不能为空。")]
        if errors:
            raise exceptions.ValidationError(errors)

    def unknown_parameter_message(self, name: str) -> str:
        return gettext("未知的查询参数。")


class ScopedViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """Subclasses set ``base_queryset`` (select_related in place); the scope is applied here."""

    base_queryset = None
    permission_classes = [IsAuthenticated]

    def list_filter_names(self) -> set[str]:
        names: set[str] = set()
        for backend in self.filter_backends:
            if hasattr(backend, "get_filterset_class"):
                filterset = backend().get_filterset_class(self, self.base_queryset.none())
                names |= set(filterset.base_filters) if filterset else set()
        return names

    def allowed_query_params(self) -> set[str]:
        if self.action == "list":
            paginator = self.paginator
            return self.list_filter_names() | (paginator.query_params if paginator else set())
        if self.action == "sync":
            return set(SYNC_QUERY_PARAMS)
        return set()

    def unknown_parameter_message(self, name: str) -> str:
        if self.action == "sync" and name in self.list_filter_names():
            return gettext("同步接口不支持筛选（筛选结果会随记录变化而过期）：请同步全部记录，在本地筛选。")
        return super().unknown_parameter_message(name)

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


class KeysetPagination(BasePagination):
    """Keyset pages over a unique total order (no COUNT(*), no OFFSET): the next page is the
    rows after the last one shown, compared on the whole ordering tuple
    (``(created_at, id) < (…)``), so any number of rows sharing a timestamp pages through.
    DRF's CursorPagination compares only the first field and skips ties with OFFSET, which
    repeats a page forever past 1,000 rows sharing one ``created_at``.

    The cursor is signed (opaque to clients, bound to its list's path and ordering); a bad
    one answers 400. The last field of ``ordering`` must be unique; all fields run in one
    direction."""

    ordering: tuple[str, ...] = ("-created_at", "-id")
    page_size = 100
    max_page_size = 500
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    salt = "liaison.api.page"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if len({name.startswith("-") for name in cls.ordering}) != 1:
            raise TypeError(f"{cls.__name__}: every ordering field must run in the same direction")

    @property
    def query_params(self) -> set[str]:
        return {self.cursor_query_param, self.page_size_query_param}

    @property
    def fields(self) -> list[str]:
        return [name.lstrip("-") for name in self.ordering]

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        model = queryset.model
        last = model._meta.get_field(self.fields[-1])
        if not (last.primary_key or last.unique):  # pragma: no cover - a programming error
            raise TypeError(f"{type(self).__name__}: the last ordering field must be unique")
        size = query_integer(
            request, self.page_size_query_param, default=self.page_size, maximum=self.max_page_size
        )
        position, backwards = self.decode_cursor(request, model)
        descending = self.ordering[0].startswith("-")
        order = self.ordering if not backwards else tuple(flip(name) for name in self.ordering)
        queryset = queryset.order_by(*order)
        if position is not None:
            after = TupleLessThan if descending != backwards else TupleGreaterThan
            queryset = queryset.filter(after(Tuple(*(F(name) for name in self.fields)), position))
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        has_next = more if not backwards else position is not None
        has_previous = position is not None if not backwards else more
        self.next_cursor = self.encode_cursor(rows[-1], backwards=False) if rows and has_next else None
        self.previous_cursor = self.encode_cursor(rows[0], backwards=True) if rows and has_previous else None
        return rows

    def _salt(self) -> str:
        return f"{self.salt}:{self.request.path}:{','.join(self.ordering)}"

    def encode_cursor(self, row, *, backwards: bool) -> str:
        meta = row._meta
        position = [meta.get_field(name).value_to_string(row) for name in self.fields]
        return signing.dumps({"p": position, "b": backwards}, salt=self._salt(), compress=True)

    def decode_cursor(self, request, model) -> tuple[tuple | None, bool]:
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None, False
        try:
            payload = signing.loads(token, salt=self._salt())
            values = payload["p"]
            if len(values) != len(self.fields) or not all(isinstance(v, str) for v in values):
                raise ValueError(values)
            position = tuple(
                model._meta.get_field(n).to_python(v) for n, v in zip(self.fields, values, strict=True)
            )
            return position, bool(payload["b"])
        except (signing.BadSignature, DjangoValidationError, ValueError, TypeError, KeyError) as exc:
            raise field_error(self.cursor_query_param, gettext("翻页游标无效：请从第一页重新翻页。")) from exc

    def link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.link(self.next_cursor),
                "previous": self.link(self.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": gettext("下一页的地址；没有下一页时为 null")},
                "previous": {**link, "description": gettext("上一页的地址；第一页为 null")},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": gettext(
                    "上一页返回的 next / previous 中的游标（不透明，签名）；不带则从第一页开始"
                ),
                "schema": {"type": "string", "minLength": 1},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": gettext("每页条数，1 到 {max_page_size}，默认 {page_size}").format(
                    max_page_size=self.max_page_size, page_size=self.page_size
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]


def flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


class CreatedCursorPagination(KeysetPagination):
    """Newest first: ``(created_at, id)`` descending."""


class IdCursorPagination(KeysetPagination):
    ordering = ("id",)


class PathCursorPagination(KeysetPagination):
    """The region tree in tree order (``path`` is unique)."""

    ordering = ("path",)


class DateCursorPagination(KeysetPagination):
    """Days in date order (``date`` is unique)."""

    ordering = ("date",)
    page_size = 366


# --- request bodies: JSON types as the schema states them -------------------------------------------

JSON_TYPES: list[tuple[type, tuple[type, ...], str]] = [
    # (serializer field class, accepted JSON value types, message); the first match applies
    (serializers.BooleanField, (bool,), _("应为 true 或 false。")),
    (serializers.IntegerField, (int,), _("应为整数。")),
    (serializers.FloatField, (int, float), _("应为数字。")),
    (serializers.ListField, (list,), _("应为列表。")),
    (serializers.ListSerializer, (list,), _("应为列表。")),  # a nested serializer with many=True
    (serializers.DictField, (dict,), _("应为对象。")),
    (serializers.Serializer, (dict,), _("应为对象。")),
    (
        serializers.Field,
        (str,),
        _("应为字符串。"),
    ),  # char, choice, UUID, date, decimal (a string in the schema)
]


def json_type_error(field: serializers.Field, value) -> str | None:
    """Why ``value`` is not of the JSON type ``field`` declares in the schema, or None. DRF
    itself takes ``0`` for false, ``"5"`` for 5 and ``5`` for "5"; a client that sends those
    disagrees with the schema, and a 400 says so before the value is misread."""
    if value is None:
        return None if field.allow_null else gettext("不能为 null。")
    if isinstance(field, serializers.SerializerMethodField | serializers.HiddenField):
        return None
    for field_class, types, message in JSON_TYPES:
        if isinstance(field, field_class):
            if isinstance(value, bool) and bool not in types:
                return message
            if not isinstance(value, types):
                return message
            break
    if isinstance(field, serializers.DateTimeField):
        try:
            parse_instant(value)
        except DjangoValidationError as exc:
            return exc.messages[0]
    return None


class StrictInputSerializer(serializers.Serializer):
    """The base of the API's input serializers (shape only, the rules are in the services):
    each field's JSON type is checked first (``json_type_error``), date-times are RFC 3339
    with an offset."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {
                name: [problem]
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (problem := json_type_error(field, data[name])) is not None
            }
            if errors:
                raise exceptions.ValidationError(errors)
        return super().to_internal_value(data)


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
        exc = exceptions.NotFound(NOT_FOUND)
    return drf_exception_handler(exc, context)


# Django's own error views (``handler404`` etc. in liaison/urls.py): JSON under /api/, so a
# path no route matches (``/api/v1/tickets/0.5/transitions/``) answers like the API does.


def is_api_path(request) -> bool:
    return request.path.startswith("/api/")


def handler400(request, exception):
    if is_api_path(request):
        return JsonResponse({"detail": gettext("请求无效。")}, status=400)
    return defaults.bad_request(request, exception)


def handler403(request, exception):
    if is_api_path(request):
        return JsonResponse({"detail": gettext("您无权执行该操作。")}, status=403)
    return defaults.permission_denied(request, exception)


def handler404(request, exception):
    if is_api_path(request):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)


DATABASE_UNAVAILABLE = _("数据库暂时不可用，请稍后重试。")
# SQLSTATEs that mean "the server went away or is not taking connections": class 08
# (connection exception), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now
_UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def database_unavailable(exc: BaseException | None) -> bool:
    """Did ``exc`` come from not reaching PostgreSQL (down, restarting, connection lost)?
    psycopg's own connection failures carry no SQLSTATE; a failed statement (cancelled,
    deadlocked, a constraint) carries its own, and is not this."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    cause = exc.__cause__
    if cause is None or not type(cause).__module__.startswith("psycopg"):
        return False
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES


def handler500(request):
    """A server error under /api/ is JSON; while the database cannot be reached it is a
    503 with ``Retry-After`` (clients retry it; nothing was applied: the request's
    transaction never committed), still logged with its traceback by Django."""
    if is_api_path(request):
        if database_unavailable(sys.exc_info()[1]):
            return JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503, headers={"Retry-After": "1"})
        return JsonResponse({"detail": gettext("服务器内部错误。")}, status=500)
    return defaults.server_error(request)


# --- sync, versions and ETags ------------------------------------------------------------------


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = _("同步游标已过期（删除记录已清理），请不带游标重新完整同步。")
    default_code = "cursor_expired"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _("修改已有记录须带 If-Match 请求头（记录的 ETag）。")
    default_code = "if_match_required"


class PreconditionFailed(exceptions.APIException):
    """412 with the current version and ETag, so the client can fetch and merge."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"

    def __init__(self, *, version: int):
        super().__init__()
        # a plain dict: the version stays a number in the JSON body
        self.detail = {
            "detail": gettext("记录已被他人修改，未覆盖。请取回最新版本后再提交。"),
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


IF_MATCH_PATTERN = r'^\s*(?:W/)?(?:"([0-9]{1,9})"|([0-9]{1,9}))\s*$'
IF_MATCH = re.compile(IF_MATCH_PATTERN)


def if_match_version(request) -> int | None:
    """The version named by ``If-Match`` ("3", W/"3" or 3); ``None`` when absent;
    400 when it is not a version (ASCII digits only: ``"²".isdigit()`` is true)."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    match = IF_MATCH.match(raw)
    if match is None:
        raise field_error("If-Match", gettext('If-Match 应为记录的 ETag，如 "3"。'))
    return int(match.group(1) or match.group(2))


def if_match_parameter(*, required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        "If-Match",
        {"type": "string", "pattern": IF_MATCH_PATTERN},
        OpenApiParameter.HEADER,
        required=required,
        description=gettext('记录的 ETag（GET 返回），如 "3"；过期则 412')
        + (gettext("；不带则 428") if required else gettext("；修改已有记录时必带（否则 428）")),
    )


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    required=False,
    description=_("客户端生成的幂等键：重试时带同一个键，得到第一次的回答（Idempotent-Replayed: true）"),
)


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


SYNC_QUERY_PARAMS = ("cursor", "limit")
SYNC_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        {"type": "string", "minLength": 1},
        description=_("上一页返回的 next_cursor（不透明，签名）；不带则从头完整同步"),
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": sync.MAX_LIMIT, "default": sync.DEFAULT_LIMIT},
        description=format_lazy(
            _("每页条数，1 到 {MAX_LIMIT}，默认 {DEFAULT_LIMIT}"),
            MAX_LIMIT=sync.MAX_LIMIT,
            DEFAULT_LIMIT=sync.DEFAULT_LIMIT,
        ),
    ),
]

SyncPageSerializer = inline_serializer(
    "SyncPage",
    {
        "results": serializers.ListField(
            child=serializers.DictField(),
            help_text=_(
                '本页的变更：记录（与列表接口字段相同，"deleted": false）或删除标记 {"id": …, "deleted": true}'
            ),
        ),
        "next_cursor": serializers.CharField(help_text=_("下一次请求带上的游标（不透明）")),
        "has_more": serializers.BooleanField(help_text=_("为 false 时已同步到最新")),
    },
)


ErrorSerializer = inline_serializer(
    "Error",
    {"detail": serializers.CharField(required=False, help_text=_("说明；输入错误时为 {字段: [消息…]}"))},
)
ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description=_("输入有误：按字段给出消息")),
    403: OpenApiResponse(ErrorSerializer, description=_("您的角色不能执行该操作")),
    404: OpenApiResponse(ErrorSerializer, description=_("记录不存在，或不在您的范围内")),
}
PRECONDITION_RESPONSES = {
    412: OpenApiResponse(ErrorSerializer, description=_("If-Match 过期：返回当前 version 与 etag，未覆盖")),
    428: OpenApiResponse(ErrorSerializer, description=_("修改已有记录须带 If-Match")),
}
WRITE_RESPONSES = {
    **ERROR_RESPONSES,
    **PRECONDITION_RESPONSES,
    409: OpenApiResponse(
        ErrorSerializer,
        description=_("相同 Idempotency-Key 的请求仍在处理（见 Retry-After），或 POST 的 id 已存在"),
    ),
    422: OpenApiResponse(ErrorSerializer, description=_("Idempotency-Key 已用于内容不同的请求")),
}


ERROR_DESCRIPTIONS = {
    400: _("输入有误：按字段给出消息（查询参数、请求头或请求体）"),
    401: _("未登录或令牌无效"),
    403: _("您的角色不能执行该操作"),
    404: _("记录不存在，或不在您的范围内"),
    406: _("无法按 Accept 请求头给出的格式回答（本接口只答 JSON）"),
    415: _("请求体须为 application/json"),
    429: _("请求过于频繁（按令牌限流），见 Retry-After"),
}


class ApiSchema(AutoSchema):
    """The schema lists every status an operation can answer: besides what a view declares,
    400 (every operation parses its query strictly), 401, 406 and 429 everywhere, 404 for a
    record's path, 403 and 415 for writes. All as the JSON error body."""

    def error_statuses(self) -> list[int]:
        codes = [400, 401, 406, 429]
        if "{" in self.path:
            codes.append(404)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes += [403, 415]
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_statuses():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), str(code)
                )
        return responses


def strict_query_schema(result, generator, request, public):
    """drf-spectacular postprocessing hook: a query parameter given empty is a 400
    (``StrictQueryMixin``), so every string one says ``minLength: 1``."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
    return result


def document_unavailable(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation may answer 503 with
    ``Retry-After`` while the database cannot be reached (``handler500``); clients retry it,
    nothing was applied."""
    response = {
        "description": "数据库暂时不可用：未执行任何修改，请按 Retry-After 秒数后重试",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "重试前等待的秒数"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("503", response)
    return result


class SyncMixin:
    """``GET <resource>/sync/?cursor=…``: the resource's changes since the cursor
    (``liaison.sync``), scoped like every other read."""

    sync_resource: str = ""
    sync_fields: tuple[str, ...] = ()

    def sync_transform(self, rows: list[dict]) -> list[dict]:
        return rows

    def sync_json_rows(self) -> sync.JsonRows | None:
        """The records' JSON written by PostgreSQL (``liaison.sync.JsonRows``), the same
        bytes as ``sync_fields`` through ``sync_transform``; ``None``: built in Python."""
        return None

    @extend_schema(
        parameters=SYNC_PARAMETERS,
        responses={
            200: SyncPageSerializer,
            400: ERROR_RESPONSES[400],
            410: OpenApiResponse(
                ErrorSerializer, description=_("游标早于删除记录的保留期：请不带游标完整同步")
            ),
        },
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def sync(self, request, format=None):
        """The resource's changes since ``cursor``. No list filters (400): a record that left
        a filter would silently stay in the client's copy as it was."""
        limit = query_integer(request, "limit", default=sync.DEFAULT_LIMIT, maximum=sync.MAX_LIMIT)
        queryset: QuerySet = self.filter_queryset(self.get_queryset())
        try:
            page = sync.sync_page(
                queryset=queryset,
                resource=self.sync_resource,
                tombstones=scoped_tombstones(request.user, self.sync_resource),
                fields=self.sync_fields,
                cursor=request.query_params.get("cursor"),
                limit=limit,
                transform=self.sync_transform,
                json_rows=self.sync_json_rows() if sync.uses_change_sequence() else None,
            )
        except sync.InvalidCursor as exc:
            raise exceptions.ValidationError({"cursor": str(exc)}) from exc
        except sync.CursorExpired as exc:
            raise Gone from exc
        return Response(page.as_data())
