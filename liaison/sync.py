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

**JSON built by PostgreSQL.** A feed may pass ``json_rows`` (``JsonRows``): each row's JSON
object is then written by the page's query itself (``to_json`` of each column, the masks of
``liaison.masking.CITIZEN_MASKS_SQL``), and the page goes out as one string
(``liaison.renderers.RawJSON``), byte for byte what DRF's ``JSONRenderer`` gives for the
same ``values()`` rows: no Python object per column, no JSON encoder over them. A full sync
is mostly reading and encoding; this is where its time went (``bench/api_sync.py``).
"""

from __future__ import annotations

import binascii
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, models
from django.db.models import Expression, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from rest_framework.utils import encoders

from liaison.masking import not_a_digit
from liaison.renderers import RawJSON

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
    return _watermark_and_horizon(None)[0]


def _watermark_and_horizon(resource: str | None) -> tuple[int, tuple[int, int] | None]:
    """The watermark and, for ``resource``, its ``SyncHorizon`` (or None): one round trip."""
    from liaison.models import SyncHorizon

    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # a fresh look at the sessions (in autocommit each statement is a transaction
            # of its own, whose statistics snapshot is fresh already: no round trip)
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        if resource is None:
            cursor.execute(WATERMARK_SQL)
            return cursor.fetchone()[0], None
        table = connection.ops.quote_name(SyncHorizon._meta.db_table)
        cursor.execute(
            f"SELECT ({WATERMARK_SQL.replace('%', '%%')}), h.pruned_txid, h.pruned_id "  # noqa: S608
            f"FROM (SELECT 1) AS one LEFT JOIN {table} AS h ON h.resource = %s",
            [resource],
        )
        mark, txid, pk = cursor.fetchone()
        return mark, None if txid is None else (txid, pk)


def tombstone_days() -> int:
    return getattr(settings, "SYNC_TOMBSTONE_DAYS", 30)


@dataclass
class SyncPage:
    results: list[dict[str, Any]] | list[str]  # list[str]: each record's JSON (``json_rows``)
    next_cursor: str
    has_more: bool
    rendered: bool = False

    def as_dict(self) -> dict[str, Any]:
        if self.rendered:
            return json.loads(self.as_data())
        return {"results": self.results, "next_cursor": self.next_cursor, "has_more": self.has_more}

    def as_data(self) -> dict[str, Any] | RawJSON:
        """What the view hands to ``Response``: the dict, or the page's JSON when its
        records come rendered."""
        if not self.rendered:
            return self.as_dict()
        return RawJSON(
            '{"results":['
            + ",".join(self.results)
            + '],"next_cursor":'
            + json.dumps(self.next_cursor)
            + ',"has_more":'
            + ("true" if self.has_more else "false")
            + "}"
        )


# --- each record's JSON, written by PostgreSQL ---------------------------------------------

# PostgreSQL's to_json of a timestamp carries the session's offset ("+00:00"); DRF's encoder
# gives Python's isoformat in UTC with "Z", without the microseconds when they are 0 (the
# only "." of the text, so ``replace`` finds nothing else; a regex cost 5 ms a page).
_TIMESTAMP = (
    "'\"' || replace(to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || 'Z\"'"
)
# to_json writes these as DRF's encoder writes their Python values (str, int, bool, a
# UUID's str, a date's isoformat); floats, decimals and JSON it would not, so they are refused
_PLAIN = (
    models.UUIDField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.DateField,  # after DateTimeField below, which is one
)
_VISIBLE = "\x00visible\x00"  # where the ``visible`` condition goes in the cached SQL


@dataclass(frozen=True)
class JsonColumn:
    """One key of a record: ``field``'s value as it is, or, where ``JsonRows.visible`` is
    not true, ``masked`` (an SQL template over ``{x}``, the column)."""

    key: str
    field: models.Field
    masked: str | None = None


@dataclass(frozen=True)
class JsonRows:
    """A feed whose records' JSON PostgreSQL writes: ``columns`` in the output's order, then
    ``hidden_flag`` (if named: true where the masked values were sent), then
    ``"deleted": false``. ``visible``: a boolean annotation of the feed's queryset (masked
    columns are shown in full where it is true). ``extra``: more ``values()`` the ``after``
    hook needs (it gets the page's rows as dicts of ``id`` and those), e.g. to log who saw
    what."""

    columns: tuple[JsonColumn, ...]
    visible: str | None = None
    hidden_flag: str | None = None
    extra: tuple[str, ...] = ()
    after: Callable[[list[dict[str, Any]]], None] | None = field(default=None, compare=False)

    def expression(self) -> Expression:
        return RowJson(self)

    def sql(self, alias: str) -> str:
        return _row_sql(self.columns, self.hidden_flag, alias)


@functools.cache
def _row_sql(columns: tuple[JsonColumn, ...], hidden_flag: str | None, alias: str) -> str:
    """A record's JSON text over the table ``alias``, with ``_VISIBLE`` for the condition:
    built once per feed and process."""
    pieces, prefix = [], "{"
    for column in columns:
        if not re.fullmatch(r"\w+", column.key):
            raise ValueError(column.key)
        field_ = column.field.target_field if column.field.is_relation else column.field
        x = f'"{alias}"."{column.field.column}"'
        if column.masked is not None:
            masked = column.masked.format(x=x, not_a_digit=f"'{not_a_digit()}'")
            x = f"(CASE WHEN {_VISIBLE} THEN {x} ELSE {masked} END)"
        if isinstance(field_, models.DateTimeField):
            value = _TIMESTAMP.format(x=x)
        elif isinstance(field_, _PLAIN):
            value = f"to_json({x})::text"
        else:
            raise TypeError(f"no JSON in SQL for {type(field_).__name__}")
        pieces += [f"'{prefix}\"{column.key}\":'", f"COALESCE({value}, 'null')"]
        prefix = ","
    if hidden_flag:
        pieces += [f"',\"{hidden_flag}\":'", f"CASE WHEN {_VISIBLE} THEN 'false' ELSE 'true' END"]
    pieces.append("',\"deleted\":false}'")
    # one concat() of all the pieces: no intermediate text per ``||``
    return f"concat({', '.join(pieces)})".replace("%", "%%")


class RowJson(Expression):
    """``JsonRows.sql`` as an expression: one node (a tree of a hundred Django expressions
    cost more to compile than the page's query took to run)."""

    output_field = models.TextField()

    def __init__(self, spec: JsonRows):
        super().__init__()
        self.spec = spec
        self.visible = models.F(spec.visible) if spec.visible else None
        self.alias = ""

    def get_source_expressions(self):
        return [self.visible] if self.visible is not None else []

    def set_source_expressions(self, exprs):
        if exprs:
            (self.visible,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        c = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        c.alias = query.get_initial_alias()
        return c

    def as_sql(self, compiler, connection):
        sql = self.spec.sql(self.alias)
        if self.visible is None:
            return sql.replace(_VISIBLE, "FALSE"), []
        visible_sql, visible_params = compiler.compile(self.visible)
        return sql.replace(_VISIBLE, f"({visible_sql})"), list(visible_params) * sql.count(_VISIBLE)


def _render(value: Any) -> str:
    """One value as DRF's ``JSONRenderer`` writes it (compact, not ASCII-escaped)."""
    return json.dumps(value, cls=encoders.JSONEncoder, ensure_ascii=False, separators=(",", ":"))


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
    json_rows: JsonRows | None = None,
) -> SyncPage:
    """One page of changes of ``queryset`` (already scoped) after ``cursor``.

    ``tombstones`` are the resource's tombstones the user may receive (scoped as well:
    ``liaison.scoping.scoped_tombstones``). ``fields`` go to ``values()``; ``transform``
    turns the page's rows into the output dicts in one go (masking, renaming), so
    serialising costs the same on every page. ``json_rows``: the records' JSON comes from
    the query instead (PostgreSQL only; ``transform`` is then not called, and the page's
    ``results`` are JSON texts)."""
    limit = max(1, min(limit, MAX_LIMIT))
    fields = tuple(fields)
    if not uses_change_sequence():
        return _page_by_updated_at(queryset, resource, fields, cursor, limit, transform)

    c = Cursor.decode(cursor, resource=resource) if cursor else None
    if c is not None and c.mode != "x":
        raise InvalidCursor(gettext("同步游标无效，请不带游标重新同步。"))
    mark, horizon = _watermark_and_horizon(resource if c is not None else None)
    if c is not None:
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
    rows = rows.order_by("sync_txid", "pk")
    if json_rows is not None:
        rows = rows.annotate(sync_json=json_rows.expression())
        rows = list(rows.values("sync_txid", "id", *json_rows.extra, "sync_json")[: limit + 1])
    else:
        rows = list(rows.values("sync_txid", *fields)[: limit + 1])

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
    if merged:
        t, kind, key, _ = merged[-1]
        c = Cursor(resource=resource, mode="x", txid=t, kind=kind, key=key, floor=c.floor)
    pk_python = model._meta.pk.to_python
    if json_rows is not None:
        if json_rows.after:
            json_rows.after(page_rows)
        texts = [
            _render({"id": pk_python(payload), "deleted": True})
            if kind == TOMBSTONE
            else payload["sync_json"]
            for _t, kind, _key, payload in merged
        ]
        return SyncPage(results=texts, next_cursor=c.encode(), has_more=has_more, rendered=True)
    shaped = iter(list(transform(page_rows)) if transform else page_rows)
    results: list[dict[str, Any]] = []
    for _t, kind, _key, payload in merged:
        if kind == TOMBSTONE:
            results.append({"id": pk_python(payload), "deleted": True})
        else:
            results.append({**next(shaped), "deleted": False})
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
