"""Model building blocks shared by every app."""

import contextlib
import datetime
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SyncedModel(models.Model):
    """A record that REST clients keep a copy of and sync.

    The primary key is a UUID a client may assign itself (so a retried create is
    idempotent); ``updated_at`` is indexed for change feeds; ``version`` grows by one
    on every save and backs optimistic concurrency (ETag / If-Match). Set-based
    updates must bump it themselves: ``qs.update(version=F("version") + 1, ...)``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)


# --- incremental sync: the change sequence and the tombstones --------------------------------
# Each synced table carries ``sync_txid``: the id of the transaction that last wrote the row,
# set by a PostgreSQL trigger (so set-based ``qs.update()`` and COPY are caught too). A sync
# page reads rows whose transaction is older than the oldest one still running
# (``pg_snapshot_xmin``), so a row whose transaction commits late can never appear behind a
# client's cursor (see ``liaison.sync``). Deletes leave a tombstone (``liaison.Tombstone``).
# The triggers exist only on PostgreSQL; on SQLite (the demo) the column stays empty and the
# feed falls back to ``(updated_at, id)``.

SYNC_TXID_SQL = "pg_current_xact_id()::text::bigint"


class SyncTracked(models.Model):
    """Adds the ``sync_txid`` column; the concrete model's Meta adds ``sync_index`` and
    ``sync_triggers`` (Meta options are not inherited from a mixin once a model declares
    its own Meta)."""

    sync_txid = models.BigIntegerField(_("同步序号"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


def sync_index(prefix: str) -> models.Index:
    """The keyset index a sync page scans: ``(sync_txid, id)``."""
    return models.Index(fields=["sync_txid", "id"], name=f"{prefix}_sync_idx")


# The columns of ``liaison.Tombstone`` that say where a deleted record was (its scope).
TOMBSTONE_SCOPE_COLUMNS = (
    "station_id",
    "station_parent_id",
    "region_path",
    "deputy_id",
    "unit_id",
    "session_id",
)


def sync_triggers(resource: str, *, scope: dict[str, str] | None = None) -> list:
    """A BEFORE INSERT OR UPDATE trigger stamping ``sync_txid`` and an AFTER DELETE trigger
    writing a tombstone for ``resource`` (the API's name of the feed).

    ``scope`` maps tombstone scope columns (``TOMBSTONE_SCOPE_COLUMNS``) to SQL expressions
    over ``OLD`` (the deleted row), evaluated at deletion time, so the feed can hand the
    tombstone only to those who could see the record (``liaison.scoping.scoped_tombstones``).
    A resource without scope (reference data) goes to everyone."""
    import pgtrigger

    if not resource.replace("_", "").replace("-", "").isalnum():  # pragma: no cover
        raise ValueError(resource)
    scope = scope or {}
    unknown = set(scope) - set(TOMBSTONE_SCOPE_COLUMNS)
    if unknown:  # pragma: no cover
        raise ValueError(f"not tombstone scope columns: {sorted(unknown)}")
    columns = "".join(f", {name}" for name in scope)
    values = "".join(f", {expression}" for expression in scope.values())
    return [
        pgtrigger.Trigger(
            name="sync_txid",
            when=pgtrigger.Before,
            operation=pgtrigger.Insert | pgtrigger.Update,
            func=f"NEW.sync_txid := {SYNC_TXID_SQL}; RETURN NEW;",
        ),
        pgtrigger.Trigger(
            name="sync_tombstone",
            when=pgtrigger.After,
            operation=pgtrigger.Delete,
            func=(
                f"INSERT INTO liaison_tombstone (resource, object_id, sync_txid, deleted_at{columns}) "  # noqa: S608 (resource is checked above; scope is the models' own SQL)
                f"VALUES ('{resource}', OLD.id::text, {SYNC_TXID_SQL}, now(){values}); RETURN NULL;"
            ),
        ),
    ]


# --- date-times go to PostgreSQL in UTC ------------------------------------------------------
# Python (and RFC 3339) allow UTC offsets up to ±23:59, PostgreSQL only ±15:59: an aware
# datetime with +19:12 from any form, serializer or filter sent as text is a DataError (a 500).
# Sending every aware datetime as UTC names the same instant in a form PostgreSQL always reads.


def register_utc_datetime_dumper() -> None:
    """Called once from ``LiaisonConfig.ready``, before the first connection is made (Django
    copies psycopg's adapters into each connection's context)."""
    try:
        from psycopg import adapters
        from psycopg.types.datetime import DatetimeDumper
    except ImportError:  # pragma: no cover - SQLite without psycopg
        return

    class UtcDatetimeDumper(DatetimeDumper):
        def dump(self, obj: datetime.datetime):
            with contextlib.suppress(OverflowError):  # within a day of year 1 or 9999: as it is
                obj = obj.astimezone(datetime.UTC)
            return super().dump(obj)

    adapters.register_dumper(datetime.datetime, UtcDatetimeDumper)
