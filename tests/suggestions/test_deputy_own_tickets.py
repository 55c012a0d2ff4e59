"""A deputy's 意见建议 page lists only the opinions they received themself, not the rest of
their station's (those are the citizens' opinions to other deputies)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DeputyFactory
from tests.suggestions.factories import make_world

pytestmark = pytest.mark.django_db


def test_a_deputy_lists_only_their_own_tickets(client):
    w = make_world()
    me = w.deputy.roles.get().deputy
    mate = DeputyFactory(home_station=w.station, name="同站代表")
    mine = w.ticket(content="我接待的群众意见：修路", received_by_deputy=me)
    theirs = w.ticket(content="同站另一位代表接待的意见：路灯", received_by_deputy=mate)
    nobody = w.ticket(content="联络员登记的意见：垃圾清运")
    client.force_login(w.deputy)
    html = client.get(reverse("suggestions:list")).content.decode()
    assert mine.content in html
    assert theirs.content not in html and nobody.content not in html
    for word in ("路灯", "垃圾", "意见"):  # nor by searching for them
        found = client.get(reverse("suggestions:list"), {"q": word}).content.decode()
        assert theirs.content not in found and nobody.content not in found
    assert mine.content in client.get(reverse("suggestions:list"), {"q": "意见"}).content.decode()
    assert client.get(reverse("suggestions:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("suggestions:detail", args=[mine.pk])).status_code == 200
    # the officer of the station sees all three
    client.force_login(w.officer)
    html = client.get(reverse("suggestions:list")).content.decode()
    assert all(t.content in html for t in (mine, theirs, nobody))
