"""Audit context for every request: who made a change, and from which client.

pghistory's triggers record the row change itself (including set-based
``queryset.update()``); this attaches the user, the URL and the client to it. The
context travels in a PostgreSQL session variable, so on the SQLite demo it is skipped."""

from django.db import connection
from pghistory.middleware import HistoryMiddleware

from liaison.proxies import client_ip


def request_client(request) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    return "api_token" if auth.lower().startswith(("token ", "bearer ")) else "browser"


class AuditContextMiddleware(HistoryMiddleware):
    def get_context(self, request):
        context = super().get_context(request)
        context["client"] = request_client(request)
        context["ip"] = client_ip(request)
        return context

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)
