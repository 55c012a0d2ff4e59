"""Reads that span the apps: the workbench (home page) summary."""

from django.db.models import Count, Q

from liaison.scoping import scoped
from stations.models import Station
from suggestions.models import Ticket
from visits.models import ReceptionSession


def workbench_summary(*, user) -> dict:
    """Counts of what the user's scope holds: three aggregate queries."""
    stations = scoped(user, Station.objects.all()).aggregate(
        stations=Count("pk", filter=~Q(kind=Station.Kind.POINT)),
        points=Count("pk", filter=Q(kind=Station.Kind.POINT)),
    )
    receptions = scoped(user, ReceptionSession.objects.all()).aggregate(
        receptions=Count("pk"), drafts=Count("pk", filter=Q(status=ReceptionSession.Status.DRAFT))
    )
    tickets = scoped(user, Ticket.objects.all()).aggregate(
        tickets=Count("pk"),
        open_tickets=Count("pk", filter=~Q(status__in=Ticket.FINAL_STATUSES)),
        closed_tickets=Count("pk", filter=Q(status=Ticket.Status.CLOSED)),
    )
    return {**stations, **receptions, **tickets}
