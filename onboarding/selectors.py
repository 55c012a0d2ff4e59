"""Reads of the onboarding app, already scoped (``liaison.scoping``)."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext

from liaison import scoping
from onboarding.models import ImportJob


def import_jobs(*, user) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(scoping.import_jobs_q(user)).select_related("created_by", "applied_by")


def import_job_for_user(*, user, pk) -> ImportJob:
    """The job if the user may see it; the same 404 for missing and forbidden."""
    try:
        return import_jobs(user=user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError) as exc:
        raise Http404(gettext("未找到该导入记录，或您无权查看。")) from exc
