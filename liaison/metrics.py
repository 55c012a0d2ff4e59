"""``/metrics``: Prometheus figures for the operator (issue 21; deploy/MONITORING.md).

Requests and latency come from django-prometheus' two middlewares (``django_http_*``),
counted in each gunicorn worker; under gunicorn they are written to
``PROMETHEUS_MULTIPROC_DIR`` (deploy/gunicorn.conf.py sets it) and summed over the workers
here by prometheus_client's ``MultiProcessCollector``, so every scrape sees all workers
whichever one answers it. The rest is read from the database at scrape time, by
``DatabaseCollector`` (a few indexed counts, no per-row work): the outbox's depth, each
periodic job's last success, last duration and whether it is overdue (``liaison.JobRun``),
and the tickets overdue today.

Not public: nginx answers 404 for ``/metrics`` (deploy/nginx), and the view itself answers
only a request carrying ``Authorization: Bearer $METRICS_TOKEN`` (when the token is set) or
one made straight to the app from loopback (no proxy in between); anything else gets the
same 404 as a missing page."""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from liaison import jobs
from liaison.models import JobRun, OutboxMessage


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and given:
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers:  # came through a proxy: not "from this host"
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


class DatabaseCollector(Collector):
    """The figures kept in the database, read once per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        pending = OutboxMessage.objects.pending()
        depth = GaugeMetricFamily("liaison_outbox_pending", "Outbox messages not yet done nor given up")
        depth.add_metric([], pending.count())
        yield depth
        failed = GaugeMetricFamily("liaison_outbox_failed", "Outbox messages given up (see the admin)")
        failed.add_metric([], OutboxMessage.objects.failed().count())
        yield failed
        oldest = pending.filter(available_at__lte=now).aggregate(oldest=Min("available_at"))["oldest"]
        age = GaugeMetricFamily(
            "liaison_outbox_oldest_due_seconds", "How long the oldest due outbox message has waited"
        )
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield age

        plan = jobs.schedules()  # from the settings: no query
        runs = {run.name: run for run in JobRun.objects.all()}  # one row a job (a dozen)
        success = GaugeMetricFamily(
            "liaison_job_last_success_timestamp_seconds",
            "When each periodic job last completed",
            labels=["job"],
        )
        duration = GaugeMetricFamily(
            "liaison_job_last_duration_seconds", "How long each job's last completed run took", labels=["job"]
        )
        failure = GaugeMetricFamily(
            "liaison_job_last_failure_timestamp_seconds", "When each periodic job last failed", labels=["job"]
        )
        overdue = GaugeMetricFamily(
            "liaison_job_overdue", "1 when a scheduled job has not succeeded on time", labels=["job"]
        )
        for name, run in sorted(runs.items()):
            if run.last_completed_at:
                success.add_metric([name], run.last_completed_at.timestamp())
            if run.last_duration is not None:
                duration.add_metric([name], run.last_duration)
            if run.last_failed_at:
                failure.add_metric([name], run.last_failed_at.timestamp())
            if name in plan:
                overdue.add_metric([name], 1.0 if jobs.is_overdue(run, plan[name]) else 0.0)
        yield from (success, duration, failure, overdue)

        # (the one figure from a domain app, imported here so the ground floor does not)
        from suggestions.models import Ticket

        tickets = GaugeMetricFamily("liaison_tickets_overdue", "Tickets still running past their due date")
        tickets.add_metric([], Ticket.objects.overdue(on=timezone.localdate()).count())
        yield tickets


def registry() -> CollectorRegistry:
    """All gunicorn workers' request figures (multiprocess mode) or this process's, plus
    the database's."""
    out = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(out)
    else:
        out.register(_ThisProcess())
    out.register(DatabaseCollector())
    return out


class _ThisProcess(Collector):
    """One process (runserver, the tests): its own default registry."""

    def collect(self):
        return REGISTRY.collect()


@never_cache
@require_GET
def metrics(request) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
