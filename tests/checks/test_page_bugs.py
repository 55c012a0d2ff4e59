"""Two page bugs of issue 15: a deputy's 意见建议 list showed the whole station's tickets,
and the deputy's dashboard printed a setting's name instead of a sentence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from liaison.scoping import get_scoped_or_404, scoped
from suggestions.models import Ticket
from tests.factories import DeputyFactory, UserFactory
from tests.suggestions.factories import World, make_world


@pytest.fixture
def w(db) -> World:
    return make_world()


def test_a_deputy_sees_only_the_tickets_they_received(client, w):
    me = w.deputy.roles.get().deputy
    colleague = DeputyFactory(home_station=w.station)
    mine = w.ticket(content="我接待的群众反映路灯不亮", received_by_deputy=me)
    theirs = w.ticket(content="同站其他代表接待的群众反映垃圾清运", received_by_deputy=colleague)
    nobodys = w.ticket(content="联络员登记的群众来信")

    assert set(scoped(w.deputy, Ticket.objects.all())) == {mine}
    with pytest.raises(Exception, match="未找到"):
        get_scoped_or_404(w.deputy, Ticket.objects.all(), pk=theirs.pk)

    client.force_login(w.deputy)
    html = client.get(reverse("suggestions:list")).content.decode()
    assert mine.content[:10] in html
    assert theirs.content[:10] not in html and nobodys.content[:10] not in html
    assert client.get(reverse("suggestions:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("suggestions:detail", args=[mine.pk])).status_code == 200

    # the station's keepers still see every ticket of the station
    assert set(scoped(w.officer, Ticket.objects.all())) == {mine, theirs, nobodys}


def test_a_deputy_who_also_keeps_the_station_sees_the_station(w):
    """The union of roles: the deputy rule narrows only what the deputy role adds."""
    user = UserFactory()
    user.roles.create(role=Role.DEPUTY, deputy=DeputyFactory(home_station=w.station))
    other = w.ticket(content="他人接待的意见")
    assert not scoped(user, Ticket.objects.all()).exists()
    user = type(user).objects.get(pk=user.pk)  # a fresh object: the scope is cached per object
    user.roles.create(role=Role.LIAISON_OFFICER, station=w.station)
    assert list(scoped(user, Ticket.objects.all())) == [other]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_deputy_dashboard_says_the_yearly_expectation_in_words(client, w, settings, language):
    settings.DEPUTY_ENTRIES_EXPECTED_PER_YEAR = 3
    client.force_login(w.deputy)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    deputy = w.deputy.roles.get().deputy
    html = client.get(reverse("dashboards:deputy", args=[deputy.pk])).content.decode()
    assert "DEPUTY_ENTRIES_EXPECTED_PER_YEAR" not in html
    if language == "en":
        assert "Each deputy is expected to enter the station 3 times a year" in html
    else:
        assert "每名代表每年应进站 3 次" in html
