"""Idempotent writes, optimistic concurrency, the batch endpoint, transitions."""

import uuid

import pytest

from liaison.models import IdempotencyKey
from suggestions.models import Ticket
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def body(w, **extra):
    return {
        "station": str(w["station"].pk),
        "category": w["category"].pk,
        "content": "村口路灯不亮",
        "citizen_name": "李四",
        "citizen_phone": "13800001111",
        **extra,
    }


def test_put_creates_and_an_identical_repeat_changes_nothing(api_world):
    client, pk = api_world["officer_api"], uuid.uuid4()
    first = client.put(f"/api/v1/tickets/{pk}/", body(api_world), format="json")
    assert first.status_code == 201, first.json()
    assert first["ETag"] == '"1"'
    assert first.json()["citizen_name"] == "李四"  # the station's officer handles it: unmasked
    again = client.put(f"/api/v1/tickets/{pk}/", body(api_world), format="json")
    assert again.status_code == 200
    assert again.json()["version"] == 1
    assert Ticket.objects.filter(pk=pk).count() == 1


def test_update_needs_if_match_and_a_stale_one_is_412(api_world):
    client, pk = api_world["officer_api"], uuid.uuid4()
    client.put(f"/api/v1/tickets/{pk}/", body(api_world), format="json")
    changed = body(api_world, content="改为：路灯和井盖")
    assert client.put(f"/api/v1/tickets/{pk}/", changed, format="json").status_code == 428
    ok = client.put(f"/api/v1/tickets/{pk}/", changed, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok["ETag"] == '"2"'
    stale = client.put(f"/api/v1/tickets/{pk}/", body(api_world, content="旧页面的修改"), HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["version"] == 2 and stale.json()["etag"] == '"2"'
    assert Ticket.objects.get(pk=pk).content == "改为：路灯和井盖"


def test_put_to_a_ticket_outside_the_scope_is_404_and_overwrites_nothing(api_world):
    theirs = TicketFactory(station=api_world["other"], category=api_world["category"])
    response = api_world["officer_api"].put(f"/api/v1/tickets/{theirs.pk}/", body(api_world), format="json")
    assert response.status_code == 404
    assert Ticket.objects.get(pk=theirs.pk).version == 1


def test_post_with_an_idempotency_key_is_applied_once(api_world):
    client = api_world["officer_api"]
    first = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    repeat = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert repeat.status_code == 201 and repeat.json() == first.json()
    assert repeat["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = client.post(
        "/api/v1/tickets/", body(api_world, content="另一件"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert Ticket.objects.count() == 1


def test_a_failed_request_frees_its_key(api_world):
    client = api_world["officer_api"]
    bad = client.post(
        "/api/v1/tickets/", body(api_world, content=""), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert bad.status_code == 400 and "content" in bad.json()
    assert not IdempotencyKey.objects.filter(key="k-3").exists()


def test_batch_answers_per_record(api_world):
    client = api_world["officer_api"]
    existing = TicketFactory(station=api_world["station"], category=api_world["category"])
    good = {"id": str(uuid.uuid4()), **body(api_world)}
    bad = {"id": str(uuid.uuid4()), **body(api_world, citizen_name="")}
    conflict = {
        "id": str(existing.pk),
        "version": 7,
        **body(api_world, content="冲突", citizen_name=existing.citizen_name),
    }
    response = client.post(
        "/api/v1/tickets/batch/", {"mode": "each", "records": [good, bad, conflict]}, format="json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "invalid", "conflict"]
    assert "citizen_name" in results[1]["errors"]
    assert results[2]["version"] == 1
    assert Ticket.objects.filter(pk=good["id"]).exists()

    # all or nothing: one bad record and nothing is written
    good2 = {"id": str(uuid.uuid4()), **body(api_world)}
    response = client.post(
        "/api/v1/tickets/batch/", {"mode": "atomic", "records": [good2, bad]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["applied"] is False
    assert [r["status"] for r in response.json()["results"]] == ["rolled_back", "invalid"]
    assert not Ticket.objects.filter(pk=good2["id"]).exists()

    # a correct version updates, an identical record without one is unchanged
    mine = Ticket.objects.get(pk=good["id"])
    update = {**good, "content": "补充：还有井盖", "version": mine.version}
    response = client.post(
        "/api/v1/tickets/batch/", {"records": [update, {**good2, **body(api_world)}]}, format="json"
    )
    assert [r["status"] for r in response.json()["results"]] == ["updated", "created"]
    response = client.post(
        "/api/v1/tickets/batch/", {"records": [{**good2, **body(api_world)}]}, format="json"
    )
    assert [r["status"] for r in response.json()["results"]] == ["unchanged"]

    too_many = client.post("/api/v1/tickets/batch/", {"records": [good] * 101}, format="json")
    assert too_many.status_code == 400 and "records" in too_many.json()


def test_transitions_go_through_the_workflow(api_world):
    client = api_world["officer_api"]
    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    response = client.post(url, {"action": "accept", "tier": "township"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted" and response.json()["due_on"]
    stale = client.post(
        url, {"action": "withdraw", "comment": "群众撤回"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    wrong = client.post(url, {"action": "close"}, format="json")
    assert wrong.status_code == 400
    assert client.post(url, {"action": "fly"}, format="json").status_code == 400


def test_the_prune_job_drops_old_tombstones_and_keys(api_world):
    from datetime import timedelta

    from django.utils import timezone

    from liaison.jobs import run_job
    from liaison.models import SyncHorizon, Tombstone

    long_ago = timezone.now() - timedelta(days=40)
    Tombstone.objects.create(resource="tickets", object_id="a", sync_txid=5, deleted_at=long_ago)
    Tombstone.objects.create(resource="tickets", object_id="b", sync_txid=9, deleted_at=timezone.now())
    IdempotencyKey.objects.create(
        user=api_world["officer"], key="old", method="POST", path="/", request_hash="x"
    )
    IdempotencyKey.objects.filter(key="old").update(created_at=long_ago)
    assert run_job("tombstones_prune") == (True, {"tombstones": 1, "idempotency_keys": 1})
    assert list(Tombstone.objects.values_list("object_id", flat=True)) == ["b"]
    assert SyncHorizon.objects.get(resource="tickets").pruned_txid == 5
