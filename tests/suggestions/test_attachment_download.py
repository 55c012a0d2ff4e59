"""Ticket attachments are sent only through a view that checks the ticket's scope."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Role
from suggestions.models import Attachment, TimelineEvent
from tests.factories import StationFactory, TicketFactory, UserFactory, make_region_tree

pytestmark = pytest.mark.django_db


def test_only_users_who_see_the_ticket_get_its_attachment(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tree = make_region_tree()
    ticket = TicketFactory(station=StationFactory(region=tree.townships[0]))
    event = TimelineEvent.objects.create(ticket=ticket, action="reply", to_status="replied")
    attachment = Attachment(event=event, original_name="答复函.pdf", content_type="application/pdf", size=9)
    attachment.file.save("reply.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    url = reverse("suggestions:attachment", args=[ticket.pk])

    insider, outsider = UserFactory(), UserFactory()
    insider.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[0])
    outsider.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[1])

    client.force_login(insider)
    response = client.get(url, {"file": attachment.pk})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n"
    assert client.get(url, {"file": 999999}).status_code == 404
    assert client.get(url, {"file": "x"}).status_code == 404
    client.force_login(outsider)
    assert client.get(url, {"file": attachment.pk}).status_code == 404
