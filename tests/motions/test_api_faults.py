"""The motions API's Idempotency-Key writes across a process fault, against a real
gunicorn (``tests.api.faultserver``: a subprocess on the test database): the worker is
SIGKILLed after the submission or the step committed, before the client got the answer;
the retry with the same key replays the first answer: one record, one event."""

from __future__ import annotations

import pytest
from django.db import connection

from motions.models import CongressSession, DeputySuggestion, SuggestionEvent
from tests.api.test_idempotency_faults import gunicorn, headers_for, in_background  # noqa: F401
from tests.liaison.conftest import wait_until
from tests.motions.factories import make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def _killed_after_commit(server, path, data, headers):
    """The request commits, then its worker is killed: the client gets no answer."""
    (server.dir / "hold").touch()
    thread, first = in_background(lambda: server.request("POST", path, data, headers))
    wait_until(lambda: (server.dir / "held").exists(), what="the request to commit and hold")
    server.kill_worker()
    thread.join(30)
    assert isinstance(first[0], Exception)  # no answer reached the client


def test_a_submission_killed_after_commit_replays(gunicorn):  # noqa: F811
    w = make_world()
    server = gunicorn()
    headers = headers_for(w.lead_user, "motion-submit-killed")
    data = {
        "session": w.session.pk,
        "submitted_by": str(w.lead.pk),
        "co_signers": [str(w.joint.pk)],
        "title": "关于改善乡村道路的建议",
        "content": "建议加快乡村道路硬化。",
    }
    _killed_after_commit(server, "/api/v1/deputy-suggestions/", data, headers)
    assert DeputySuggestion.objects.count() == 1  # the work had committed
    code, response_headers, body = server.request("POST", "/api/v1/deputy-suggestions/", data, headers)
    assert code == 201, body
    assert response_headers.get("Idempotent-Replayed") == "true"
    s = DeputySuggestion.objects.get()
    assert body["id"] == str(s.pk) and body["co_signers"] == [str(w.joint.pk)]
    assert SuggestionEvent.objects.filter(action="submit").count() == 1


def test_a_step_killed_after_commit_replays(gunicorn):  # noqa: F811
    from motions import services

    w = make_world()
    s = services.suggestion_submit(
        actor=w.lead_user, session=w.session, submitted_by=w.lead, title="建议", content="内容"
    )
    server = gunicorn()
    headers = {**headers_for(w.office, "motion-register-killed"), "If-Match": '"1"'}
    path = f"/api/v1/deputy-suggestions/{s.pk}/transitions/"
    step = {"action": "register", "category": "urban"}
    _killed_after_commit(server, path, step, headers)
    code, response_headers, body = server.request("POST", path, step, headers)
    assert code == 200, body  # not 412: the stale If-Match is never re-checked on a replay
    assert response_headers.get("Idempotent-Replayed") == "true"
    assert (body["number"], body["status"], body["version"]) == (1, "registered", 2)
    assert SuggestionEvent.objects.filter(suggestion=s, action="register").count() == 1
    assert CongressSession.objects.get(pk=w.session.pk).last_number == 1  # numbered once
