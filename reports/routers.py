"""Reads of the reports from a read replica (docs/scale.md).

With ``REPLICA_DATABASE_URL`` set, settings add a ``replica`` database and this router:
every read of a reports model (the rollups, the overdue counts, the snapshots) goes to the
replica; every write, every other model and every migration go to ``default``. The
rollups are refreshed on the primary and reach the replica by streaming replication a
moment later, which a report (as of the last refresh anyway) tolerates; the source rows a
figure reads live (a deputy's, a unit's) stay on the primary with the rest of the page.
The refresh itself names the write database explicitly (``reports.services``)."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
READ_APPS = frozenset({"reports"})


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in READ_APPS and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, replicated

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS
