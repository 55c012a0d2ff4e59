"""Idempotency-Key decided in the request's own transaction (issue 13, part 1)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from liaison import idempotency
from liaison.models import IdempotencyKey
from suggestions import api as suggestions_api
from suggestions.models import Ticket, TimelineEvent
from tests.api.concurrency import at_once, client_with, lock_waiters, raw_connection, token_for
from tests.api.test_writes import body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and lock_timeout are PostgreSQL's")


def post(client, data, key):
    return client.post("/api/v1/tickets/", data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_20_posts_with_one_key_make_one_ticket_and_answer_alike(api_world):
    token = token_for(api_world["officer"])
    responses = at_once(20, lambda i: post(client_with(token), body(api_world), "same-key"))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 409}, codes
    created = [r for r in responses if r.status_code == 201]
    assert created and len({json.dumps(r.json(), sort_keys=True) for r in created}) == 1
    assert sum(r.get("Idempotent-Replayed") != "true" for r in created) == 1
    assert all(r["Retry-After"] for r in responses if r.status_code == 409)
    assert Ticket.objects.count() == 1
    assert TimelineEvent.objects.filter(action="register").count() == 1
    assert IdempotencyKey.objects.get(key="same-key").status_code == 201


def test_20_posts_with_one_key_and_a_refused_body_leave_nothing(api_world):
    token = token_for(api_world["officer"])
    refused = body(api_world, content="")
    responses = at_once(20, lambda i: post(client_with(token), refused, "bad-key"))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {400, 409}, codes
    assert Ticket.objects.count() == 0
    assert not IdempotencyKey.objects.exists()


def test_a_repeat_waits_for_the_first_and_replays_what_it_committed(api_world):
    """The first request's transaction holds the key (here: a second connection playing
    it); the repeat waits on the unique index, then replays the committed response."""
    officer = api_world["officer"]
    client = client_with(token_for(officer))
    stored = {"id": "first", "status": "registered"}
    with raw_connection() as first, raw_connection(autocommit=True) as watcher:
        first.execute(
            "INSERT INTO liaison_idempotencykey (user_id, key, method, path, request_hash, status_code,"
            " response_body, response_headers, created_at, completed_at)"
            " VALUES (%s, 'k-wait', 'POST', '/api/v1/tickets/', %s, 201, %s, '{}', now(), now())",
            [officer.pk, fingerprint(api_world), json.dumps(stored)],
        )
        answers = []
        repeat = threading.Thread(target=lambda: answers.append(post(client, body(api_world), "k-wait")))
        repeat.start()
        wait_for(lambda: lock_waiters(watcher, first) == 1)
        first.commit()
        repeat.join(30)
    connection.close()
    assert answers[0].status_code == 201 and answers[0].json() == stored
    assert answers[0]["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 0


def test_a_repeat_runs_itself_when_the_first_rolls_back(api_world):
    officer = api_world["officer"]
    client = client_with(token_for(officer))
    with raw_connection() as first, raw_connection(autocommit=True) as watcher:
        first.execute(
            "INSERT INTO liaison_idempotencykey (user_id, key, method, path, request_hash, response_headers,"
            " created_at) VALUES (%s, 'k-back', 'POST', '/api/v1/tickets/', %s, '{}', now())",
            [officer.pk, fingerprint(api_world)],
        )
        answers = []
        repeat = threading.Thread(target=lambda: answers.append(post(client, body(api_world), "k-back")))
        repeat.start()
        wait_for(lambda: lock_waiters(watcher, first) == 1)
        first.rollback()
        repeat.join(30)
    connection.close()
    assert answers[0].status_code == 201 and "Idempotent-Replayed" not in answers[0]
    assert Ticket.objects.count() == 1


def test_a_repeat_that_waits_too_long_is_409_with_retry_after(api_world, monkeypatch):
    monkeypatch.setattr(idempotency, "LOCK_WAIT_MS", 200)
    officer = api_world["officer"]
    client = client_with(token_for(officer))
    with raw_connection() as first:
        first.execute(
            "INSERT INTO liaison_idempotencykey (user_id, key, method, path, request_hash, response_headers,"
            " created_at) VALUES (%s, 'k-busy', 'POST', '/api/v1/tickets/', %s, '{}', now())",
            [officer.pk, fingerprint(api_world)],
        )
        busy = post(client, body(api_world), "k-busy")
        first.rollback()
    assert busy.status_code == 409 and busy["Retry-After"] == "1"
    assert Ticket.objects.count() == 0
    # the wait was only the key's: the request's own work is not under a lock timeout
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"
    again = post(client, body(api_world), "k-busy")
    assert again.status_code == 201 and Ticket.objects.count() == 1


def test_a_server_error_after_the_work_leaves_neither_work_nor_key(api_world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the response could not be built")

    monkeypatch.setattr(suggestions_api.TicketViewSet, "_ticket_response", broken)
    client = client_with(token_for(api_world["officer"]))
    client.raise_request_exception = False
    failed = post(client, body(api_world), "k-500")
    assert failed.status_code == 500
    assert Ticket.objects.count() == 0
    assert not IdempotencyKey.objects.exists()


def test_a_replay_carries_the_etag_and_an_old_completed_key_still_replays(api_world):
    client = client_with(token_for(api_world["officer"]))
    first = post(client, body(api_world), "k-etag")
    # no "abandoned after 5 minutes": a completed key replays for the whole retention
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=47))
    repeat = post(client, body(api_world), "k-etag")
    assert repeat.status_code == 201 and repeat.json() == first.json()
    assert repeat["ETag"] == first["ETag"] == '"1"'
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=49))
    expired = post(client, body(api_world), "k-etag")
    assert expired.status_code == 201 and "Idempotent-Replayed" not in expired
    assert Ticket.objects.count() == 2


def fingerprint(w) -> str:
    class Request:  # the fingerprint of post(…, body(w), …), as the view computes it
        method, path, data = "POST", "/api/v1/tickets/", body(w)

    return idempotency.request_fingerprint(Request)


def wait_for(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_transition_retried_with_one_key_assigns_once(api_world):
    from tests.factories import HandlingUnitFactory, TicketFactory

    ticket = TicketFactory(station=api_world["station"], category=api_world["category"])
    unit = HandlingUnitFactory(region=api_world["station"].region)
    token = token_for(api_world["officer"])
    client = client_with(token)
    accept = client.post(
        f"/api/v1/tickets/{ticket.pk}/transitions/", {"action": "accept", "tier": "township"}, format="json"
    )
    assert accept.status_code == 200, accept.json()
    step = {"action": "assign", "handling_unit": str(unit.pk)}
    responses = at_once(
        20,
        lambda i: client_with(token).post(
            f"/api/v1/tickets/{ticket.pk}/transitions/", step, format="json", HTTP_IDEMPOTENCY_KEY="assign-1"
        ),
    )
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 409} and 200 in codes, codes
    assert all(r["Retry-After"] for r in responses if r.status_code == 409)
    assert TimelineEvent.objects.filter(ticket=ticket, action="assign").count() == 1
