"""The suggestion forms pick joint deputies and units through the server-side autocomplete
(``liaison.pickers``: kinds ``joint_deputies`` and ``motion_units``, scoped), not long
selects: the page holds only the chosen options; a pick outside the scope is refused on
the form with a clear message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deputies.models import Deputy
from liaison.pickers import PICK_SIZE
from motions import services
from motions.models import DeputySuggestion
from tests.factories import DeputyFactory, HandlingUnitFactory
from tests.motions.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def pick(client, kind, q="", cursor=None) -> dict:
    r = client.get(reverse("pick", args=[kind]), {"q": q, **({"cursor": cursor} if cursor else {})})
    assert r.status_code == 200
    return r.json()


def walk(client, kind, q, django_assert_max_num_queries) -> list[str]:
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(6):
            body = pick(client, kind, q, cursor)
        assert len(body["results"]) <= PICK_SIZE
        seen += [r["label"] for r in body["results"]]
        cursor = body["next"]
        if not cursor:
            return seen


def test_joint_deputies_are_the_countys_searched_and_paged_to_the_end(
    client, w, django_assert_max_num_queries
):
    station = w.lead.home_station
    Deputy.objects.bulk_create(
        [DeputyFactory.build(home_station=station, name=f"张{i:02d}") for i in range(PICK_SIZE * 2 + 1)]
    )
    other = make_world()  # another county's deputies: never offered
    DeputyFactory(home_station=other.lead.home_station, name="张外县")
    for u in (w.lead_user, w.office):  # a deputy (their county) and the county office
        client.force_login(u)
        seen = walk(client, "joint_deputies", "张", django_assert_max_num_queries)
        assert len(seen) == len(set(seen)) == PICK_SIZE * 2 + 1 and "张外县" not in seen
    # a deputy's own scope of deputies is themselves; their joint deputies are the county's
    client.force_login(w.lead_user)
    assert [r["label"] for r in pick(client, "deputies", "联名")["results"]] == []
    assert [r["label"] for r in pick(client, "joint_deputies", "联名")["results"]] == ["联名代表"]
    client.force_login(w.unit_staff)  # a unit names no joint deputies
    assert pick(client, "joint_deputies", "张")["results"] == []


def test_motion_units_are_active_and_in_scope(client, w):
    HandlingUnitFactory(name="县撤并局", region=w.county, is_active=False)
    other = make_world()
    client.force_login(w.office)
    labels = {r["label"] for r in pick(client, "motion_units", "县")["results"]}
    assert {"县交通运输局", "县财政局"} <= labels and "县撤并局" not in labels
    assert other.unit.pk not in {r["id"] for r in pick(client, "motion_units", "县")["results"]}


def test_the_forms_are_pickers_holding_only_the_chosen(client, w):
    DeputyFactory.create_batch(30, home_station=w.lead.home_station)
    client.force_login(w.lead_user)
    html = client.get(reverse("motions:submit")).content.decode()
    assert 'data-picker="/pick/joint_deputies/"' in html and 'data-picker="/pick/deputies/"' in html
    assert html.count("<option") < 12  # sessions, timing and the deputy themself, not 32 deputies
    assert "js/picker.js" in html
    data = {
        "session": w.session.pk,
        "timing": "during",
        "submitted_by": w.lead.pk,
        "title": "关于公交线路的建议",
        "content": "建议增开线路。",
    }
    other = make_world()
    r = client.post(reverse("motions:submit"), {**data, "co_signers": [other.joint.pk]})
    assert r.status_code == 200 and "errorlist" in r.content.decode()  # another county's deputy
    assert not DeputySuggestion.objects.filter(title="关于公交线路的建议").exists()
    r = client.post(reverse("motions:submit"), {**data, "co_signers": [w.joint.pk]})
    assert r.status_code == 302
    s = DeputySuggestion.objects.get(title="关于公交线路的建议")
    s = services.suggestion_transition(suggestion=s, action="register", actor=w.office, category="urban")
    client.force_login(w.office)
    html = client.get(reverse("motions:detail", args=[s.pk])).content.decode()
    assert 'data-picker="/pick/motion_units/"' in html and "js/picker.js" in html
    r = client.post(
        reverse("motions:act", args=[s.pk]),
        {
            "action": "assign",
            "assign-lead_unit": w.unit.pk,
            "assign-co_units": [w.co_unit.pk],
            "assign-expected_version": s.version,
        },
    )
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.lead_unit == w.unit and list(s.co_units.all()) == [w.co_unit]
