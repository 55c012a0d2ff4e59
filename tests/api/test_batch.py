"""tickets/batch/: set-based, in a fixed number of queries, with the same answers as
applying each record through the PUT path (``_batch_per_record``)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.db import transaction

from stations.models import Station
from suggestions import api as suggestions_api
from suggestions.models import Ticket, TimelineEvent
from tests.api.test_writes import body
from tests.factories import (
    DeputyFactory,
    LeadingCadreFactory,
    PointFactory,
    ReceptionSessionFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def new(w, **extra):
    return {"id": str(uuid.uuid4()), **body(w), **extra}


@pytest.mark.parametrize("mode", ["each", "atomic"])
def test_a_batch_of_new_records_costs_the_same_queries_whatever_its_size(
    api_world, django_assert_num_queries, mode
):
    client = api_world["officer_api"]
    client.post("/api/v1/tickets/batch/", {"records": [new(api_world)]}, format="json")  # token, warm-up
    # token, savepoint, lock the ids, roles, tickets in scope, tickets elsewhere, stations,
    # categories, savepoint, INSERT tickets, INSERT events, 2 × release
    for size in (2, 40):
        records = [new(api_world) for _ in range(size)]
        with django_assert_num_queries(13):
            response = client.post(
                "/api/v1/tickets/batch/", {"mode": mode, "records": records}, format="json"
            )
        assert response.json()["applied"] is True
        assert [r["status"] for r in response.json()["results"]] == ["created"] * size
    assert Ticket.objects.count() == TimelineEvent.objects.filter(action="register").count() == 43


def test_a_batch_of_identical_repeats_costs_the_same_queries_whatever_its_size(
    api_world, django_assert_num_queries
):
    client = api_world["officer_api"]
    records = [new(api_world) for _ in range(40)]
    client.post("/api/v1/tickets/batch/", {"records": records}, format="json")
    # token, savepoint, lock the ids, roles, tickets in scope, stations, categories, release
    for size in (2, 40):
        with django_assert_num_queries(8):
            response = client.post("/api/v1/tickets/batch/", {"records": records[:size]}, format="json")
        assert [r["status"] for r in response.json()["results"]] == ["unchanged"] * size


def mixed_records(w) -> list:
    """One record of every kind of answer the batch gives."""
    station = w["station"]
    mine = TicketFactory(
        station=station,
        category=w["category"],
        content="旧内容",
        **{k: v for k, v in body(w).items() if k.startswith("citizen_")},
        citizen_address="",
    )
    theirs = TicketFactory(station=w["other"], category=w["category"])
    closed = PointFactory(parent=station, status=Station.Status.CLOSED)
    at_point = ReceptionSessionFactory(station=PointFactory(parent=station))
    deputy = DeputyFactory(home_station=station)
    cadre = LeadingCadreFactory(region=w["tree"].counties[0])
    same = {"id": str(mine.pk), **body(w, content="旧内容")}
    return [
        new(w),
        new(w, content="带代表", received_by_deputy=str(deputy.pk)),
        "not a record",
        {"id": "not-a-uuid", **body(w)},
        new(w, version="2"),
        new(w, citizen_name=""),
        new(w, station=str(uuid.uuid4()), category=999),
        new(w, station=str(closed.pk)),
        new(w, reception=str(at_point.pk)),
        same,
        {**same, "content": "改了但没带版本"},
        {**same, "content": "旧版本的修改", "version": 7},
        {**same, "station": str(w["other"].pk), "version": 1},
        {"id": str(theirs.pk), **body(w)},
        new(w, content="又一件"),
        {**same, "content": "带对版本的修改", "version": 1},
    ], new(w, received_by_deputy=str(deputy.pk), received_by_cadre=str(cadre.pk))


def answers(user, records, *, atomic: bool, per_record: bool) -> tuple[list, bool]:
    """A batch's answers, rolled back afterwards so the next run starts from the same rows."""
    request = SimpleNamespace(user=user)
    out = {}
    with pytest.raises(RuntimeError), transaction.atomic():
        if per_record:
            out["answer"] = suggestions_api._batch_per_record(request, records, atomic=atomic)
        else:
            out["answer"] = suggestions_api.ticket_batch(request, records, atomic=atomic)
        raise RuntimeError("roll back")
    return out["answer"]


@pytest.mark.parametrize("who", ["officer", "admin"])
@pytest.mark.parametrize("atomic", [False, True])
@pytest.mark.parametrize("kind", ["mixed", "constraint", "applicable", "one_id_twice"])
def test_the_set_based_batch_answers_as_the_per_record_path(api_world, who, atomic, kind):
    records, both_receivers = mixed_records(api_world)
    if kind == "constraint":  # the database refuses it (a check constraint): the per-record path answers
        records.insert(1, both_receivers)
    elif kind == "applicable":  # created, created, unchanged, updated: an atomic batch applies
        records = [records[0], records[1], records[9], records[-1]]
    elif kind == "one_id_twice":  # applied in order: the second record sees the first
        records = [records[0], {**records[0], "content": "第二条改了它", "version": 1}, records[1]]
    user = api_world[who]
    expected = answers(user, records, atomic=atomic, per_record=True)
    assert answers(user, records, atomic=atomic, per_record=False) == expected
    statuses = [r["status"] for r in expected[0]]
    if kind == "applicable":
        assert expected[1] is True and statuses == ["created", "created", "unchanged", "updated"]
    elif kind == "one_id_twice":
        assert statuses == ["created", "updated", "created"]
    elif atomic:
        assert expected[1] is False and {"rolled_back", "skipped"} <= set(statuses)
    else:
        assert {"created", "updated", "unchanged", "invalid", "conflict"} <= set(statuses)
