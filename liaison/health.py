"""``/healthz`` and ``/readyz``, for the load balancer, systemd, compose and monitoring.

``/healthz``: is this web process able to serve (its database answers)? ``/readyz``: is
the whole service ready: the database answers, every migration is applied, the broker
answers, and the periodic jobs run (the latest job started within
``READY_JOBS_MINUTES``: beat ticks and a worker takes the ticks, or a worker catches up).
Both answer without a session, a language or a redirect to HTTPS (``SECURE_REDIRECT_EXEMPT``)
and tell nothing but "ok" or which part failed; 503 when a part fails."""

from __future__ import annotations

import datetime as dt

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liaison.models import JobRun

OK, FAILED = "ok", "unavailable"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"; the log has the cause
        return FAILED
    return OK


def _migrations() -> str:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return OK if not plan else "pending"


def _broker() -> str:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return "not used"  # the embedded default runs tasks in the request's process
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception:  # refused, timed out, not Redis: not ready
        return FAILED
    return OK


def _jobs() -> str:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return "not used"
    latest = JobRun.objects.aggregate(latest=Max("last_started_at"))["latest"]
    window = dt.timedelta(minutes=getattr(settings, "READY_JOBS_MINUTES", 5))
    if latest is None or timezone.now() - latest > window:
        return "late"
    return OK


@never_cache
@require_GET
def healthz(request):
    if _database() != OK:
        return JsonResponse({"status": FAILED, "database": FAILED}, status=503)
    return JsonResponse({"status": OK})


@never_cache
@require_GET
def readyz(request):
    parts = {"database": _database()}
    if parts["database"] == OK:
        parts["migrations"] = _migrations()
        parts["jobs"] = _jobs()
    parts["broker"] = _broker()
    ready = all(value in (OK, "not used") for value in parts.values())
    return JsonResponse({"status": OK if ready else FAILED, **parts}, status=200 if ready else 503)
