"""Writes of the sync machinery: pruning tombstones and idempotency keys."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
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
    # the last pruned position of each feed: its highest (sync_txid, id), without reading
    # every expired tombstone (a GROUP BY, then one index probe per feed)
    last = {}
    for resource, txid in (
        old.values("resource").annotate(txid=Max("sync_txid")).values_list("resource", "txid")
    ):
        last[resource] = (txid, old.filter(resource=resource, sync_txid=txid).aggregate(pk=Max("id"))["pk"])
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
