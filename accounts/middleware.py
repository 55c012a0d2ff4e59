"""Audit context for every request: who made a change, and from which client.

pghistory's triggers record the row change itself (including set-based
``queryset.update()``); this attaches the user, the URL and the client to it. The
context travels in a PostgreSQL session variable, so on the SQLite demo it is skipped."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy
from pghistory.middleware import HistoryMiddleware

from liaison.proxies import client_ip


def is_api_path(request) -> bool:
    return request.path.startswith("/api/")


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


# --- 等保: idle timeout and the steps a signed-in user must take first ---------------------

IDLE_STAMP_KEY = "liaison_last_seen"
# the stamp is rewritten at most once a minute, so a page costs no session write per request
IDLE_STAMP_EVERY_SECONDS = 60


def stamp_activity(request) -> None:
    """Mark the session active now (at sign-in, and by the middleware)."""
    request.session[IDLE_STAMP_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Ends a session idle for more than ``SESSION_IDLE_MINUTES`` (besides the absolute
    ``SESSION_COOKIE_AGE``). Pages go to the sign-in page, which says why; the API answers
    as to a signed-out client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        minutes = settings.SESSION_IDLE_MINUTES
        session = getattr(request, "session", None)
        if minutes and session is not None and SESSION_KEY in session:
            now = int(time.time())
            last = session.get(IDLE_STAMP_KEY)
            if last is not None and now - last > minutes * 60:
                logout(request)
                if not is_api_path(request):
                    login = resolve_url(settings.LOGIN_URL)
                    return redirect(f"{login}?{urlencode({'next': request.get_full_path(), 'idle': '1'})}")
            elif last is None or now - last >= IDLE_STAMP_EVERY_SECONDS:
                session[IDLE_STAMP_KEY] = now
        return self.get_response(request)


PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 (a code, not a password)
TWO_FACTOR_REQUIRED = "two_factor_required"
STEP_MESSAGES = {
    PASSWORD_CHANGE_REQUIRED: gettext_lazy("请先修改密码：首次登录、密码被重置或已过期后须设置新密码。"),
    TWO_FACTOR_REQUIRED: gettext_lazy("您的角色须使用两步验证：请先完成两步验证设置或验证。"),
}
# the pages a user with a pending step may still open (by URL name)
STEP_EXEMPT_URL_NAMES = {
    "accounts:logout",
    "accounts:login",
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:two_factor",
    "accounts:two_factor_verify",
    "accounts:recovery_codes",
    "set_language",
}


def pending_step(request, user) -> str | None:
    """The step ``user`` must take before anything else, if any."""
    from accounts.services import password_change_due
    from liaison.scoping import two_factor_required_for

    if settings.TWO_FACTOR_REQUIRED and two_factor_required_for(user):
        is_verified = getattr(user, "is_verified", None)
        if not (is_verified and is_verified()):
            return TWO_FACTOR_REQUIRED
    if password_change_due(user):
        return PASSWORD_CHANGE_REQUIRED
    return None


class AccountStepsMiddleware:
    """Sends a signed-in user who must change their password (first sign-in, reset by
    staff, expired) or must use two-factor sign-in (their role needs it) to that page
    before any other; the API answers 403 with ``code`` naming the step."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not self._exempt(request) and user.is_authenticated:
            step = pending_step(request, user)
            if step:
                if is_api_path(request):
                    return JsonResponse({"detail": str(STEP_MESSAGES[step]), "code": step}, status=403)
                target = (
                    "accounts:password_change" if step == PASSWORD_CHANGE_REQUIRED else "accounts:two_factor"
                )
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith((settings.STATIC_URL or "/static/", "/healthz", "/readyz")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        return name in STEP_EXEMPT_URL_NAMES
