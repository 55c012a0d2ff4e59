"""Notifications are shown in the reader's language: new ones are stored as msgid +
parameters beside the Chinese text (which e-mail and SMS use), older ones as written."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from notifications.services import Digest, Message, notify_many
from suggestions import services
from suggestions.models import Ticket
from tests.suggestions.factories import make_world, ticket_in

pytestmark = pytest.mark.django_db


def test_an_assigned_ticket_reads_in_english_for_an_english_reader(client):
    w = make_world()
    ticket = ticket_in(w, Ticket.Status.ACCEPTED)
    services.ticket_assign(ticket=ticket, actor=w.officer, handling_unit=w.unit)
    n = Notification.objects.get(kind="ticket_assigned", recipient=w.unit_staff)
    assert n.title.startswith("交办：村东头道路坑洼")  # stored in Chinese, as before
    assert n.display_title == n.title
    with translation.override("en"):
        assert n.display_title.startswith("Assigned: 村东头道路坑洼")  # the opinion is data
        assert n.display_body.startswith(f"{ticket.station.name} assigned it to 甲县交通运输局, deadline ")
    client.force_login(w.unit_staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Assigned: 村东头道路坑洼" in page and "交办：" not in page


def test_a_digest_counts_in_the_readers_language_and_old_rows_show_as_stored(django_user_model):
    from liaison.texts import text

    user = django_user_model.objects.create(username="reader")
    digest = Digest("assigned", text("{n} 件意见建议交办给您"), "/tickets/")
    notify_many(
        Message(user_id=user.pk, kind="ticket_assigned", title=f"交办：{i}", digest=digest) for i in range(3)
    )
    n = Notification.objects.get(recipient=user)
    assert n.title == "3 件意见建议交办给您"
    with translation.override("en"):
        assert n.display_title == "3 opinions assigned to you"
    old = Notification.objects.create(recipient=user, kind="ticket_assigned", title="旧通知", body="旧内容")
    with translation.override("en"):
        assert (old.display_title, old.display_body) == ("旧通知", "旧内容")
