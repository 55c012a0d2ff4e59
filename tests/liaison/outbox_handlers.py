"""Outbox handlers used by the tests, registered both in the test process (imported by
the tests) and in the real worker subprocess (imported by ``tests/liaison/worker.py``).

Their database effect is an inbox row, so "ran exactly once" is a count of rows."""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task

from liaison import outbox
from notifications.models import Notification


@outbox.handler("tests.record")
def record(user_id: int, key: str) -> None:
    Notification.objects.create(recipient_id=user_id, kind="test", title=key)


@outbox.handler("tests.slow_record")
def slow_record(user_id: int, key: str, marker: str, seconds: float = 30.0) -> None:
    """Writes its row, then the first time only touches ``marker`` (outside the
    transaction: a file) and sleeps, so a test can kill the worker mid-handler."""
    Notification.objects.create(recipient_id=user_id, kind="test", title=key)
    path = Path(marker)
    if not path.exists():
        path.write_text("started")
        time.sleep(seconds)


@outbox.handler("tests.fail_until")
def fail_until(user_id: int, key: str, succeed_on: int) -> None:
    """Fails until attempt ``succeed_on`` (counted by its own rows' absence is not
    possible: they roll back), so it counts attempts in the message row itself."""
    from liaison.models import OutboxMessage

    attempts = OutboxMessage.objects.filter(kwargs__key=key).values_list("attempts", flat=True).get()
    # the drain counts this attempt in memory; the row still holds the previous count
    if attempts + 1 < succeed_on:
        Notification.objects.create(recipient_id=user_id, kind="test", title=f"{key}-undone")
        raise RuntimeError(f"处理失败（第 {attempts + 1} 次）")
    Notification.objects.create(recipient_id=user_id, kind="test", title=key)


@shared_task(name="tests.escalation_sweep_without_lock")
def escalation_sweep_without_lock(batch_size: int) -> int:
    """The sweep minus its single-flight lock, so two real workers really overlap."""
    from suggestions.escalation import escalation_sweep

    return escalation_sweep(lock=False, batch_size=batch_size).escalated
