"""Ratings frozen and explained: an archived year is never computed again on the live
records (rescoring the stored inputs gives the same stars), an override needs a reason
and is audited, and "why N stars?" shows every input and threshold."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from oversight import stations
from oversight.models import StarRatingClosure, StationRating
from tests.api.concurrency import at_once
from tests.factories import UserFactory
from tests.oversight.test_stars import rated_world
from tests.oversight.test_stars import world as world  # noqa: F401 (the rated world fixture)
from tests.oversight.world import YEAR, at
from visits.models import ReceptionSession


def rating_of(world, station):
    return StationRating.objects.get(station=station, year=YEAR)


def test_an_archived_year_is_frozen_and_reproducible(world, client, user_with_role):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    stations.station_rating_run(region=world.city, year=YEAR, actor=staff)
    before = {r.station_id: (r.computed_stars, r.levels, r.inputs) for r in StationRating.objects.all()}
    client.force_login(staff)
    url = f"{reverse('oversight:ratings', args=[world.city.pk])}?year={YEAR}"
    assert (
        client.post(reverse("oversight:rating_close", args=[world.city.pk]), {"year": YEAR}).status_code
        == 302
    )
    assert StarRatingClosure.objects.filter(region=world.city, year=YEAR).count() == 1

    # the records change after archiving: nine more reception days at 甲镇站
    for day in range(1, 10):
        ReceptionSession.objects.create(
            station=world.station_a,
            starts_at=at(YEAR, 10, day),
            kind=ReceptionSession.Kind.STATION_RECEPTION,
            status=ReceptionSession.Status.DONE,
            citizens_received=1,
        )
    # the city's run, and a county's run over part of it, are refused
    for region in (world.city, world.county_a):
        with pytest.raises(ValidationError, match="已归档"):
            stations.station_rating_run(region=region, year=YEAR)
    response = client.post(reverse("oversight:rating_run", args=[world.city.pk]), {"year": YEAR}, follow=True)
    assert "已归档，不能重新计算" in response.content.decode()
    after = {r.station_id: (r.computed_stars, r.levels, r.inputs) for r in StationRating.objects.all()}
    assert after == before
    # the live measure has moved; the rescore of what was stored has not
    live = stations.station_measures(stations=stations.rated_stations(region=world.city), year=YEAR)
    assert live[world.station_a.pk]["reception_days"] == 12
    page = client.get(url + "&check=1").content.decode()
    assert 'id="reproducible"' in page and "全部星级与存档一致" in page
    ratings = list(StationRating.objects.all())
    assert all(
        stations.station_rating_rescore(ratings)[r.pk] == (r.computed_stars, r.levels) for r in ratings
    )
    # another year is not frozen
    assert stations.closure_for(region=world.city, year=YEAR + 1) is None


def test_a_county_archive_freezes_the_citys_run_too(world):
    stations.station_rating_run(region=world.county_a, year=YEAR)
    stations.station_rating_close(region=world.county_a, year=YEAR, actor=None)
    with pytest.raises(ValidationError):
        stations.station_rating_run(region=world.city, year=YEAR)
    # archiving with nothing rated is refused
    with pytest.raises(ValidationError, match="尚未计算星级"):
        stations.station_rating_close(region=world.county_b, year=YEAR + 1, actor=None)


def test_an_override_in_an_archived_year_needs_a_reason_and_is_audited(world, client, user_with_role):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    stations.station_rating_run(region=world.city, year=YEAR)
    stations.station_rating_close(region=world.city, year=YEAR, actor=staff)
    a = rating_of(world, world.station_a)
    client.force_login(staff)
    override = reverse("oversight:rating_override", args=[world.city.pk])
    client.post(override, {"year": YEAR, "rating": a.pk, "stars": 4, "reason": ""})
    a.refresh_from_db()
    assert a.stars == 1  # no reason: refused
    client.post(override, {"year": YEAR, "rating": a.pk, "stars": 4, "reason": "年底补建场地经市里验收"})
    a.refresh_from_db()
    assert (a.stars, a.computed_stars, a.overridden_by) == (4, 1, staff) and a.overridden_at is not None
    Event = StationRating.pgh_event_model
    assert (
        Event.objects.filter(pgh_obj_id=a.pk, stars=4, override_reason="年底补建场地经市里验收").count() == 1
    )

    why = f"{reverse('oversight:rating_why', args=[world.city.pk])}?year={YEAR}&r={a.pk}"
    page = client.get(why).content.decode()
    assert "年底补建场地经市里验收" in page and 'id="overrides"' in page


def test_the_why_page_shows_every_input_and_threshold(
    world, client, user_with_role, django_assert_max_num_queries
):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    stations.station_rating_run(region=world.city, year=YEAR)
    a = rating_of(world, world.station_a)
    client.force_login(staff)
    why = f"{reverse('oversight:rating_why', args=[world.city.pk])}?year={YEAR}&r={a.pk}"
    with django_assert_max_num_queries(12):
        page = client.get(why).content.decode()
    for key in stations.INPUT_LABELS:
        assert f'data-input="{key}"' in page
    assert 'data-input="slots">4<' in page and 'data-input="slots_held">1<' in page
    # each criterion's value and its five thresholds; the lowest level decides
    for c in a.rule["criteria"]:
        row = page[page.index(f'data-measure="{c["measure"]}"') :]
        row = row[: row.index("</tr>")]
        assert all(t in row for t in c["thresholds"])
    reception = page[page.index('data-measure="reception_days"') :]
    assert (
        "<td data-value>3</td>" in reception[:400] and "决定星级" not in reception[: reception.index("</tr>")]
    )
    closure = page[page.index('data-measure="closure_rate"') :]
    assert "33.3%" in closure[:300] and "决定星级" in closure[: closure.index("</tr>")]
    timetable = page[page.index('data-measure="timetable_held"') :]
    assert "25.0%" in timetable[:200]
    # the checklist rate names the inspection it came from
    assert (
        f"?i={a.inputs['inspection_id']}" in page
        and a.inputs["inspected_on"] == dt.date(YEAR, 9, 1).isoformat()
    )
    # a rating of another region is not found
    client.force_login(user_with_role(Role.COUNTY_STAFF, region=world.county_b))
    b_url = f"{reverse('oversight:rating_why', args=[world.county_b.pk])}?year={YEAR}&r={a.pk}"
    assert client.get(b_url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_twenty_archivings_at_once_make_one():
    w = rated_world()
    stations.station_rating_run(region=w.city, year=YEAR)
    user = UserFactory()
    at_once(20, lambda _: stations.station_rating_close(region=w.city, year=YEAR, actor=user).pk)
    assert StarRatingClosure.objects.count() == 1
    assert StarRatingClosure.pgh_event_model.objects.count() == 1
