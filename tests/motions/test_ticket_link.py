"""A station opinion turned into a deputy suggestion (转为代表建议): the ticket's page offers
the deputy to submit it, then links to the suggestion (for those who may open it; the
station's officer sees its number, title and state); the station's keepers are told on
submission and on the reply, to tell the citizen, and the ticket's timeline records both."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from motions import services
from notifications.models import Notification
from suggestions.models import Ticket, TimelineEvent
from tests.factories import TicketFactory
from tests.motions.factories import make_world, user

pytestmark = pytest.mark.django_db


def test_the_ticket_links_to_its_suggestion_and_the_citizen_is_told(client, django_assert_max_num_queries):
    w = make_world()
    ticket = TicketFactory(
        station=w.lead.home_station,
        tier=Ticket.Tier.DEPUTY_SUGGESTION,
        status=Ticket.Status.ACCEPTED,
        received_by_deputy=w.lead,
    )
    officer = user(Role.LIAISON_OFFICER, station=ticket.station)
    page = reverse("suggestions:detail", args=[ticket.pk])
    client.force_login(w.lead_user)
    html = client.get(page).content.decode()
    assert f"{reverse('motions:submit')}?ticket={ticket.pk}" in html  # 据此提出代表建议
    client.force_login(officer)
    assert reverse("motions:submit") not in client.get(page).content.decode()  # an officer submits none

    s = services.suggestion_submit(
        actor=w.lead_user,
        session=w.session,
        submitted_by=w.lead,
        title="关于修复路灯的建议",
        content="建议尽快修复。",
        source_ticket=ticket,
    )
    told = Notification.objects.get(recipient=officer, kind="motion_ticket")
    assert "请告知群众" in told.title and told.url == page
    note = TimelineEvent.objects.get(ticket=ticket, action="motion_submitted")
    assert "关于修复路灯的建议" in note.comment
    s = services.suggestion_transition(suggestion=s, action="register", actor=w.office, category="urban")

    client.force_login(w.lead_user)  # the deputy may open it: a link
    html = client.get(page).content.decode()
    assert f'href="{reverse("motions:detail", args=[s.pk])}"' in html and "第 1 号 关于修复路灯的建议" in html
    assert f"?ticket={ticket.pk}" not in html  # turned already: no second offer
    client.force_login(officer)  # the officer sees what became of it, without a link it cannot open
    with django_assert_max_num_queries(40):
        html = client.get(page).content.decode()
    assert "第 1 号 关于修复路灯的建议" in html and reverse("motions:detail", args=[s.pk]) not in html
    assert client.get(reverse("motions:detail", args=[s.pk])).status_code == 404

    s = services.suggestion_transition(suggestion=s, action="assign", actor=w.office, lead_unit=w.unit)
    services.suggestion_transition(
        suggestion=s,
        action="consult",
        actor=w.unit_staff,
        held_on=s.assigned_on,
        form="visit",
        participants="局长、代表",
    )
    services.suggestion_transition(
        suggestion=s, action="reply", actor=w.unit_staff, text="已修复", reply_class="A"
    )
    replied = TimelineEvent.objects.get(ticket=ticket, action="motion_replied")
    assert "请反馈群众" in replied.comment and replied.to_status == Ticket.Status.ACCEPTED
    assert Notification.objects.filter(recipient=officer, kind="motion_ticket").count() == 2
    # another ticket (not 转为代表建议): nothing about suggestions, no extra query
    plain = TicketFactory(station=ticket.station, tier=Ticket.Tier.TOWNSHIP, status=Ticket.Status.ACCEPTED)
    from motions.selectors import ticket_motions

    with django_assert_max_num_queries(0):
        shown = ticket_motions(user=w.lead_user, ticket=plain)
    assert shown.suggestions == [] and not shown.can_submit
    assert (
        f"?ticket={plain.pk}"
        not in client.get(reverse("suggestions:detail", args=[plain.pk])).content.decode()
    )
