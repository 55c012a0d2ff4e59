"""Autocomplete pickers: ``/pick/<kind>/`` answers at most 20 matches in the user's scope,
searched on the server and keyset paged; the filters render a select holding only the
chosen option, so a city's receptions page stays small however many deputies it has."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deputies.models import Deputy
from liaison.pickers import PICK_SIZE
from tests.factories import DeputyFactory, HandlingUnitFactory, ReceptionSessionFactory, StationFactory
from tests.suggestions.factories import World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return make_world()


def pick(client, kind: str, q: str = "", cursor: str | None = None) -> dict:
    params = {"q": q, **({"cursor": cursor} if cursor else {})}
    r = client.get(reverse("pick", args=[kind]), params)
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    return r.json()


def test_deputies_are_searched_scoped_and_paged_to_the_end(client, w, django_assert_max_num_queries):
    Deputy.objects.bulk_create(
        [DeputyFactory.build(home_station=w.station, name=f"王{i:02d}") for i in range(PICK_SIZE * 2 + 3)]
    )
    DeputyFactory(home_station=w.other_station, name="王外县")  # the other county
    client.force_login(w.county)
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(6):
            body = pick(client, "deputies", "王", cursor)
        assert len(body["results"]) <= PICK_SIZE
        seen += [row["label"] for row in body["results"]]
        cursor = body["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == PICK_SIZE * 2 + 3
    assert "王外县" not in seen
    assert [r["label"] for r in pick(client, "deputies", "王 07")["results"]] == ["王07"]
    assert pick(client, "deputies", "王07")["results"][0]["hint"] == w.station.name


def test_each_kind_answers_in_scope(client, w):
    StationFactory(name="乙县某联络站", region=w.tree.townships[2])
    HandlingUnitFactory(name="乙县水务局", region=w.tree.counties[1])
    ReceptionSessionFactory(station=w.station, theme="乡村振兴专题")
    ReceptionSessionFactory(station=w.other_station, theme="乡村振兴外县")
    client.force_login(w.county)
    assert [r["label"] for r in pick(client, "stations", "联络站")["results"]] == [w.station.name]
    assert {r["label"] for r in pick(client, "units", "局")["results"]} == {w.unit.name, w.other_unit.name}
    receptions = pick(client, "receptions", "乡村振兴")["results"]
    assert len(receptions) == 1 and "乡村振兴专题" in receptions[0]["label"]
    assert client.get(reverse("pick", args=["nothing"])).status_code == 404


def test_pickers_need_a_login(client):
    r = client.get(reverse("pick", args=["deputies"]))
    assert r.status_code == 302


def test_ticket_filters_are_pickers_not_uuid_boxes(client, w):
    client.force_login(w.officer)
    deputy = DeputyFactory(home_station=w.station, name="李选中")
    html = client.get(reverse("suggestions:list"), {"deputy": str(deputy.pk)}).content.decode()
    assert 'data-picker="/pick/deputies/"' in html and 'data-picker="/pick/stations/"' in html
    assert f'<option value="{deputy.pk}" selected>李选中</option>' in html
    foreign = DeputyFactory(home_station=w.other_station)
    r = client.get(reverse("suggestions:list"), {"deputy": str(foreign.pk)})
    assert r.status_code == 200 and "有效" in r.content.decode()  # a clear field message, no leak


def test_city_receptions_page_is_small_with_many_deputies(client, w, django_assert_max_num_queries):
    """Was 950 KB with an 11,387-option deputy dropdown; now the dropdown holds one option."""
    stations = [StationFactory(region=w.tree.townships[i % 4]) for i in range(40)]
    Deputy.objects.bulk_create(
        [DeputyFactory.build(home_station=stations[i % 40], name=f"代表{i}") for i in range(3000)]
    )
    for s in stations[:10]:
        ReceptionSessionFactory(station=s)
    from accounts.models import Role
    from tests.factories import UserFactory

    city = UserFactory(username="cityuser")
    city.roles.create(role=Role.CITY_STAFF, region=w.tree.city)
    client.force_login(city)
    with django_assert_max_num_queries(16):
        html = client.get(reverse("visits:list")).content
    assert len(html) < 200_000, len(html)
    assert html.count(b"<option") < 100
    assert len(client.get(reverse("suggestions:list")).content) < 200_000
    assert len(client.get(reverse("deputies:list")).content) < 200_000


# --- h15: the forms' pickers (reception cadres, motions, accounts) --------------------------


def _city_user(w: World):
    from accounts.models import Role
    from tests.factories import UserFactory

    city = UserFactory(username="cityuser")
    city.roles.create(role=Role.CITY_STAFF, region=w.tree.city)
    return city


def test_forms_stay_small_for_the_city_with_thousands_of_choices(client, w, django_assert_max_num_queries):
    """The suggestion form carried an option per deputy of the city (1.7 MB at the demo
    scale) and per ticket to turn into a suggestion; the supervision form one per unit;
    the role form one per region. Now each holds the chosen option only."""
    from motions.models import CongressSession
    from suggestions.models import HandlingUnit, Ticket

    stations = [StationFactory(region=w.tree.townships[i % 4]) for i in range(40)]
    Deputy.objects.bulk_create(
        [DeputyFactory.build(home_station=stations[i % 40], name=f"代表{i}") for i in range(3000)]
    )
    HandlingUnit.objects.bulk_create(
        [HandlingUnitFactory.build(name=f"单位{i}", region=w.tree.counties[i % 2]) for i in range(300)]
    )
    CongressSession.objects.create(
        region=w.tree.city, name="五届二次会议", opens_on="2026-01-10", closes_on="2026-01-14"
    )
    for i in range(30):
        t = w.ticket(content=f"转为代表建议的意见{i}")
        Ticket.objects.filter(pk=t.pk).update(tier=Ticket.Tier.DEPUTY_SUGGESTION, status="accepted")
    client.force_login(_city_user(w))
    for name in ("motions:submit", "motions:supervision_create", "accounts:user_create"):
        with django_assert_max_num_queries(30):
            r = client.get(reverse(name))
        assert r.status_code == 200, name
        assert len(r.content) < 200_000, (name, len(r.content))
        assert r.content.count(b"<option") < 60, (name, r.content.count(b"<option"))
    html = client.get(reverse("motions:submit")).content.decode()
    for kind in ("deputies", "joint_deputies", "suggestion_sources"):
        assert f'data-picker="/pick/{kind}/"' in html
    assert (
        'data-picker="/pick/motion_units/"'
        in client.get(reverse("motions:supervision_create")).content.decode()
    )
    assert 'data-picker="/pick/regions/"' in client.get(reverse("accounts:user_create")).content.decode()


def test_the_reception_cadre_picker_is_the_forms_rule(client, w):
    from tests.factories import LeadingCadreFactory

    LeadingCadreFactory(name="赵本县", title="县委书记", region=w.tree.counties[0])
    LeadingCadreFactory(name="赵外县", title="县长", region=w.tree.counties[1])
    client.force_login(w.officer)
    got = pick(client, "reception_cadres", "赵", None)  # no station: nothing
    assert got["results"] == []
    r = client.get(reverse("pick", args=["reception_cadres"]), {"station": w.station.pk, "q": "赵"})
    assert [row["label"] for row in r.json()["results"]] == ["赵本县（县委书记）"]
    # another county's station: not the officer's, so nothing (not its cadres)
    r = client.get(reverse("pick", args=["reception_cadres"]), {"station": w.other_station.pk, "q": "赵"})
    assert r.json()["results"] == []
    r = client.get(reverse("pick", args=["reception_cadres"]), {"station": "not-a-uuid"})
    assert r.status_code == 200 and r.json()["results"] == []


def test_joint_deputies_sources_and_regions_are_scoped(client, w):
    from suggestions.models import Ticket

    DeputyFactory(home_station=w.station, name="钱本县")
    DeputyFactory(home_station=w.other_station, name="钱外县")
    mine = w.ticket(content="本县待转代表建议")
    theirs = w.ticket(content="外县待转代表建议", station=w.other_station)
    Ticket.objects.filter(pk__in=[mine.pk, theirs.pk]).update(tier=Ticket.Tier.DEPUTY_SUGGESTION)
    client.force_login(w.deputy)  # a deputy: joint deputies of their county
    assert [r["label"] for r in pick(client, "joint_deputies", "钱")["results"]] == ["钱本县"]
    client.force_login(w.county)
    assert [r["label"] for r in pick(client, "joint_deputies", "钱")["results"]] == ["钱本县"]
    sources = [r["label"] for r in pick(client, "suggestion_sources", "待转")["results"]]
    assert len(sources) == 1 and "本县待转代表建议" in sources[0]
    regions = [r["label"] for r in pick(client, "regions")["results"]]
    assert w.tree.counties[0].name in regions and w.tree.counties[1].name not in regions


def test_the_reception_forms_station_is_a_picker_over_thirty_stations(client, w):
    """An admin logs at every station: the station is picked by name, not from 747 options."""
    from visits.forms import STATION_SELECT_MAX

    for i in range(STATION_SELECT_MAX + 5):
        StationFactory(name=f"某某{i}镇联络站", region=w.tree.townships[i % 4])
    client.force_login(w.admin)
    html = client.get(reverse("visits:create")).content.decode()
    assert 'data-picker="/pick/stations/"' in html and html.count("<option") < 10
    # the officer's one station stays a plain select, chosen already
    client.force_login(w.officer)
    html = client.get(reverse("visits:create")).content.decode()
    assert 'data-picker="/pick/stations/"' not in html
    assert f'<option value="{w.station.pk}" selected>' in html
