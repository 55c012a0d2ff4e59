"""Writes of the sync machinery: pruning tombstones and idempotency keys."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from liaison.idempotency import idempotency_keys_prune
from liaison.models import SyncHorizon, Tombstone
from liaison.sync import tombstone_days


@transaction.atomic
def tombstones_prune(*, older_than_days: int | None = None) -> dict[str, int]:
    """Delete tombstones older than ``SYNC_TOMBSTONE_DAYS`` and raise each feed's horizon
    to the highest pruned ``sync_txid``: a cursor below it answers 410 Gone."""
    days = tombstone_days() if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    old = Tombstone.objects.filter(deleted_at__lt=cutoff)
    last = {}
    for resource, txid, pk in old.order_by("resource", "sync_txid", "id").values_list(
        "resource", "sync_txid", "id"
    ):
        last[resource] = (txid, pk)
    for resource, (txid, pk) in last.items():
        horizon, created = SyncHorizon.objects.select_for_update().get_or_create(
            resource=resource, defaults={"pruned_txid": txid, "pruned_id": pk}
        )
        if not created and (txid, pk) > (horizon.pruned_txid, horizon.pruned_id):
            horizon.pruned_txid, horizon.pruned_id = txid, pk
            horizon.pruned_at = timezone.now()
            horizon.save()
    deleted = old.delete()[0]
    return {"tombstones": deleted, "idempotency_keys": idempotency_keys_prune()}
