"""Writes of the accounts app."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext
from pghistory.models import Event

from accounts.middleware import request_client
from accounts.models import PersonalDataAccess, User
from liaison.masking import CITIZEN_FIELDS
from liaison.proxies import client_ip


def personal_data_access_record_many(
    *,
    user: User,
    tickets: Iterable[tuple[Any, str]],
    fields: tuple[str, ...] = CITIZEN_FIELDS,
    client: str = "browser",
    ip_address=None,
) -> int:
    """Log full views of many tickets' citizen data at once (``(ticket id, citizen name)``
    pairs; an API page), in one insert."""
    rows = [
        PersonalDataAccess(
            user=user,
            ticket_id=pk,
            citizen_name=name,
            fields=",".join(fields),
            client=client,
            ip_address=ip_address,
        )
        for pk, name in tickets
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)


def full_views_log(
    *, request, tickets: Iterable[tuple[Any, str]], fields: tuple[str, ...] = CITIZEN_FIELDS, client: str = ""
) -> int:
    """The one call every response showing citizens' data in full makes (a page, an API
    read or write, the audit page, a ledger file): who (the request's user), from where
    (``liaison.proxies.client_ip``), through which client (browser / api_token, or
    ``client``), one row per ticket."""
    tickets = list(tickets)
    if not tickets:
        return 0
    return personal_data_access_record_many(
        user=request.user,
        tickets=tickets,
        fields=fields,
        client=client or request_client(request),
        ip_address=client_ip(request),
    )


MIN_AUDIT_RETENTION_DAYS = 183  # six months at least (Cybersecurity Law, art. 21)


def audit_prune(*, older_than_days: int) -> dict[str, int]:
    """Delete audit events, sign-in logs and personal-data access logs older than the
    retention period; refuses anything shorter than six months. Set-based deletes."""
    if older_than_days < MIN_AUDIT_RETENTION_DAYS:
        raise ValueError(
            gettext("审计记录至少保存 {MIN_AUDIT_RETENTION_DAYS} 天（六个月）。").format(
                MIN_AUDIT_RETENTION_DAYS=MIN_AUDIT_RETENTION_DAYS
            )
        )
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted: dict[str, int] = {}
    for model in apps.get_models():
        if issubclass(model, Event) and not model._meta.abstract:
            deleted[model._meta.label] = model.objects.filter(pgh_created_at__lt=cutoff).delete()[0]
    deleted["axes.AccessLog"] = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted["axes.AccessFailureLog"] = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted["accounts.PersonalDataAccess"] = PersonalDataAccess.objects.filter(viewed_at__lt=cutoff).delete()[
        0
    ]
    return deleted
