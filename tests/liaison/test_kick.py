"""The broker is never on the request path (issue 13): the after-commit kick runs in a
thread of its own, one send at a time, so a Redis that accepts connections and never
answers holds neither the request that kicked nor the requests behind it.

Whether a request waited is read from the order of events, not from durations: the
request answered while the broker still held the kick's connection open."""

from __future__ import annotations

import http.client
import secrets
import threading
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from liaison import outbox
from liaison.models import OutboxMessage
from tests.liaison.conftest import wait_until
from tests.visits.conftest import reception_post
from visits.models import ReceptionSession


def test_kicks_fold_into_one_send_at_a_time_and_never_wait_for_the_broker(silent_broker, settings):
    settings.OUTBOX_KICK_TIMEOUT = 60  # a send hangs until the broker hangs up
    kicker = outbox.Kicker(url=silent_broker.url)

    def kick_ten():
        for _ in range(10):
            kicker.kick()

    threads = [threading.Thread(target=kick_ten) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)  # fifty kicks returned …
    wait_until(
        lambda: silent_broker.connections and silent_broker.connections[0].first_bytes_at, what="a send"
    )
    assert len(silent_broker.open_connections()) == 1  # … while one send hangs on the broker
    assert kicker.sends == 1 and not kicker.wait_idle(0)  # the other 49 wait as one

    silent_broker.hang_up()  # the first send fails; the waiting one goes
    wait_until(lambda: len(silent_broker.connections) == 2, what="the second send")
    wait_until(lambda: silent_broker.connections[1].first_bytes_at, what="the second send's bytes")
    silent_broker.hang_up()
    assert kicker.wait_idle(10)
    assert kicker.sends == 2 and len(silent_broker.connections) == 2  # fifty kicks, two sends


def _signed_in(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and as field
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", "csrf": csrf}


def _post(port: int, path: str, data: dict, auth: dict) -> tuple[int, float]:
    """POST a form; the status and when (``time.monotonic()``) the answer arrived."""
    body = urlencode({**data, "csrfmiddlewaretoken": auth["csrf"]}, doseq=True)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": auth["Cookie"]},
        )
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic()
    finally:
        conn.close()


@pytest.mark.slow
def test_with_a_hung_broker_web_writes_answer_and_do_not_hold_up_each_other(day, silent_broker, web_server):
    server = web_server(
        REDIS_URL=silent_broker.url,
        CELERY_BROKER_URL=silent_broker.url,
        CELERY_RESULT_BACKEND=silent_broker.url,
        OUTBOX_KICK_TIMEOUT="120",  # a kick hangs as long as the test runs
        SECURE_COOKIES="0",
    )
    auth = _signed_in(day.officer)
    status, answered = _post(server.port, "/receptions/new/", reception_post(day), auth)
    assert status == 302  # saved
    # no send to the broker had ended when the request answered: it did not wait for one
    assert all(c.closed_at is None or c.closed_at > answered for c in silent_broker.connections)
    wait_until(lambda: any(c.first_bytes_at for c in silent_broker.connections), what="the kick")
    hung = silent_broker.connections[0]

    # one gunicorn worker, four more writes at once while the kick hangs: every one answers
    results: list[tuple[int, float]] = []
    posts = [
        threading.Thread(
            target=lambda: results.append(_post(server.port, "/receptions/new/", reception_post(day), auth))
        )
        for _ in range(4)
    ]
    for t in posts:
        t.start()
    for t in posts:
        t.join(120)
    assert [s for s, _ in results] == [302] * 4
    assert hung.closed_at is None  # still hanging after the last answer
    assert len(silent_broker.connections) == 1  # the later kicks wait as one send

    assert ReceptionSession.objects.count() == 5
    assert OutboxMessage.objects.pending().filter(task_name="visits.tickets_registered").count() == 5
