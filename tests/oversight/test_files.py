"""The computed performance file traced to its inputs on the constructed world."""

import pytest

from oversight.selectors import deputy_file, evaluated_deputies, file_measures
from tests.oversight.world import YEAR, build_world


@pytest.fixture
def world(db):
    return build_world()


def test_every_figure_of_deputy_ones_file(world):
    m = file_measures(deputies=[world.d1.pk], year=YEAR)[world.d1.pk]
    # two reception days at 甲镇站 + a themed activity at 乙镇站 (the second county's station)
    assert m["station_entries"] == 3
    assert (m["station_reception"], m["themed"], m["door_to_door"], m["online"]) == (2, 1, 1, 1)
    assert m["citizens_received"] == 25  # five done sessions present, 5 citizens each
    # merged and 2024 tickets left out; the ticket reopened in 2026 is not closed for 2025
    # (the one rule of every figure, suggestions.selectors.closed_by)
    assert m["opinions_collected"] == 3
    assert m["opinions_closed"] == 1
    assert m["opinions_open"] == 2
    assert m["closure_rate"] == pytest.approx(1 / 3)
    assert (m["opinions_rated"], m["opinions_satisfied"]) == (2, 1)
    assert m["satisfaction_rate"] == 0.5
    # confirmed entries of the year only
    assert (m["training"], m["report_to_voters"], m["congress_session"], m["inspection"]) == (1, 1, 0, 0)


def test_a_closed_station_keeps_the_entries_made_before_it_closed(world):
    m = file_measures(deputies=[world.d4.pk], year=YEAR)[world.d4.pk]
    assert m["station_entries"] == 1
    assert m["closure_rate"] is None  # no opinion: the rate does not apply


def test_the_year_before_is_its_own_file(world):
    m = file_measures(deputies=[world.d1.pk], year=YEAR - 1)[world.d1.pk]
    assert (m["station_entries"], m["opinions_collected"], m["opinions_closed"], m["training"]) == (
        1,
        1,
        1,
        1,
    )


def test_who_each_county_evaluates(world):
    a = set(evaluated_deputies(region=world.county_a, year=YEAR).values_list("name", flat=True))
    b = set(evaluated_deputies(region=world.county_b, year=YEAR).values_list("name", flat=True))
    assert a == {"代表一", "代表四"}  # 代表三's mandate ended in 2024
    assert b == {"代表一", "代表二"}  # 代表一 holds a mandate of 乙县 too


def test_measures_of_many_deputies_cost_three_queries(world, django_assert_num_queries):
    deputies = evaluated_deputies(region=world.city, year=YEAR).values("pk")
    with django_assert_num_queries(3):
        out = file_measures(deputies=deputies, year=YEAR)
    assert out[world.d2.pk]["station_entries"] == 1
    assert out[world.d1.pk]["station_entries"] == 3


def test_the_file_lists_its_sources(world):
    f = deputy_file(deputy=world.d1, year=YEAR)
    assert len(f["receptions"]) == 5
    assert len(f["confirmed"]) == 2 and len(f["pending"]) == 1
