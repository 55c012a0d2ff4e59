"""Incremental sync: nothing skipped while records change, the late-commit hole closed,
tombstones and 410 Gone, and the sync page is an index scan."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import PersonalDataAccess
from liaison.models import SyncHorizon, Tombstone
from suggestions.models import Ticket
from tests.api.conftest import sync_all
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_full_then_incremental_sync_with_changes_underneath(api_world):
    """Records created and changed while a client pages are all delivered, each with its
    latest version; nothing is skipped."""
    station, client = api_world["station"], api_world["officer_api"]
    tickets = [TicketFactory(station=station, category=api_world["category"]) for _ in range(25)]
    first = client.get("/api/v1/tickets/sync/", {"limit": 10}).json()
    assert len(first["results"]) == 10 and first["has_more"]
    # underneath: one already delivered and one not yet delivered change, one new record
    seen_ids = {r["id"] for r in first["results"]}
    delivered = Ticket.objects.get(pk=next(iter(seen_ids)))
    pending = next(t for t in tickets if str(t.pk) not in seen_ids)
    Ticket.objects.filter(pk=delivered.pk).update(content="改过的内容")  # set-based: the trigger sees it
    pending.content = "也改过"
    pending.save()
    new = TicketFactory(station=station, category=api_world["category"])

    rest, cursor = sync_all(client, "tickets", first["next_cursor"], limit=10)
    everything = first["results"] + rest
    assert {r["id"] for r in everything} == {str(t.pk) for t in [*tickets, new]}
    latest = {r["id"]: r for r in everything}  # later entries win, as a client applies them
    assert latest[str(delivered.pk)]["content"] == "改过的内容"
    assert latest[str(pending.pk)]["content"] == "也改过"
    assert latest[str(pending.pk)]["version"] == 2
    # the station's officer handles these tickets: citizen data in full (and logged);
    # an admin gets them masked
    assert latest[str(new.pk)]["citizen_phone"] == "13912345678"
    assert latest[str(new.pk)]["citizen_data_masked"] is False
    assert PersonalDataAccess.objects.filter(ticket_id=new.pk, client="api_token").exists()
    admin_view, _ = sync_all(api_world["admin_api"], "tickets")
    assert {r["citizen_phone"] for r in admin_view} == {"139****5678"}

    # caught up: nothing new, the cursor stays valid
    again, cursor2 = sync_all(client, "tickets", cursor)
    assert again == []
    TicketFactory(station=station, category=api_world["category"], content="最新一件")
    more, _ = sync_all(client, "tickets", cursor2)
    assert [r["content"] for r in more] == ["最新一件"]


def test_a_transaction_that_commits_late_is_not_skipped(api_world):
    """A writer stamps a row, holds its transaction open while a client syncs to the end
    (and past newer, committed changes), then commits: the next sync returns the row."""
    station, client = api_world["station"], api_world["officer_api"]
    slow = TicketFactory(station=station, category=api_world["category"], content="慢事务")
    _, cursor = sync_all(client, "tickets")

    updated, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                Ticket.objects.filter(pk=slow.pk).update(content="慢事务提交了")
                updated.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert updated.wait(timeout=10)
    # a newer change commits while the slow one is still open
    fast = TicketFactory(station=station, category=api_world["category"], content="快事务")
    during, cursor = sync_all(client, "tickets", cursor)
    assert str(slow.pk) not in {r["id"] for r in during}
    # the fast one is held back too (it is newer than the open transaction), never lost
    assert str(fast.pk) not in {r["id"] for r in during}
    release.set()
    assert done.wait(timeout=10)
    thread.join()

    after, _ = sync_all(client, "tickets", cursor)
    by_id = {r["id"]: r for r in after}
    assert by_id[str(slow.pk)]["content"] == "慢事务提交了"
    assert str(fast.pk) in by_id


def test_deletes_come_as_tombstones_and_a_pruned_cursor_is_gone(api_world):
    station, client = api_world["station"], api_world["officer_api"]
    keep, doomed = (TicketFactory(station=station, category=api_world["category"]) for _ in range(2))
    _, cursor = sync_all(client, "tickets")
    Ticket.objects.filter(pk=doomed.pk).delete()
    changes, cursor_after = sync_all(client, "tickets", cursor)
    assert changes == [{"id": str(doomed.pk), "deleted": True}]

    # a fresh client does not get tombstones of records deleted before it started
    fresh, _ = sync_all(client, "tickets")
    assert [r["id"] for r in fresh] == [str(keep.pk)]

    # tombstones older than SYNC_TOMBSTONE_DAYS are pruned; a cursor from before answers 410
    Tombstone.objects.update(deleted_at=timezone.now() - timedelta(days=31))
    call_command("prune_tombstones")
    assert not Tombstone.objects.exists()
    assert SyncHorizon.objects.get(resource="tickets").pruned_txid > 0
    response = client.get("/api/v1/tickets/sync/", {"cursor": cursor})
    assert response.status_code == 410
    assert "detail" in response.json()
    # a cursor issued after the delete is still good
    assert client.get("/api/v1/tickets/sync/", {"cursor": cursor_after}).status_code == 200


def test_bad_cursors_and_limits_are_400(api_world):
    client = api_world["officer_api"]
    assert client.get("/api/v1/tickets/sync/", {"cursor": "nonsense"}).status_code == 400
    _, station_cursor = sync_all(client, "stations")
    response = client.get("/api/v1/tickets/sync/", {"cursor": station_cursor})
    assert response.status_code == 400 and "cursor" in response.json()
    assert client.get("/api/v1/tickets/sync/", {"limit": "0"}).status_code == 400
    assert client.get("/api/v1/tickets/sync/", {"limit": "5000"}).status_code == 400


def test_a_sync_page_is_an_index_scan_on_the_change_sequence(api_world):
    """With a few thousand rows and fresh statistics, the planner picks the
    (sync_txid, id) index for a page from a cursor."""
    station = api_world["station"]
    TicketFactory.create_batch(3000, station=station, category=api_world["category"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_ticket")
        cursor.execute(
            "SELECT sync_txid, id FROM suggestions_ticket ORDER BY sync_txid, id LIMIT 1 OFFSET 1500"
        )
        txid, pk = cursor.fetchone()
    from liaison.sync import watermark

    qs = (
        Ticket.objects.filter(sync_txid__lt=watermark())
        .extra(
            where=['("suggestions_ticket".sync_txid, "suggestions_ticket".id) > (%s, %s)'], params=[txid, pk]
        )
        .order_by("sync_txid", "pk")
        .values("id", "content")[:501]
    )
    plan = qs.explain()
    assert "Index Scan using ticket_sync_idx" in plan, plan
