"""The pages: a deputy submits (jointly, from a station opinion), the office acts through
the one action endpoint, errors come back on the form, nothing half-saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from motions.models import DeputySuggestion, SuggestionEvent
from suggestions.models import Ticket
from tests.factories import TicketFactory
from tests.motions.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def test_a_deputy_submits_jointly_from_a_station_opinion(client, w):
    ticket = TicketFactory(
        tier=Ticket.Tier.DEPUTY_SUGGESTION,
        status=Ticket.Status.ACCEPTED,
        received_by_deputy=w.lead,
        content="路灯坏了",
    )
    client.force_login(w.lead_user)
    page = client.get(reverse("motions:submit"), {"ticket": ticket.pk})
    assert page.status_code == 200 and "路灯坏了"[:4] in page.content.decode()
    r = client.post(
        reverse("motions:submit"),
        {
            "session": w.session.pk,
            "timing": "between",
            "submitted_by": w.lead.pk,
            "co_signers": [w.joint.pk],
            "title": "关于修复路灯的建议",
            "content": "建议尽快修复。",
            "source_ticket": ticket.pk,
        },
    )
    s = DeputySuggestion.objects.get(title="关于修复路灯的建议")
    assert r.status_code == 302 and r["Location"] == reverse("motions:detail", args=[s.pk])
    assert s.source_ticket == ticket and list(s.co_signers.all()) == [w.joint] and s.timing == "between"
    html = client.get(reverse("motions:detail", args=[s.pk])).content.decode()
    assert "关于修复路灯的建议" in html and "联名代表" in html and w.joint.name in html
    # the joint deputy sees it too; the other unit does not
    client.force_login(w.joint_user)
    assert client.get(reverse("motions:detail", args=[s.pk])).status_code == 200
    client.force_login(w.other_staff)
    assert client.get(reverse("motions:detail", args=[s.pk])).status_code == 404


def test_the_office_acts_through_the_one_endpoint(client, w, django_assert_max_num_queries):
    from motions import services

    s = services.suggestion_submit(
        actor=w.lead_user, session=w.session, submitted_by=w.lead, title="t", content="c"
    )
    client.force_login(w.office)
    url = reverse("motions:act", args=[s.pk])
    r = client.post(
        url, {"action": "register", "register-category": "", "register-expected_version": s.version}
    )
    assert r.status_code == 200 and "form-errors" in r.content.decode() or "errorlist" in r.content.decode()
    assert DeputySuggestion.objects.get(pk=s.pk).number is None
    r = client.post(
        url, {"action": "register", "register-category": "urban", "register-expected_version": s.version}
    )
    assert r.status_code == 302
    assert DeputySuggestion.objects.get(pk=s.pk).number == 1
    # the same form again (a double submit): refused as stale, nothing applied twice
    r = client.post(
        url, {"action": "register", "register-category": "urban", "register-expected_version": s.version}
    )
    assert (
        r.status_code == 302 and SuggestionEvent.objects.filter(suggestion=s, action="register").count() == 1
    )
    assert client.post(url, {"action": "nope"}).status_code == 302
    with django_assert_max_num_queries(16):
        assert client.get(reverse("motions:detail", args=[s.pk])).status_code == 200
    client.force_login(w.other_staff)
    assert client.post(url, {"action": "register"}).status_code == 404
    client.force_login(w.unit_staff)  # sees nothing before assignment
    assert client.post(url, {"action": "register"}).status_code == 404


def test_a_station_officer_has_no_motions(client, w, user_with_role):
    officer = user_with_role(Role.LIAISON_OFFICER)
    client.force_login(officer)
    assert client.get(reverse("motions:submit")).status_code == 403
    assert client.get(reverse("motions:figures")).status_code == 403
    assert "代表建议</a>" not in client.get(reverse("home")).content.decode()
