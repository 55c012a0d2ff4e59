from __future__ import annotations

from reports.models import StationActivity, StationTickets
from tests.pglocks import db_threads  # noqa: F401 (a fixture, for the lock tests)


def rollup_snapshot() -> dict:
    """Every rollup row, without its id: equal snapshots mean equal figures."""
    return {
        model.__name__: sorted(
            repr(tuple(v for k, v in row.items() if k != "id")) for row in model.objects.values()
        )
        for model in (StationActivity, StationTickets)
    }
