"""The transactional outbox (发件箱): background work that must not be lost nor done twice.

A service calls ``enqueue("visits.ledger_export", job_id)`` inside its transaction: a row
is written with the data, so the work exists exactly when the data does, and nothing
touches Redis inside a web request. After commit, a best-effort *kick* asks the worker to
drain now: handed to one background thread per process (``Kicker``), so the request never
waits on the broker, even one that accepts connections and never answers; errors are
logged and swallowed. Beat drains every few seconds anyway, so a lost kick costs a few
seconds.

``drain()`` takes due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and runs each
message's handler in the same transaction that marks the row done: a crash rolls back
both (the message runs again, its database effects were undone), and a second drainer
skips locked rows. A failing handler is rolled back to a savepoint, retried later with
exponential backoff, and given up after ``OUTBOX_MAX_ATTEMPTS`` (visible in the admin).
Effects outside the database (an e-mail, an SMS) are at-least-once: a crash after sending
and before commit sends again.

Handlers are registered by name in each app's ``handlers.py`` (imported at start-up)::

    @outbox.handler("visits.ledger_export")
    def ledger_export(job_id: str) -> None:
        services.ledger_export_run(job_id=job_id)
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liaison import requestid
from liaison.models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]
_HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register ``func`` as the handler of outbox messages named ``name``."""

    def register(func: Handler) -> Handler:
        if _HANDLERS.get(name, func) is not func:
            raise ValueError(f"outbox handler {name!r} is registered twice")
        _HANDLERS[name] = func
        return func

    return register


def handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def _check_name(task_name: str) -> None:
    if task_name not in _HANDLERS:
        raise LookupError(f"no outbox handler named {task_name!r} (registered: {sorted(_HANDLERS)})")


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Write one message in the caller's transaction; kick the drain after commit.
    Arguments must be JSON: ids and plain values, never model instances."""
    _check_name(task_name)
    message = OutboxMessage.objects.create(
        task_name=task_name, args=list(args), kwargs=kwargs, request_id=requestid.current()
    )
    transaction.on_commit(kick)
    return message


def enqueue_many(messages: Iterable[tuple[str, list, dict]], *, batch_size: int = 1000) -> int:
    """Write many messages in one INSERT per ``batch_size``: ``(task_name, args, kwargs)``."""
    rows = []
    request_id = requestid.current()
    for task_name, args, kwargs in messages:
        _check_name(task_name)
        rows.append(
            OutboxMessage(task_name=task_name, args=list(args), kwargs=dict(kwargs), request_id=request_id)
        )
    if rows:
        OutboxMessage.objects.bulk_create(rows, batch_size=batch_size)
        transaction.on_commit(kick)
    return len(rows)


def kick() -> None:
    """Ask for a drain now. Eager (the embedded default, no Redis): drain in-process.
    Otherwise hand the kick to the process's kicker thread and return at once."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            drain()
        except Exception:  # the caller's data is committed: log, leave the rows for run_jobs
            logger.exception("outbox: in-process drain failed; the messages stay pending")
        return
    kicker.kick()


class Kicker:
    """Sends the drain kicks from one daemon thread, so no request waits on the broker: a
    Redis that accepts connections and never answers holds a send for its socket timeout,
    and every web worker with it. At most one send is in flight and one waits; kicks that
    come meanwhile fold into the waiting one. Each send has its own connection with
    ``OUTBOX_KICK_TIMEOUT`` for connecting and for each answer."""

    def __init__(self, url: str | None = None):
        self.url = url  # the broker; None: the app's
        self.sends = 0  # sends attempted (for the tests and the log)
        self._reset()

    def _reset(self) -> None:
        """Fresh locks and no thread: also in a forked child, where the parent's thread
        does not exist and its lock may have been held at the fork."""
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        with self._lock:
            self._idle.clear()
            self._wanted.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-kick", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        """True once no kick is waiting or in flight (tests; a clean shutdown)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            self._send()
            with self._lock:
                if not self._wanted.is_set():
                    self._idle.set()

    def _send(self) -> None:
        from liaison.celery import app
        from liaison.tasks import drain_outbox

        self.sends += 1
        timeout = settings.OUTBOX_KICK_TIMEOUT
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout, "max_retries": 0}
        try:
            with app.connection_for_write(
                self.url, connect_timeout=timeout, transport_options=options
            ) as conn:
                drain_outbox.apply_async(connection=conn, retry=False, ignore_result=True)
        except Exception as exc:  # the broker is down or slow: the rows wait for beat
            logger.warning(
                "outbox: could not kick the worker (%s: %s); beat will drain", type(exc).__name__, exc
            )


kicker = Kicker()
os.register_at_fork(after_in_child=kicker._reset)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: 5 s, 10 s, 20 s … capped at one hour."""
    return timedelta(seconds=min(settings.OUTBOX_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600))


def drain(*, batch_size: int | None = None, time_budget: float | None = None) -> int:
    """Run due messages, a batch per transaction, until none is due or ``time_budget``
    seconds have passed. Returns how many messages ran successfully."""
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    time_budget = settings.OUTBOX_DRAIN_SECONDS if time_budget is None else time_budget
    started = time.monotonic()
    done = 0
    while True:
        ran, taken = _drain_batch(batch_size)
        done += ran
        if taken < batch_size or time.monotonic() - started > time_budget:
            return done


def _drain_batch(batch_size: int) -> tuple[int, int]:
    done = 0
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.due()
            .select_for_update(skip_locked=True)
            .order_by("available_at", "id")[:batch_size]
        )
        for message in messages:
            # under the id of the request that wrote it: the handler's log lines and the
            # tasks it sends carry that id (liaison/requestid.py)
            with requestid.bound(message.request_id):
                done += _run_one(message)
        if messages:
            OutboxMessage.objects.bulk_update(
                messages, ["attempts", "last_error", "available_at", "done_at", "failed_at"]
            )
    return done, len(messages)


def _run_one(message: OutboxMessage) -> int:
    """Run one locked message's handler in a savepoint; 1 if it succeeded. The row's new
    state is set on ``message`` (the caller writes the batch in one UPDATE)."""
    now = timezone.now()
    message.attempts += 1
    try:
        func = _HANDLERS[message.task_name]
        with transaction.atomic():  # a savepoint: a failure undoes only this message
            func(*message.args, **message.kwargs)
    except Exception as exc:
        message.last_error = "".join(traceback.format_exception(exc))[-4000:]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.failed_at = now
            logger.error("outbox: gave up on %s after %s attempts", message, message.attempts)
        else:
            message.available_at = now + backoff(message.attempts)
            logger.warning("outbox: %s failed (attempt %s), retrying later", message, message.attempts)
        return 0
    message.done_at = timezone.now()
    return 1


def retry(queryset) -> int:
    """Make messages due again now (the admin's action for given-up messages)."""
    count = queryset.filter(done_at__isnull=True).update(
        failed_at=None, attempts=0, available_at=timezone.now()
    )
    if count:
        transaction.on_commit(kick)
    return count


def prune(*, keep_days: int | None = None) -> int:
    """Delete messages done more than ``OUTBOX_KEEP_DAYS`` ago (one DELETE); given-up
    messages stay until someone retries or deletes them in the admin."""
    keep_days = settings.OUTBOX_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = OutboxMessage.objects.filter(done_at__lt=cutoff).delete()
    return deleted
