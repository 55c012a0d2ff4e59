"""The request id (请求编号) on every log line, in the response and in the tasks a request starts.

django-guid's middleware takes ``X-Request-ID`` from nginx (which sets it to its own
``$request_id``) or makes one, keeps it in a context variable for the request, and returns
it in the response's ``X-Request-ID``; its log filter (``request_id`` in ``LOGGING``) writes
it on every line.

Into Celery we carry it ourselves, with three signal receivers (``connect``): a task
published meanwhile gets it in its ``request_id`` header, and the worker runs that task
under it (a task beat starts gets a new id; a task run in-process, the embedded default,
keeps its caller's). Not django-guid's own Celery integration: its end-of-task receiver
clears the id outright, which in-process would wipe the id of the request still running,
and its receivers would run in an order we do not choose. Each task's start and end are
logged under its id, so the worker's log has at least those two lines per task.

What no signal can see is the outbox: a request writes a row and a worker runs it later.
So ``enqueue`` stores the id on the row (``OutboxMessage.request_id``) and the drain runs
each message under it (``bound``): the handler's log lines, and the tasks it sends, carry
the id of the request that asked for the work."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django_guid.context import guid

logger = logging.getLogger("liaison.tasks")

HEADER = "request_id"  # the Celery message header
_running: dict[str, tuple[Any, float]] = {}  # task id -> (context token, start)


def current() -> str:
    """The id of the request (or task) running now; "" outside both."""
    return guid.get() or ""


@contextmanager
def bound(request_id: str) -> Iterator[None]:
    """Run the block under ``request_id`` (no change when it is empty)."""
    if not request_id:
        yield
        return
    token = guid.set(request_id)
    try:
        yield
    finally:
        guid.reset(token)


def _publishing(headers: dict | None = None, **kwargs: Any) -> None:
    if headers is not None and current():
        headers[HEADER] = current()


def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    given = getattr(request, HEADER, None) if request is not None else None
    token = guid.set(given or current() or uuid.uuid4().hex)
    _running[task_id or ""] = (token, time.monotonic())
    logger.info("task %s [%s] started", getattr(task, "name", task), task_id)


def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    token, started = _running.pop(task_id or "", (None, None))
    seconds = time.monotonic() - started if started is not None else 0.0
    logger.info("task %s [%s] %s in %.3f s", getattr(task, "name", task), task_id, state, seconds)
    if token is not None:
        try:
            guid.reset(token)
        except ValueError:  # set in another context (cannot happen with prefork or solo)
            guid.set(None)


def connect() -> None:
    """Called once from ``LiaisonConfig.ready`` (web processes and workers alike)."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_publishing, dispatch_uid="liaison.requestid.publish", weak=False)
    task_prerun.connect(_task_started, dispatch_uid="liaison.requestid.started", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="liaison.requestid.finished", weak=False)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (``-`` outside a request or task), for the
    formatters of ``LOGGING``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True
