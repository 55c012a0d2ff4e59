"""A closed station takes no new reception, under concurrency too: a close and a reception
in progress wait for each other (the station row: ``FOR SHARE`` by receptions,
``FOR NO KEY UPDATE`` by the close), while receptions at one station never wait for each
other."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stations.models import Station
from stations.services import station_close
from suggestions.models import Ticket
from tests.factories import CategoryFactory, DeputyFactory, StationFactory, UserFactory, make_region_tree
from tests.pglocks import (
    is_waiting_on_lock,
    lock_waits_until_done,
    needs_postgres,
    wait_until_waiting_or_done,
)
from tests.visits.conftest import reception_input
from visits.models import ReceptionSession
from visits.services import CLOSED_STATION_MESSAGE, reception_record, reception_update_draft

pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres]


@pytest.fixture
def scene():
    tree = make_region_tree()
    station = StationFactory(region=tree.townships[0])
    return station, DeputyFactory(home_station=station), CategoryFactory(), UserFactory()


def test_receptions_started_while_a_close_is_pending_are_refused_when_it_commits(scene, db_threads):
    station, deputy, category, officer = scene

    def data():
        return reception_input(station=station, deputy=deputy, category=category, starts_at=timezone.now())

    drafts = [
        reception_record(data=data(), client_token=uuid.uuid4(), actor=officer, draft=True)[0]
        for _ in range(10)
    ]
    closer = db_threads(
        lambda: station_close(station=Station.objects.get(pk=station.pk)),
        pause_after='UPDATE "stations_station"',
        name="close",
        wait_paused=True,
    )  # closed, not yet committed
    writers = [
        db_threads(
            lambda: reception_record(data=data(), client_token=uuid.uuid4(), actor=officer), name=f"new{i}"
        )
        for i in range(10)
    ] + [
        db_threads(
            lambda d=d: reception_update_draft(session=d, data=data(), actor=officer, draft=False),
            name=f"finish{i}",
        )
        for i, d in enumerate(drafts)
    ]
    wait_until_waiting_or_done(writers)
    closer.release()
    closer.join()

    refused = []
    for t in writers:
        try:
            t.join()
        except ValidationError as exc:
            refused.append(exc.messages)
    assert refused == [[CLOSED_STATION_MESSAGE]] * 20  # all twenty: new receptions and finished drafts
    assert not ReceptionSession.objects.filter(status=ReceptionSession.Status.DONE).exists()
    assert ReceptionSession.objects.filter(status=ReceptionSession.Status.DRAFT).count() == 10
    assert not Ticket.objects.exists()


def test_receptions_at_one_station_do_not_wait_for_each_other_and_a_close_waits_for_them(scene, db_threads):
    station, deputy, category, officer = scene

    def record():
        return reception_record(
            data=reception_input(station=station, deputy=deputy, category=category, starts_at=timezone.now()),
            client_token=uuid.uuid4(),
            actor=officer,
        )

    # the first holds the station, its transaction open
    first = db_threads(
        record, pause_after='INSERT INTO "visits_receptionsession"', name="first", wait_paused=True
    )
    second = db_threads(record, name="second")
    waits = lock_waits_until_done([second])
    assert second.done.is_set() and waits[second.pid] == 0  # the second did not queue behind the first
    second.join()

    closer = db_threads(lambda: station_close(station=Station.objects.get(pk=station.pk)), name="close")
    wait_until_waiting_or_done([closer])
    assert is_waiting_on_lock(closer.pid)  # the close waits for the reception in progress
    first.release()
    first.join()
    closer.join()
    assert Station.objects.get(pk=station.pk).status == Station.Status.CLOSED
    assert ReceptionSession.objects.filter(status=ReceptionSession.Status.DONE).count() == 2
    assert Ticket.objects.count() == 4
