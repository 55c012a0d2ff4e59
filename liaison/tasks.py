"""Periodic work of the sync machinery (schedule it daily in Celery beat)."""

from celery import shared_task

from liaison.services import tombstones_prune as _tombstones_prune


@shared_task(name="liaison.tombstones_prune")
def tombstones_prune() -> dict[str, int]:
    """Delete expired tombstones (raising the 410 horizon) and idempotency keys."""
    return _tombstones_prune()
