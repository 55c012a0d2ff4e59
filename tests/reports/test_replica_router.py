"""Reads of the reports from a read replica: with a ``replica`` database configured
(``REPLICA_DATABASE_URL``), the report's rollup reads go to it, the refresh writes only
to ``default``. Here the replica is a second connection to the same test database (as a
streaming replica would be a second server with the same rows)."""

from __future__ import annotations

import datetime as dt
import warnings
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings

from reports.models import StationTickets
from reports.periods import Period, Scope
from reports.routers import REPLICA
from reports.selectors import figures
from reports.services import rollups_refresh
from tests.factories import StationFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def replica():
    """A ``replica`` connection to the test database, and the router switched on. The
    connection is registered with the handler but not in its settings (Django's test case
    refuses connections to configured aliases a test did not declare); the router looks
    for ``replica`` in ``settings.DATABASES``."""
    default = connections["default"]
    wrapper = default.__class__({**default.settings_dict}, alias=REPLICA)
    connections[REPLICA] = wrapper
    databases = {**settings.DATABASES, REPLICA: {**settings.DATABASES["default"]}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Overriding setting DATABASES …": only the router reads it
            with override_settings(DATABASES=databases, DATABASE_ROUTERS=["reports.routers.ReplicaRouter"]):
                yield wrapper  # (Django's setting_changed handler rebuilds the router list)
    finally:
        wrapper.close()
        del connections[REPLICA]


def _statements(ctx, *words) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if any(w in q["sql"] for w in words)]


def test_report_reads_go_to_the_replica_and_the_refresh_writes_to_default(replica):
    assert replica.connection is None or replica.connection is not connection.connection
    station = StationFactory()
    TicketFactory.create_batch(3, station=station, received_at=dt.datetime(2023, 3, 5, 10, tzinfo=TZ))
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_default:
        rollups_refresh(full=True)
    assert not _statements(on_replica, "INSERT", "DELETE", "VACUUM")  # writes: the primary only
    assert _statements(on_default, 'INSERT INTO "reports_stationtickets"')
    assert StationTickets.objects.using("default").count() == 1

    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_default:
        got = figures(scope=Scope(station=station), period=Period.quarter(2023, 1))
    assert got.collected == 3
    assert len(_statements(on_replica, "reports_stationtickets", "reports_stationactivity")) == 2
    assert not _statements(on_default, "reports_")
    assert replica.connection is not connection.connection  # a connection of its own
