"""tickets/batch/: set-based, in a fixed number of queries, with the same answers as
applying each record through the PUT path (``_batch_per_record``)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

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
    # categories, savepoint, the stations' counties and one number bump per county and
    # year (suggestions.numbering), INSERT tickets, INSERT events, 2 × release
    for size in (2, 40):
        records = [new(api_world) for _ in range(size)]
        with django_assert_num_queries(15):
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


def mixed_records(w) -> dict:
    """One record of every kind of answer the batch gives, by name (each existing ticket
    named once, so the set-based path answers them, not the per-record fallback)."""
    station = w["station"]

    def registered(**extra):
        citizen = {k: v for k, v in body(w).items() if k.startswith("citizen_")}
        return TicketFactory(
            station=station, category=w["category"], content="旧内容", citizen_address="", **citizen, **extra
        )

    def as_sent(ticket, **extra):
        return {"id": str(ticket.pk), **body(w, content="旧内容"), **extra}

    theirs = TicketFactory(station=w["other"], category=w["category"])
    closed = PointFactory(parent=station, status=Station.Status.CLOSED)
    at_point = ReceptionSessionFactory(station=PointFactory(parent=station))
    deputy = DeputyFactory(home_station=station)
    cadre = LeadingCadreFactory(region=w["tree"].counties[0])
    return {
        "created": new(w),
        "created_with_deputy": new(w, content="带代表", received_by_deputy=str(deputy.pk)),
        "not_a_record": "not a record",
        "bad_id": {"id": "not-a-uuid", **body(w)},
        "bad_version": new(w, version="2"),
        "bad_field": new(w, citizen_name=""),
        "unknown_references": new(w, station=str(uuid.uuid4()), category=999),
        "closed_station": new(w, station=str(closed.pk)),
        "reception_elsewhere": new(w, reception=str(at_point.pk)),
        "unchanged": as_sent(registered()),
        "changed_without_version": as_sent(registered(), content="改了但没带版本"),
        "stale_version": as_sent(registered(), content="旧版本的修改", version=7),
        "station_changed": as_sent(registered(), station=str(w["other"].pk), version=1),
        "theirs": {"id": str(theirs.pk), **body(w)},
        "created_again": new(w, content="又一件"),
        "updated": as_sent(registered(), content="带对版本的修改", version=1),
        "updated_village": as_sent(
            registered(), village=w["tree"].villages_of(station.region)[0].pk, version=1
        ),
        "moved_to_a_point": as_sent(registered(), station=str(at_point.station_id), version=1),
        "closed_ticket": as_sent(
            registered(status="closed", closed_at=timezone.now()), content="办结后修改", version=1
        ),
        "both_receivers": new(w, received_by_deputy=str(deputy.pk), received_by_cadre=str(cadre.pk)),
    }


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


KINDS = {
    # every kind of answer; one record the database refuses (a check constraint) makes
    # the batch fall back to the per-record path
    "mixed": lambda r: [v for k, v in r.items() if k != "both_receivers"],
    "constraint": lambda r: list(r.values()),
    # created, created, unchanged, updated: an atomic batch applies
    "applicable": lambda r: [r["created"], r["created_with_deputy"], r["unchanged"], r["updated"]],
    # applied in order: the second record sees the first (per-record path)
    "one_id_twice": lambda r: [r["created"], {**r["created"], "content": "第二条改了它", "version": 1}],
}


@pytest.mark.parametrize("who", ["officer", "admin"])
@pytest.mark.parametrize("atomic", [False, True])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_set_based_batch_answers_as_the_per_record_path(api_world, who, atomic, kind):
    records = KINDS[kind](mixed_records(api_world))
    user = api_world[who]
    expected = answers(user, records, atomic=atomic, per_record=True)
    assert answers(user, records, atomic=atomic, per_record=False) == expected
    statuses = [r["status"] for r in expected[0]]
    if kind == "applicable":
        assert expected[1] is True and statuses == ["created", "created", "unchanged", "updated"]
    elif kind == "one_id_twice":
        assert statuses == ["created", "updated"]
    elif atomic:
        assert expected[1] is False and {"rolled_back", "skipped"} <= set(statuses)
    else:
        assert {"created", "updated", "unchanged", "invalid", "conflict"} <= set(statuses)
        if kind == "mixed" and who == "officer":
            assert statuses.count("updated") == 2 and statuses.count("not_found") == 1


def test_a_batch_of_corrections_costs_the_same_queries_whatever_its_size(
    api_world, django_assert_num_queries
):
    client = api_world["officer_api"]
    records = [new(api_world) for _ in range(42)]
    client.post("/api/v1/tickets/batch/", {"records": records}, format="json")
    # token, savepoint, lock the ids, roles, tickets in scope (row-locked), stations,
    # categories, savepoint, UPDATE, 2 × release
    for part in (records[:2], records[2:]):
        fixed = [{**r, "content": "补充", "version": 1} for r in part]
        with django_assert_num_queries(11):
            response = client.post("/api/v1/tickets/batch/", {"records": fixed}, format="json")
        assert [r["status"] for r in response.json()["results"]] == ["updated"] * len(part)
        assert {r["version"] for r in response.json()["results"]} == {2}
    assert set(
        Ticket.objects.filter(pk__in=[r["id"] for r in records]).values_list("content", "version")
    ) == {("补充", 2)}
