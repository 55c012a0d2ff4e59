"""Outbox handlers of the onboarding app (see ``liaison.outbox``): thin, calling services."""

from liaison import outbox


@outbox.handler("onboarding.import_preview")
def import_preview(job_id: str) -> None:
    """Hand a long file's check to a worker task, which reports progress on the job row
    (it could not inside the drain's transaction); the task skips a job already checked."""
    from onboarding.tasks import import_preview_run_task

    import_preview_run_task.delay(job_id)


@outbox.handler("onboarding.import_confirm")
def import_confirm(job_id: str) -> None:
    from onboarding.tasks import import_confirm_run_task

    import_confirm_run_task.delay(job_id)
