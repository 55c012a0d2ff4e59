"""The audit trail: which models it covers and how.

django-pghistory records every insert, update and delete through PostgreSQL triggers,
so set-based ``queryset.update()`` and bulk operations are recorded too (signal-based
libraries miss them). Each tracked model gets an ``<Model>Event`` table; the request's
user, URL and client are attached by ``accounts.middleware.AuditContextMiddleware``."""

import pghistory


def audited():
    """Class decorator: track inserts, updates (with before/after) and deletes.

    Trackers are bound to one model each, so every call builds fresh ones."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
