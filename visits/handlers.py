"""Outbox handlers of the visits app (see ``liaison.outbox``): thin, calling services."""

from liaison import outbox


@outbox.handler("visits.ledger_export")
def ledger_export(job_id: str) -> None:
    """Hand the export to a worker task: it reports progress on the job row as it goes,
    which it could not do inside the drain's transaction. Sent while the message is still
    locked, so a crash before the drain commits sends it again (at least once); the task
    skips a job already done."""
    from visits.tasks import ledger_export_run_task

    ledger_export_run_task.delay(job_id)


@outbox.handler("visits.tickets_registered")
def tickets_registered(session_id: str, actor_id: int | None = None) -> None:
    from visits.services import reception_tickets_notify

    reception_tickets_notify(session_id=session_id, actor_id=actor_id)
