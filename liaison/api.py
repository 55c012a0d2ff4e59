"""The REST API's shared parts: the one scoped base every endpoint inherits, errors as
JSON, and pagination without COUNT(*).

``ScopedViewSet`` owns ``get_queryset`` and ``get_object`` (through ``liaison.scoping``),
so no endpoint can forget the user's scope: a subclass that overrides ``get_queryset``
is refused when the class is created (the escape hatch would have to be named
``dangerously_get_queryset``, and there is none)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import exception_handler as drf_exception_handler

from liaison.scoping import scoped


class ScopedViewSet(viewsets.GenericViewSet):
    """Subclasses set ``base_queryset`` (select_related in place); the scope is applied here."""

    base_queryset = None
    permission_classes = [IsAuthenticated]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__ or "get_object" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset/get_object: scoping lives here")

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


def exception_handler(exc, context):
    """Every error is JSON: Django's ValidationError (raised by services) becomes a 400
    with field messages, its PermissionDenied a 403."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到该记录，或您无权查看。")
    return drf_exception_handler(exc, context)
