"""Background work of the onboarding app: thin tasks that call a service, taking ids."""

from celery import shared_task

from liaison.celery import RETRYING
from onboarding.services import import_confirm_run, import_preview_run


@shared_task(name="onboarding.import_preview_run", **RETRYING)
def import_preview_run_task(job_id: str) -> None:
    import_preview_run(job_id=job_id)


@shared_task(name="onboarding.import_confirm_run", **RETRYING)
def import_confirm_run_task(job_id: str) -> None:
    import_confirm_run(job_id=job_id)
