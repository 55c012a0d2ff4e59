"""Deputies and their mandates: one person, several levels."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from deputies.models import Deputy, Level, Mandate
from deputies.selectors import deputies_in_region, deputy_levels
from deputies.services import deputy_create, mandate_add
from tests.factories import DeputyFactory, MandateFactory, StationFactory

pytestmark = pytest.mark.django_db

START = dt.date(2021, 10, 1)


@pytest.fixture
def deputy(station) -> Deputy:
    return deputy_create(
        name="王秀英", gender=Deputy.Gender.FEMALE, home_station=station, phone="13812345678"
    )


def test_deputy_create(deputy, station):
    deputy.refresh_from_db()
    assert deputy.home_station == station
    assert deputy.ethnicity == "汉族"


def test_deputy_create_validates(station):
    with pytest.raises(ValidationError) as exc:
        deputy_create(name="", gender="X", home_station=station)
    assert {"name", "gender"} <= set(exc.value.message_dict)


def test_masked_phone():
    assert DeputyFactory.build(phone="13812345678").masked_phone == "138****5678"
    assert DeputyFactory.build(phone="138-1234-5678").masked_phone == "138****5678"
    assert DeputyFactory.build(phone="").masked_phone == ""


def test_one_person_with_township_and_county_mandates(deputy, region_tree):
    county, township = region_tree.counties[0], region_tree.townships[0]
    mandate_add(deputy=deputy, level=Level.TOWNSHIP, term=18, started_on=START, congress_region=township)
    mandate_add(deputy=deputy, level=Level.COUNTY, term=18, started_on=START, congress_region=county)

    assert Deputy.objects.count() == 1
    assert deputy.mandates.count() == 2
    assert deputy_levels(deputy=deputy) == [Level.COUNTY, Level.TOWNSHIP]


def test_deputy_levels_orders_national_first_and_skips_ended(deputy):
    mandate_add(deputy=deputy, level=Level.TOWNSHIP, term=18, started_on=START)
    mandate_add(deputy=deputy, level=Level.NATIONAL, term=14, started_on=dt.date(2023, 3, 5))
    mandate_add(
        deputy=deputy,
        level=Level.CITY,
        term=4,
        started_on=dt.date(2016, 10, 1),
        ended_on=dt.date(2021, 9, 30),
        status=Mandate.Status.ENDED,
    )
    assert deputy_levels(deputy=deputy) == [Level.NATIONAL, Level.TOWNSHIP]


def test_same_level_and_term_twice_refused(deputy):
    mandate_add(deputy=deputy, level=Level.COUNTY, term=18, started_on=START)
    with pytest.raises(ValidationError) as exc:
        mandate_add(deputy=deputy, level=Level.COUNTY, term=18, started_on=START)
    assert "县级第18届" in exc.value.messages[0]
    # a new term at the same level is a new mandate
    mandate_add(deputy=deputy, level=Level.COUNTY, term=19, started_on=dt.date(2026, 10, 1))
    assert deputy.mandates.count() == 2


def test_database_rejects_a_duplicate_mandate(deputy):
    MandateFactory(deputy=deputy, level=Level.COUNTY, term=18)
    with (
        pytest.raises(IntegrityError, match="mandate_unique_level_term|UNIQUE constraint failed"),
        transaction.atomic(),
    ):
        Mandate.objects.bulk_create([Mandate(deputy=deputy, level=Level.COUNTY, term=18, started_on=START)])


def test_mandate_ending_before_it_starts_refused(deputy):
    with pytest.raises(ValidationError) as exc:
        mandate_add(
            deputy=deputy, level=Level.COUNTY, term=18, started_on=START, ended_on=dt.date(2021, 9, 30)
        )
    assert exc.value.message_dict["ended_on"] == ["任期结束不能早于开始。"]
    assert not deputy.mandates.exists()


def test_database_rejects_a_mandate_ending_before_it_starts(deputy):
    bad = Mandate(deputy=deputy, level=Level.COUNTY, term=18, started_on=START, ended_on=dt.date(2020, 1, 1))
    with pytest.raises(IntegrityError, match="mandate_ends_after_start"), transaction.atomic():
        Mandate.objects.bulk_create([bad])


def test_deputies_in_region_with_mandates_prefetched(region_tree, django_assert_num_queries):
    county_a, county_b = region_tree.counties
    station_a = StationFactory(region=region_tree.townships[1])
    station_b = StationFactory(region=region_tree.townships[3])
    in_a = DeputyFactory.create_batch(3, home_station=station_a)
    for d in in_a:
        MandateFactory(deputy=d, level=Level.TOWNSHIP)
        MandateFactory(deputy=d, level=Level.COUNTY)
    in_b = DeputyFactory(home_station=station_b)

    with django_assert_num_queries(2):  # deputies (with station, group), then all their mandates
        deputies = list(deputies_in_region(region=county_a))
        levels = [deputy_levels(deputy=d) for d in deputies]
        [d.home_station.name for d in deputies]
    assert set(deputies) == set(in_a)
    assert levels == [[Level.COUNTY, Level.TOWNSHIP]] * 3
    assert list(deputies_in_region(region=county_b)) == [in_b]
    assert len(deputies_in_region(region=region_tree.city)) == 4
