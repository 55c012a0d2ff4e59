"""The project's own Celery tasks: draining the outbox, running the periodic jobs and
catching up on missed ones. Thin: they call ``liaison.outbox`` and ``liaison.jobs``."""

from celery import shared_task

from liaison import jobs, outbox
from liaison.celery import RETRYING


@shared_task(name="liaison.drain_outbox", ignore_result=True, **RETRYING)
def drain_outbox() -> int:
    """Not single-flight: concurrent drainers share the work (SKIP LOCKED)."""
    return outbox.drain()


@shared_task(name="liaison.run_job", ignore_result=True, **RETRYING)
def run_job(name: str) -> bool:
    ran, _ = jobs.run_job(name)
    return ran


@shared_task(name="liaison.catch_up_jobs", ignore_result=True, **RETRYING)
def catch_up_jobs() -> list[str]:
    """Sent when a worker starts and by beat every half minute (see ``liaison.jobs``)."""
    return jobs.catch_up()
