"""The sync feeds of deputy suggestions and supervision items (``liaison.sync``: the change
sequence, tombstones): scoped like the lists, every row once when they all share one
timestamp and one transaction, a changed record again with its latest version, deletes
as tombstones only to those who saw the record, and both feeds in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motions import services
from motions.models import DeputySuggestion, SupervisionItem
from tests.api.conftest import api_client_for, sync_all
from tests.motions.factories import make_world

pytestmark = pytest.mark.django_db(transaction=True)
D = dt.date


@pytest.fixture
def w():
    w = make_world()
    at = timezone.now()
    rows = [
        DeputySuggestion(
            session=w.session,
            title=f"建议{n}",
            content="内容",
            submitted_by=w.lead,
            lead_unit=w.unit if n % 3 == 0 else None,
            submitted_at=at,
            created_at=at,
            updated_at=at,
        )
        for n in range(23)
    ]
    rows.append(DeputySuggestion(session=w.other_session, title="乙县", content="x", submitted_by=w.lead))
    DeputySuggestion.objects.bulk_create(rows)  # one transaction, one timestamp
    rows[1].co_signers.set([w.joint])
    rows[2].co_units.set([w.co_unit])
    w.rows = rows
    return w


def test_the_suggestion_feed_walks_to_the_end_scoped(w):
    office = api_client_for(w.office)
    seen, cursor = sync_all(office, "deputy-suggestions", limit=4)  # 6 pages on the same txid and time
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids)) == 23  # every row of the county once; not the other county's
    by_id = {r["id"]: r for r in seen}
    assert by_id[str(w.rows[1].pk)]["co_signers"] == [str(w.joint.pk)]
    assert by_id[str(w.rows[2].pk)]["co_units"] == [str(w.co_unit.pk)]
    assert by_id[str(w.rows[0].pk)]["deleted"] is False and by_id[str(w.rows[0].pk)]["version"] == 1
    # a step: the record comes again with its latest state, nothing else
    s = services.suggestion_transition(
        suggestion=w.rows[4], action="register", actor=w.office, category="urban"
    )
    again, cursor = sync_all(office, "deputy-suggestions", cursor, limit=4)
    assert [(r["id"], r["number"], r["version"]) for r in again] == [(str(s.pk), 1, 2)]
    # the lead unit sees those it leads, the co-unit its one, the joint deputy theirs
    unit, _ = sync_all(api_client_for(w.unit_staff), "deputy-suggestions")
    assert {r["id"] for r in unit} == {str(r.pk) for r in w.rows[:23] if r.lead_unit_id}
    co, _ = sync_all(api_client_for(w.co_staff), "deputy-suggestions")
    assert [r["id"] for r in co] == [str(w.rows[2].pk)]
    joint, _ = sync_all(api_client_for(w.joint_user), "deputy-suggestions")
    assert [r["id"] for r in joint] == [str(w.rows[1].pk)]
    assert sync_all(api_client_for(w.other_staff), "deputy-suggestions")[0] == []
    # a delete is a tombstone for those who saw it (the office, the lead deputy), not others
    lead = api_client_for(w.lead_user)
    _, lead_cursor = sync_all(lead, "deputy-suggestions")
    doomed = w.rows[3]
    DeputySuggestion.objects.filter(pk=doomed.pk).delete()
    assert sync_all(office, "deputy-suggestions", cursor)[0] == [{"id": str(doomed.pk), "deleted": True}]
    assert sync_all(lead, "deputy-suggestions", lead_cursor)[0] == [{"id": str(doomed.pk), "deleted": True}]
    other = make_world()
    assert sync_all(api_client_for(other.office), "deputy-suggestions")[0] == []
    # no list filters on a feed; a cursor of the other feed is refused
    assert office.get("/api/v1/deputy-suggestions/sync/", {"status": "submitted"}).status_code == 400
    _, items_cursor = sync_all(office, "supervision-items")
    r = office.get("/api/v1/deputy-suggestions/sync/", {"cursor": items_cursor})
    assert r.status_code == 400 and "cursor" in r.json()


def test_the_supervision_feed_walks_to_the_end_scoped(w):
    at = timezone.now()
    items = SupervisionItem.objects.bulk_create(
        SupervisionItem(
            region=w.county,
            year=2026,
            number=n + 1,
            title=f"事项{n}",
            problems="p",
            report_due=D(2026, 6, 1),
            created_at=at,
            updated_at=at,
        )
        for n in range(11)
    )
    for i in items[:5]:
        i.departments.set([w.unit, w.co_unit])
    office = api_client_for(w.office)
    seen, cursor = sync_all(office, "supervision-items", limit=3)
    assert sorted(r["number"] for r in seen) == list(range(1, 12))
    first = next(r for r in seen if r["id"] == str(items[0].pk))
    assert sorted(first["departments"]) == sorted([str(w.unit.pk), str(w.co_unit.pk)])
    unit, _ = sync_all(api_client_for(w.unit_staff), "supervision-items", limit=2)
    assert sorted(r["number"] for r in unit) == [1, 2, 3, 4, 5]
    assert sync_all(api_client_for(w.other_staff), "supervision-items")[0] == []
    services.supervision_transition(item=items[0], action="report_result", actor=w.unit_staff, text="已整改")
    again, _ = sync_all(office, "supervision-items", cursor)
    assert [(r["number"], r["status"]) for r in again] == [(1, "reported")]


def test_both_feeds_are_in_the_openapi_schema(w):
    schema = api_client_for(w.office).get("/api/v1/schema/", {"format": "json"}).json()
    for path in ("/api/v1/deputy-suggestions/sync/", "/api/v1/supervision-items/sync/"):
        operation = schema["paths"][path]["get"]
        assert {p["name"] for p in operation["parameters"]} >= {"cursor", "limit"}
        assert {"200", "400", "410"} <= set(operation["responses"])
