from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import PersonalDataAccess
from stations.models import StationEvent
from tests.factories import StationFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_prune_keeps_six_months_and_deletes_older():
    StationFactory()
    ticket = TicketFactory()
    user = UserFactory()
    old = PersonalDataAccess.objects.create(
        user=user, ticket_id=ticket.pk, citizen_name="x", fields="citizen_name"
    )
    PersonalDataAccess.objects.filter(pk=old.pk).update(viewed_at=timezone.now() - timedelta(days=500))
    StationEvent.objects.update(pgh_created_at=timezone.now() - timedelta(days=500))
    recent = PersonalDataAccess.objects.create(
        user=user, ticket_id=ticket.pk, citizen_name="y", fields="citizen_name"
    )

    call_command("prune_audit", days=400)

    assert not StationEvent.objects.exists()
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [recent.pk]


def test_prune_refuses_less_than_six_months():
    with pytest.raises(CommandError, match="六个月"):
        call_command("prune_audit", days=30)
