"""``/healthz``: is this web process able to serve? For the load balancer, systemd and
compose health checks. It answers without a session, a language or a redirect to HTTPS
(``SECURE_REDIRECT_EXEMPT``), and tells nothing but "ok" or which part failed."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"; the log has the cause
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
