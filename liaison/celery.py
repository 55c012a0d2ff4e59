"""The Celery app. Redis is the broker in production; with no broker configured
(the embedded demo default) tasks run in-process (see CELERY_TASK_ALWAYS_EAGER in settings).

Reliability settings live in ``liaison/settings.py`` (``CELERY_*``); the retry policy every
task shares is ``RETRYING`` below."""

import os

from celery import Celery
from celery.signals import setup_logging, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

app = Celery("liaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerOperationalError

    return (OperationalError, InterfaceError, BrokerOperationalError, ConnectionError, TimeoutError)


# Retried on errors that pass (a database failover, a dropped connection), with
# exponential backoff and jitter. The backoff is capped at a minute: a countdown is an
# ETA task, which Redis re-delivers after the visibility timeout, so it must stay short.
RETRYING = {
    "autoretry_for": _transient_errors(),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@worker_ready.connect
def catch_up_on_start(sender, **kwargs) -> None:
    """A worker that starts (a deploy, a restart after a crash or a broker outage) runs the
    periodic work that came due while none ran, instead of waiting for beat's next tick."""
    sender.app.send_task("liaison.catch_up_jobs")


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """The worker and beat log as the web does (settings.LOGGING: JSON lines with the
    request id) instead of Celery's own format; LOG_LEVEL sets the level, not --loglevel."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
