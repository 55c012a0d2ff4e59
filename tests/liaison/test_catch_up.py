"""Missed periodic work catches up (issue 13): every run is recorded in ``JobRun``, and a
job whose tick was missed (beat could not send it, or a killed worker cut it short) runs
at the next catch-up check or when a worker starts, not at its next scheduled time; two
catch-ups at once run it once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from liaison import jobs
from liaison.models import JobRun
from suggestions.models import Ticket, TimelineEvent
from tests.factories import StationFactory, TicketFactory
from tests.liaison.conftest import wait_until


def _overdue_ticket() -> Ticket:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return TicketFactory(station=StationFactory(), status=Ticket.Status.ASSIGNED, due_on=yesterday)


def _last_completed(name: str, ago: dt.timedelta) -> None:
    JobRun.objects.update_or_create(name=name, defaults={"last_completed_at": timezone.now() - ago})


def test_every_run_is_recorded(db):
    ran, _ = jobs.run_job("rollups")
    run = JobRun.objects.get(name="rollups")
    assert ran and run.last_started_at <= run.last_completed_at and run.last_duration >= 0
    assert run.last_failed_at is None


def test_a_failing_run_is_recorded_and_stays_overdue(db, monkeypatch):
    def broken():
        raise RuntimeError("数据库维护中")

    monkeypatch.setitem(jobs.JOBS, "escalation", f"{__name__}.BROKEN")
    globals()["BROKEN"] = broken
    _last_completed("escalation", dt.timedelta(minutes=20))
    with pytest.raises(RuntimeError):
        jobs.run_job("escalation")
    run = JobRun.objects.get(name="escalation")
    assert run.last_failed_at and "数据库维护中" in run.last_error
    assert jobs.overdue_jobs(["escalation"]) == ["escalation"]  # a failure is no completion
    assert jobs.catch_up() == []  # logged, not raised: the other jobs still run


def test_a_missed_tick_runs_at_the_next_catch_up_and_not_again(db):
    ticket = _overdue_ticket()
    # the sweep runs every 10 minutes; its last completion was 20 minutes ago (beat's
    # ticks since then were lost), the other jobs have just been seen for the first time
    _last_completed("escalation", dt.timedelta(minutes=20))
    assert jobs.overdue_jobs() == ["escalation"]
    assert jobs.catch_up() == ["escalation"]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1  # the missed sweep ran now
    assert jobs.catch_up() == []  # just completed: not due for another ten minutes
    assert TimelineEvent.objects.filter(action="escalate").count() == 1


def test_overdue_follows_interval_and_crontab_schedules_with_a_grace(db):
    _last_completed("rollups", dt.timedelta(seconds=70))  # every minute: beat may still send it
    _last_completed("outbox_prune", dt.timedelta(minutes=50))  # hourly: not due
    _last_completed("tombstones_prune", dt.timedelta(days=2))  # nightly at 03:00: missed
    _last_completed("rollups_full", dt.timedelta(minutes=1))  # nightly at 02:30: done
    assert jobs.overdue_jobs() == ["tombstones_prune"]
    _last_completed("rollups", dt.timedelta(seconds=95))  # a minute plus the grace ago
    assert jobs.overdue_jobs() == ["rollups", "tombstones_prune"]


@pytest.mark.django_db(transaction=True)
def test_two_catch_ups_at_once_run_a_missed_job_once(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    entered, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def missed_job():
        runs.append("ran")
        entered.set()
        release.wait(10)

    monkeypatch.setitem(jobs.JOBS, "missed", f"{__name__}.MISSED")
    globals()["MISSED"] = missed_job
    settings.CELERY_BEAT_SCHEDULE = {
        "missed": {"task": "liaison.run_job", "args": ["missed"], "schedule": 60.0},
    }
    _last_completed("missed", dt.timedelta(minutes=5))
    start = threading.Barrier(2)
    results: list[list[str]] = []

    def catch_up():
        start.wait(10)
        try:
            results.append(jobs.catch_up())
        finally:
            connection.close()

    threads = [threading.Thread(target=catch_up) for _ in range(2)]
    for t in threads:
        t.start()
    assert entered.wait(10)
    wait_until(lambda: len(results) == 1, what="the other catch-up to skip")  # while the job runs
    release.set()
    for t in threads:
        t.join(10)
    assert sorted(results) == [[], ["missed"]] and runs == ["ran"]
    assert jobs.catch_up() == [] and runs == ["ran"]  # and a third, after it, finds it done


@pytest.mark.slow
def test_a_starting_worker_runs_the_missed_job_without_beat(worker_factory):
    ticket = _overdue_ticket()
    _last_completed("escalation", dt.timedelta(minutes=20))
    worker = worker_factory()  # no beat runs in the tests: only the worker's start can run it
    wait_until(lambda: Ticket.objects.get(pk=ticket.pk).escalation_level == 1, what="the catch-up sweep")
    assert "job escalation is overdue" in worker.log.read_text()  # run by the catch-up
    recent = timezone.now() - dt.timedelta(minutes=1)
    wait_until(lambda: JobRun.objects.get(name="escalation").last_completed_at > recent, what="the record")
    assert JobRun.objects.get(name="rollups_full").last_started_at is None  # not overdue: not run


def test_the_admin_shows_each_jobs_last_success_and_whether_it_is_overdue(admin_client):
    _last_completed("escalation", dt.timedelta(minutes=20))
    jobs.run_job("rollups")
    page = admin_client.get("/admin/liaison/jobrun/").content.decode()
    assert "周期任务运行记录" in page and "最近成功完成" in page
    rows = {name: page.split(f">{name}<", 1)[1].split("</tr>", 1)[0] for name in ("escalation", "rollups")}
    assert "逾期，将补跑" in rows["escalation"] and "按时" in rows["rollups"]


def test_the_admin_lists_the_jobs_that_have_not_succeeded_on_time(admin_client):
    _last_completed("escalation", dt.timedelta(minutes=20))
    jobs.run_job("rollups")
    late = admin_client.get("/admin/liaison/jobrun/", {"overdue": "yes"}).content.decode()
    assert "未按时成功" in late and ">escalation<" in late and ">rollups<" not in late
    on_time = admin_client.get("/admin/liaison/jobrun/", {"overdue": "no"}).content.decode()
    assert ">rollups<" in on_time and ">escalation<" not in on_time
    admin_client.cookies["django_language"] = "en"
    english = admin_client.get("/admin/liaison/jobrun/", {"overdue": "yes"}).content.decode()
    assert "Not succeeded on time" in english and ">escalation<" in english
