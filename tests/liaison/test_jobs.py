"""Single-flight periodic jobs and the run_jobs command."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import tests.liaison.outbox_handlers  # noqa: F401
from liaison import jobs, outbox
from notifications.models import Notification
from tests.factories import UserFactory


def test_two_holders_at_once_only_one_gets_the_lock(db):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    with jobs.single_flight("test-job") as first:
        with jobs.single_flight("test-job") as second:
            assert (first, second) == (True, False)
        with jobs.single_flight("another-job") as other:
            assert other is True  # locks are per name
    with jobs.single_flight("test-job") as again:
        assert again is True  # released on exit


def test_the_lock_is_released_when_the_job_fails(db):
    with pytest.raises(RuntimeError), jobs.single_flight("test-job"):
        raise RuntimeError("the job fails")
    with jobs.single_flight("test-job") as again:
        assert again is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_run_a_job_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    entered, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow_job():
        runs.append("ran")
        entered.set()
        release.wait(10)
        return "done"

    monkeypatch.setitem(jobs.JOBS, "slow", f"{__name__}.SLOW")
    globals()["SLOW"] = slow_job
    results: list = []
    first = threading.Thread(target=lambda: results.append(jobs.run_job("slow")))
    first.start()
    assert entered.wait(10)
    assert jobs.run_job("slow") == (False, None)  # skipped while the first runs
    release.set()
    first.join(10)
    assert results == [(True, "done")] and runs == ["ran"]


def test_run_jobs_drains_the_outbox(db, capsys):
    user = UserFactory()
    outbox.enqueue("tests.record", user.pk, key="cmd")
    call_command("run_jobs", "outbox")
    assert "outbox: 1" in capsys.readouterr().out
    assert Notification.objects.filter(title="cmd").count() == 1
    call_command("run_jobs", "all")
    assert "outbox: 0" in capsys.readouterr().out


def test_run_jobs_refuses_an_unknown_job(db):
    with pytest.raises(CommandError, match="没有这个任务：nope"):
        call_command("run_jobs", "nope")


def test_the_beat_schedule_drains_the_outbox_often(settings):
    from liaison.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["drain-outbox"]
    assert entry["task"] == "liaison.drain_outbox" and entry["schedule"] <= 10
    app.loader.import_default_modules()
    assert "liaison.drain_outbox" in app.tasks and "liaison.run_job" in app.tasks
    # every scheduled job is a task the worker knows, and every run_job argument a job
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        if entry["task"] == "liaison.run_job":
            assert entry["args"][0] in jobs.JOBS
