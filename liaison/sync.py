"""Incremental sync: one page of a resource's changes since a client's cursor.

On PostgreSQL every synced table carries ``sync_txid``, the id of the transaction that
last wrote the row (a trigger stamps it, see ``liaison.db.sync_triggers``). A page is
read in ``(sync_txid, id)`` order, keyset style, from the client's cursor, and only up to
the **watermark**: the oldest transaction of this database still in progress (see
``watermark``); every transaction older than that has finished, so no row can later turn
up behind a cursor. A transaction that
stamped a row at 10:00:01 and commits at 10:00:05 holds the watermark back until it
commits; a plain ``updated_at`` cursor would have skipped its row (the late-commit hole).
A row written again gets a newer txid and comes again, with its latest values.

Deleted rows come as tombstones (``{"id": …, "deleted": true}``) from ``liaison.Tombstone``
(those the caller may receive: ``liaison.scoping.scoped_tombstones``), merged into the same order (within one transaction, tombstones before rows). Tombstones
are kept ``SYNC_TOMBSTONE_DAYS`` days; a cursor that might have missed a pruned one
raises ``CursorExpired`` (410 Gone: the client resyncs from scratch).

On SQLite (the demo) there are no triggers: the feed falls back to ``(updated_at, id)``,
without tombstones and without the late-commit guarantee.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

SALT = "liaison.sync.cursor"
TOMBSTONE, ROW = 0, 1
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


class InvalidCursor(ValueError):
    """The cursor is not one this server issued (or was issued for another feed)."""


class CursorExpired(Exception):
    """Tombstones after this cursor have been pruned: resync from scratch (410 Gone)."""


@dataclass(frozen=True)
class Cursor:
    resource: str
    mode: str  # "x": (sync_txid, kind, key) on PostgreSQL; "u": (updated_at, key) fallback
    txid: int = 0
    kind: int = TOMBSTONE
    key: str = ""
    floor: int = 0  # tombstones older than the client's first page are not its business
    at: str = ""  # mode "u": updated_at, ISO 8601

    def encode(self) -> str:
        raw = [self.resource, self.mode, self.txid, self.kind, self.key, self.floor, self.at]
        return signing.dumps(raw, salt=SALT, compress=True)

    @classmethod
    def decode(cls, token: str, *, resource: str) -> Cursor:
        try:
            raw = signing.loads(token, salt=SALT)
            cursor = cls(*raw)
        except (signing.BadSignature, TypeError, ValueError, binascii.Error, json.JSONDecodeError) as exc:
            raise InvalidCursor(gettext("同步游标无效，请不带游标重新同步。")) from exc
        if cursor.resource != resource:
            raise InvalidCursor(gettext("该同步游标属于另一种资源。"))
        return cursor


def uses_change_sequence() -> bool:
    return connection.vendor == "postgresql"


# The oldest transaction still running *in this database* (else the snapshot's xmax).
# ``pg_snapshot_xmin`` alone would do, but it is cluster-wide: a long transaction in any
# other database of the server (a bulk load, a report) would hold every feed back. The
# in-progress ids of the snapshot (``xip``) are matched against this database's backends;
# one that finished between the snapshot and that look finished before the page's own
# query, which runs next, so its rows are visible to that query. (xid8 → 32-bit xid by
# modulo; needs the sessions' ``backend_xid`` visible: the same role, or pg_read_all_stats.)
WATERMARK_SQL = """
SELECT LEAST(
    pg_snapshot_xmax(s)::text::bigint,
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) AS x
      WHERE x::text::bigint % 4294967296 IN (
        SELECT backend_xid::text::bigint FROM pg_stat_activity
         WHERE datname = current_database() AND backend_xid IS NOT NULL)))
FROM pg_current_snapshot() AS s
"""


def watermark() -> int:
    """Rows stamped below this are final: their transactions have all finished."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a fresh look at the sessions
        cursor.execute(WATERMARK_SQL)
        return cursor.fetchone()[0]


def tombstone_days() -> int:
    return getattr(settings, "SYNC_TOMBSTONE_DAYS", 30)


@dataclass
class SyncPage:
    results: list[dict[str, Any]]
    next_cursor: str
    has_more: bool

    def as_dict(self) -> dict[str, Any]:
        return {"results": self.results, "next_cursor": self.next_cursor, "has_more": self.has_more}


Transform = Callable[[list[dict[str, Any]]], Iterable[dict[str, Any]]]


def sync_page(
    *,
    queryset: QuerySet,
    resource: str,
    tombstones: QuerySet,
    fields: Iterable[str],
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    transform: Transform | None = None,
) -> SyncPage:
    """One page of changes of ``queryset`` (already scoped) after ``cursor``.

    ``tombstones`` are the resource's tombstones the user may receive (scoped as well:
    ``liaison.scoping.scoped_tombstones``). ``fields`` go to ``values()``; ``transform``
    turns the page's rows into the output dicts in one go (masking, renaming), so
    serialising costs the same on every page."""
    limit = max(1, min(limit, MAX_LIMIT))
    fields = tuple(fields)
    if not uses_change_sequence():
        return _page_by_updated_at(queryset, resource, fields, cursor, limit, transform)

    from liaison.models import SyncHorizon

    mark = watermark()
    if cursor:
        c = Cursor.decode(cursor, resource=resource)
        if c.mode != "x":
            raise InvalidCursor(gettext("同步游标无效，请不带游标重新同步。"))
        horizon = (
            SyncHorizon.objects.filter(resource=resource).values_list("pruned_txid", "pruned_id").first()
        )
        if horizon is not None and horizon[0] >= c.floor:
            # a pruned tombstone lies after the cursor: the client may have missed it
            position = (c.txid, c.kind, int(c.key or 0) if c.kind == TOMBSTONE else 0)
            if (horizon[0], TOMBSTONE, horizon[1]) > position:
                raise CursorExpired
    else:
        c = Cursor(resource=resource, mode="x", floor=mark)

    model = queryset.model
    table = connection.ops.quote_name(model._meta.db_table)
    rows = queryset.filter(sync_txid__lt=mark)
    if c.kind == ROW:
        key = model._meta.pk.to_python(c.key)
        rows = rows.extra(where=[f"({table}.sync_txid, {table}.id) > (%s, %s)"], params=[c.txid, key])  # noqa: S610
    else:
        rows = rows.filter(sync_txid__gte=c.txid)
    rows = list(rows.order_by("sync_txid", "pk").values("sync_txid", *fields)[: limit + 1])

    stones = tombstones.filter(resource=resource, sync_txid__lt=mark, sync_txid__gte=c.floor)
    if c.kind == TOMBSTONE:
        stones = stones.filter(Q(sync_txid__gt=c.txid) | Q(sync_txid=c.txid, id__gt=int(c.key or 0)))
    else:
        stones = stones.filter(sync_txid__gt=c.txid)
    stones = list(stones.order_by("sync_txid", "id").values_list("sync_txid", "id", "object_id")[: limit + 1])

    # Merge the two ordered lists; a stable sort on (txid, kind) keeps each list's id order.
    merged = [(t, TOMBSTONE, str(pk), oid) for t, pk, oid in stones] + [
        (r["sync_txid"], ROW, str(r["id"]), r) for r in rows
    ]
    merged.sort(key=lambda item: (item[0], item[1]))
    has_more = len(merged) > limit
    merged = merged[:limit]

    page_rows = [item[3] for item in merged if item[1] == ROW]
    for r in page_rows:
        del r["sync_txid"]
    shaped = iter(list(transform(page_rows)) if transform else page_rows)
    pk_python = model._meta.pk.to_python
    results: list[dict[str, Any]] = []
    for _t, kind, _key, payload in merged:
        if kind == TOMBSTONE:
            results.append({"id": pk_python(payload), "deleted": True})
        else:
            results.append({**next(shaped), "deleted": False})
    if merged:
        t, kind, key, _ = merged[-1]
        c = Cursor(resource=resource, mode="x", txid=t, kind=kind, key=key, floor=c.floor)
    return SyncPage(results=results, next_cursor=c.encode(), has_more=has_more)


def _page_by_updated_at(queryset, resource, fields, cursor, limit, transform) -> SyncPage:
    """SQLite fallback: ``(updated_at, id)`` keyset, no tombstones, no late-commit guarantee
    (the demo runs one process on one file, where transactions commit in order anyway)."""
    model = queryset.model
    order = ("updated_at", "pk") if any(f.name == "updated_at" for f in model._meta.fields) else ("pk",)
    rows = queryset.order_by(*order)
    if cursor:
        c = Cursor.decode(cursor, resource=resource)
        if c.mode != "u":
            raise InvalidCursor(gettext("同步游标无效，请不带游标重新同步。"))
        key = model._meta.pk.to_python(c.key)
        if order[0] == "updated_at":
            at = parse_datetime(c.at)
            if at is None:
                raise InvalidCursor(gettext("同步游标无效，请不带游标重新同步。"))
            rows = rows.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=key))
        else:
            rows = rows.filter(pk__gt=key)
    else:
        c = Cursor(resource=resource, mode="u")
    extra = ("updated_at",) if order[0] == "updated_at" and "updated_at" not in fields else ()
    page = list(rows.values(*fields, *extra)[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    if page:
        last = page[-1]
        at = last["updated_at"].isoformat() if order[0] == "updated_at" else ""
        c = Cursor(resource=resource, mode="u", key=str(last["id"]), at=at)
    for r in page:
        for name in extra:
            r.pop(name, None)
    shaped = list(transform(page)) if transform else page
    return SyncPage(
        results=[{**r, "deleted": False} for r in shaped], next_cursor=c.encode(), has_more=has_more
    )
