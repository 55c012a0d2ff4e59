"""Background work of the visits app: thin tasks that call a service, taking ids."""

from celery import shared_task

from liaison.celery import RETRYING
from visits.services import ledger_export_run


@shared_task(name="visits.ledger_export_run", **RETRYING)
def ledger_export_run_task(job_id: str) -> None:
    ledger_export_run(job_id=job_id)
