"""With a real worker, real Redis and PostgreSQL: the outbox survives Redis being down
and a worker being killed, and its messages run exactly once."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.db import transaction

import tests.liaison.outbox_handlers  # noqa: F401  (registers the tests' handlers)
from accounts.models import Role
from liaison import outbox
from liaison.models import OutboxMessage
from liaison.tasks import drain_outbox
from notifications.models import Notification
from suggestions.models import Ticket
from tests.factories import UserFactory
from tests.liaison.conftest import ROOT, all_done, drain_until_done, subprocess_env, wait_until
from tests.visits.conftest import reception_post

pytestmark = pytest.mark.slow

# Runs in a fresh process configured like a web server whose Redis is down: it posts a
# reception through the page (the real form, service and outbox) and times the request.
WEB_REQUEST = """
import json, os, sys, time
import django
django.setup()
from django.test import Client
from accounts.models import User
args = json.loads(sys.stdin.read())
client = Client()
client.force_login(User.objects.get(pk=args["user"]))
started = time.monotonic()
response = client.post("/receptions/new/", args["data"])
seconds = time.monotonic() - started
from liaison import outbox
outbox.kicker.wait_idle(10)  # the kick runs in its own thread: let it fail and log before exiting
print(json.dumps({"status": response.status_code, "seconds": seconds}))
"""

DEAD_REDIS = "redis://127.0.0.1:6396/6"  # nothing listens there


def test_with_redis_down_a_reception_saves_and_the_worker_processes_it_later(
    day, user_with_role, region_tree, worker_factory
):
    head = user_with_role(
        Role.STATION_HEAD, region=region_tree.townships[0], user=UserFactory(email="head@example.cn")
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WEB_REQUEST],
        cwd=ROOT,
        env=subprocess_env(REDIS_URL=DEAD_REDIS),
        input=json.dumps({"user": day.officer.pk, "data": reception_post(day)}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"request with Redis down: {answer['seconds']:.3f} s")
    assert answer["status"] == 302  # saved, and sent on to the reception's page
    # (that no request waits for the broker is pinned without a clock in test_kick.py: a
    # broker that accepts and never answers holds a kick while every request answers)
    assert "could not kick the worker" in result.stderr  # the broker error was logged, not raised
    assert Ticket.objects.filter(station=day.station).count() == 2
    message = OutboxMessage.objects.get(task_name="visits.tickets_registered")
    assert message.done_at is None  # waiting for the worker

    # Redis is back and a worker runs: the next kick (from the kicker thread of the next
    # write, here this process's) or beat's drain processes it
    worker_factory()
    with transaction.atomic():
        outbox.enqueue("tests.record", head.pk, key="next write")
    wait_until(all_done, what="the kicked worker to drain")
    message.refresh_from_db()
    assert message.attempts == 1 and message.done_at is not None
    inbox = Notification.objects.filter(kind="tickets_registered")
    assert [(n.recipient_id, n.data["tickets"]) for n in inbox] == [(head.pk, 2)]  # the officer recorded it
    # its e-mail went through the outbox too, once
    email = OutboxMessage.objects.get(task_name="notifications.send_email")
    assert email.args == [head.pk, [inbox.get().pk]] and email.attempts == 1 and email.done_at

    drain_outbox.delay()  # more drains change nothing
    drain_outbox.delay()
    wait_until(lambda: OutboxMessage.objects.filter(attempts__gt=1).count() == 0, timeout=2)
    assert Notification.objects.filter(kind="tickets_registered").count() == 1


def test_a_worker_killed_mid_handler_leaves_the_message_pending_and_the_next_completes_it_once(
    worker_factory, tmp_path
):
    user = UserFactory()
    marker = tmp_path / "started"
    message = OutboxMessage.objects.create(
        task_name="tests.slow_record", args=[user.pk], kwargs={"key": "slow", "marker": str(marker)}
    )
    first = worker_factory()
    drain_outbox.delay()
    wait_until(marker.exists, what="the handler to start")
    first.kill()  # mid-handler: its row is written but not committed

    message.refresh_from_db()
    assert message.done_at is None and message.attempts == 0  # the drain's transaction died with it
    assert not Notification.objects.filter(title="slow").exists()

    worker_factory()
    drain_until_done()
    message.refresh_from_db()
    assert message.attempts == 1 and message.done_at is not None
    assert Notification.objects.filter(title="slow").count() == 1  # once, not twice


def test_two_real_workers_draining_at_once_run_each_message_once(worker_factory):
    user = UserFactory()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name="tests.record", args=[user.pk], kwargs={"key": f"w{i}"}) for i in range(60)
    )
    worker_factory(), worker_factory()
    for _ in range(6):
        drain_outbox.delay()
    wait_until(all_done, what="the workers to drain")
    titles = list(Notification.objects.filter(kind="test").values_list("title", flat=True))
    assert sorted(titles) == sorted(f"w{i}" for i in range(60))
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
