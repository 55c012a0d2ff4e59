"""Upserts by client UUID under concurrency (issue 13, part 2): one create, the others see
it; never a 5xx nor the model's misleading "already exists" 400."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from suggestions.models import Ticket, TimelineEvent
from tests.api.concurrency import at_once, client_with, token_for
from tests.api.test_writes import body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


def test_20_puts_to_one_new_uuid_create_once(api_world):
    token, pk = token_for(api_world["officer"]), uuid.uuid4()
    responses = at_once(
        20, lambda i: client_with(token).put(f"/api/v1/tickets/{pk}/", body(api_world), format="json")
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 19 + [201], [
        r.content[:200] for r in responses if r.status_code not in (200, 201)
    ]
    assert {r.json()["version"] for r in responses} == {1}
    assert Ticket.objects.filter(pk=pk).count() == 1
    assert TimelineEvent.objects.filter(ticket_id=pk, action="register").count() == 1


def test_20_posts_with_one_client_id_create_once(api_world):
    token, pk = token_for(api_world["officer"]), uuid.uuid4()
    data = body(api_world, id=str(pk))
    responses = at_once(20, lambda i: client_with(token).post("/api/v1/tickets/", data, format="json"))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19, codes
    assert all("id" in r.json() for r in responses if r.status_code == 409)
    assert Ticket.objects.count() == 1
    assert TimelineEvent.objects.filter(action="register").count() == 1


def test_20_batches_of_the_same_records_in_either_order_create_each_once(api_world):
    """Half the batches list the records backwards: the locks are taken in one order, so
    no batch deadlocks another."""
    token = token_for(api_world["officer"])
    records = [{"id": str(uuid.uuid4()), **body(api_world, content=f"第{i}件")} for i in range(5)]

    def send(i: int):
        mine = records if i % 2 else records[::-1]
        return client_with(token).post("/api/v1/tickets/batch/", {"records": mine}, format="json")

    responses = at_once(20, send)
    assert {r.status_code for r in responses} == {200}, [r.content[:300] for r in responses]
    statuses = [result["status"] for r in responses for result in r.json()["results"]]
    assert statuses.count("created") == 5 and statuses.count("unchanged") == 95
    assert Ticket.objects.count() == 5
    assert TimelineEvent.objects.filter(action="register").count() == 5
