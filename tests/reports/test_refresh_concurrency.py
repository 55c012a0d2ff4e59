"""No user write waits for a rollup refresh, and the two never deadlock (issue 13).

The refresher runs in a thread and is stopped, its transaction open, right after its
first rollup INSERT (it then holds everything a refresh holds: claimed change-log
entries, deleted and inserted rollup rows). A write to the very group it is recomputing
must complete meanwhile, and ``pg_stat_activity`` / ``pg_locks`` must never show the
writer's backend waiting on a lock."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
from django.db import connection
from django.db.models import F

from reports.models import RollupDirty
from reports.services import rollups_refresh
from suggestions import services
from suggestions.models import Ticket
from tests.factories import DeputyFactory
from tests.pglocks import deadlocks, lock_waits_until_done, needs_postgres, wait_backends_gone
from tests.reports.conftest import rollup_snapshot
from tests.suggestions.factories import World, make_world
from tests.visits.conftest import reception_input
from visits.models import ReceptionSession
from visits.services import ReceptionInput, reception_record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_postgres,
]

ROLLUP_INSERT = 'INSERT INTO "reports_'


def _reception(w: World, deputy, *, station=None, starts_at, rows: int = 2) -> ReceptionInput:
    return reception_input(
        station=station or w.station, deputy=deputy, category=w.category, starts_at=starts_at, rows=rows
    )


WRITES = {
    "reception": lambda w, ticket, deputy: reception_record(
        data=_reception(w, deputy, starts_at=ticket.received_at), client_token=uuid.uuid4(), actor=w.officer
    ),
    "ticket_update": lambda w, ticket, deputy: services.ticket_update_details(
        ticket=ticket, actor=w.officer, content="村东头道路坑洼严重，已有群众摔伤"
    ),
    "transition": lambda w, ticket, deputy: services.ticket_accept(
        ticket=ticket, actor=w.officer, tier=Ticket.Tier.TOWNSHIP
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_a_write_completes_without_waiting_while_a_refresh_holds_its_transaction(full, write, db_threads):
    w = make_world()
    deputy = DeputyFactory(home_station=w.station)
    ticket = w.ticket(received_by_deputy=deputy)
    rollups_refresh(full=True)
    # the group the write touches is in the change log: the refresh takes it
    Ticket.objects.filter(pk=ticket.pk).update(version=F("version") + 1)
    assert RollupDirty.objects.exists()

    refresher = db_threads(
        lambda: rollups_refresh(full=full), pause_after=ROLLUP_INSERT, name="refresh", wait_paused=True
    )
    writer = db_threads(lambda: WRITES[write](w, ticket, deputy), name="writer")
    waits = lock_waits_until_done([writer])
    finished_while_refresh_open = writer.done.is_set()
    refresh_was_open = refresher.in_open_transaction()
    refresher.release()
    refresher.join()
    writer.join()
    assert waits[writer.pid] == 0, "the write waited on a lock held by the refresh"
    assert finished_while_refresh_open and refresh_was_open

    # and the write is counted by the next refresh, exactly
    rollups_refresh()
    incremental = rollup_snapshot()
    rollups_refresh(full=True)
    assert rollup_snapshot() == incremental


@pytest.mark.slow
def test_receptions_saved_beside_refreshes_never_deadlock_and_all_count():
    """40 receptions with ledger rows and 10 refreshes, incremental and full, side by side
    (6 threads taking from one queue) on two stations and one month."""
    w = make_world()
    stations = [w.station, w.other_station]
    deputies = {s.pk: DeputyFactory(home_station=s) for s in stations}
    moment = w.ticket().received_at
    rollups_refresh(full=True)
    before = deadlocks()
    tickets_before = Ticket.objects.count()

    r = random.Random(13)

    def save(station):
        rows = r.randint(1, 4)
        return lambda: reception_record(
            data=_reception(w, deputies[station.pk], station=station, starts_at=moment, rows=rows),
            client_token=uuid.uuid4(),
            actor=w.officer,
        )

    def refresh(full: bool):
        return lambda: rollups_refresh(full=full)

    # one queue, a refresh after every four saves, so refreshes run while saves do
    jobs = []
    for i in range(40):
        jobs.append(save(stations[i % 2]))
        if i % 4 == 3:
            jobs.append(refresh(full=i % 12 == 3))  # full, incremental, incremental, full, …
    jobs.reverse()
    start = threading.Barrier(6)
    lock = threading.Lock()
    errors: list[BaseException] = []
    pids: list[int] = []

    def worker():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
            start.wait(30)
            while True:
                with lock:
                    if not jobs:
                        return
                    job = jobs.pop()
                job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    assert not jobs

    assert ReceptionSession.objects.count() == 40  # every save succeeded
    assert Ticket.objects.count() > tickets_before + 40
    wait_backends_gone(pids)
    assert deadlocks() == before

    rollups_refresh()
    incremental = rollup_snapshot()
    rollups_refresh(full=True)
    assert rollup_snapshot() == incremental
