"""换届: end a term, import the next one; a re-elected person keeps one record with
several mandates, and a past half-year's figures do not move."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from deputies.models import Deputy, Mandate
from onboarding import services
from onboarding.models import DeputyKey
from suggestions.selectors import work_figures
from tests.factories import AttendanceFactory, ReceptionSessionFactory
from tests.onboarding.helpers import build_world, deputy_rows, roster, station_rows

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _import(user, kind, rows):
    job = services.import_start(user=user, kind=kind, name="x.xlsx", content=roster(kind, rows))
    assert job.status == "previewed", job.report
    return services.import_confirm(job=job, user=user)


def test_past_half_year_unchanged_after_the_new_term(client, world_with_term):
    world, deputies = world_with_term
    station = deputies[0].home_station
    session = ReceptionSessionFactory(station=station, starts_at=dt.datetime(2023, 3, 8, 9, tzinfo=SHANGHAI))
    for deputy in deputies:
        AttendanceFactory(session=session, deputy=deputy)
    before = work_figures(
        group="deputies", start=dt.date(2023, 1, 1), end=dt.date(2023, 6, 30), region=world.county
    )
    serving_2023 = Deputy.objects.serving_on(dt.date(2023, 3, 8), level="county").count()
    assert (before.entries, serving_2023) == (2, 2)

    # the term change page: count first, then confirm
    client.force_login(world.staff)
    form = {"level": "county", "term": 18, "ended_on": "2026-09-30"}
    page = client.post(reverse("onboarding:term_change"), form)
    assert page.status_code == 200 and "将结束 2 个在任代表资格" in page.content.decode()
    assert Mandate.objects.filter(status="serving").count() == 3
    done = client.post(reverse("onboarding:term_change"), {**form, "confirm": "on"}, follow=True)
    assert "已结束 2 个代表资格" in done.content.decode()
    assert (
        Mandate.objects.filter(level="county", term=18, status="ended", ended_on=dt.date(2026, 9, 30)).count()
        == 2
    )
    assert Mandate.objects.get(level="city").status == "serving"  # another level is untouched

    # the new term: 张晓梅 re-elected (same code), 李建国 not; 王新 new
    rows = [
        r
        for r in deputy_rows(term=19, started="2026-10-01")
        if r["level"] == "县级" and r["code"] == "LS-0001"
    ]
    rows.append({**rows[0], "code": "LS-0100", "id_number": "", "name": "王新", "gender": "男"})
    job = _import(world.staff, "deputies", rows)
    assert (job.created_count, job.updated_count) == (1, 1)
    zhang = DeputyKey.objects.get(code="LS-0001").deputy
    assert sorted(zhang.mandates.values_list("level", "term", "status")) == [
        ("city", 5, "serving"),
        ("county", 18, "ended"),
        ("county", 19, "serving"),
    ]
    assert Deputy.objects.count() == 3

    after = work_figures(
        group="deputies", start=dt.date(2023, 1, 1), end=dt.date(2023, 6, 30), region=world.county
    )
    assert after == before
    assert Deputy.objects.serving_on(dt.date(2023, 3, 8), level="county").count() == serving_2023
    assert Deputy.objects.serving_on(dt.date(2026, 11, 1), level="county").count() == 2  # 张 and 王, not 李
    # running the term change again ends nothing more
    assert (
        services.term_end(user=world.staff, level="county", term=18, ended_on=dt.date(2026, 9, 30)).ended == 0
    )


def test_term_change_stays_in_scope(world_with_term):
    world, _ = world_with_term
    result = services.term_end(user=world.other_staff, level="county", term=18, ended_on=dt.date(2026, 9, 30))
    assert result.ended == 0
    assert Mandate.objects.filter(status="serving").count() == 3


def test_term_change_page_is_for_overseers(client, user_with_role):
    from accounts.models import Role

    client.force_login(user_with_role(Role.LIAISON_OFFICER))
    assert client.get(reverse("onboarding:term_change")).status_code == 403
    assert client.post(reverse("onboarding:term_change"), {"level": "county", "term": 1}).status_code == 403


@pytest.fixture
def world_with_term():
    world = build_world()
    _import(world.staff, "stations", station_rows())
    _import(world.staff, "deputies", deputy_rows())
    deputies = [DeputyKey.objects.get(code=c).deputy for c in ("LS-0001", "LS-0002")]
    return world, deputies
