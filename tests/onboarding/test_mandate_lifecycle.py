"""The mandate lifecycle for county staff (no admin): a by-election (补选) adds a mandate
mid-term; a termination or resignation (终止、辞职) ends one with its date and reason, the
deputy's roles follow, the deputy's page shows it, a roster does not revive it, and a
past half-year's figures do not move."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import AccountEvent, Role, RoleAssignment
from deputies.models import DeputyGroup, Mandate
from onboarding import services
from onboarding.models import DeputyKey
from suggestions.selectors import work_figures
from tests.api.concurrency import at_once
from tests.factories import AttendanceFactory, ReceptionSessionFactory, UserFactory
from tests.onboarding.helpers import build_world, deputy_rows, roster, station_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _import(user, kind, rows):
    job = services.import_start(user=user, kind=kind, name="x.xlsx", content=roster(kind, rows))
    assert job.status == "previewed", job.report
    return services.import_confirm(job=job, user=user)


def _world():
    world = build_world()
    _import(world.staff, "stations", station_rows())
    _import(world.staff, "deputies", deputy_rows())
    zhang = DeputyKey.objects.get(code="LS-0001").deputy  # county 18 and city 5
    li = DeputyKey.objects.get(code="LS-0002").deputy  # county 18 only
    return world, zhang, li


@pytest.mark.django_db
def test_termination_ends_the_mandate_and_the_roles_follow(client):
    world, zhang, li = _world()
    account = UserFactory(username="li_deputy")
    account.roles.create(role=Role.DEPUTY, deputy=li)
    group = DeputyGroup.objects.get(name="城北第一代表小组")
    group.leader = li
    group.save()
    mandate = li.mandates.get()
    client.force_login(world.staff)
    url = reverse("onboarding:mandates", args=[li.pk])
    assert client.get(url).status_code == 200

    # a bad date and a missing reason: the form says so, nothing saved
    bad = client.post(
        url,
        {
            "action": "end",
            "mandate": str(mandate.pk),
            "status": "terminated",
            "ended_on": "2020-01-01",
            "reason": "x",
        },
    )
    assert bad.status_code == 400 and "终止日期不能早于任期开始" in bad.content.decode()
    bad = client.post(
        url, {"action": "end", "mandate": str(mandate.pk), "status": "terminated", "ended_on": "2025-05-20"}
    )
    assert bad.status_code == 400
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.SERVING

    done = client.post(
        url,
        {
            "action": "end",
            "mandate": str(mandate.pk),
            "status": "terminated",
            "ended_on": "2025-05-20",
            "reason": "被依法罢免，县人大常委会第12次会议公告",
        },
        follow=True,
    )
    assert done.status_code == 200
    mandate.refresh_from_db()
    assert (mandate.status, mandate.ended_on) == (Mandate.Status.TERMINATED, dt.date(2025, 5, 20))
    assert mandate.end_reason.startswith("被依法罢免")
    # no mandate left serving: the deputy account's role ends, the group has no leader
    assert not RoleAssignment.objects.get(user=account).is_active
    assert AccountEvent.objects.filter(user=account, kind="role_revoked").count() == 1
    group.refresh_from_db()
    assert group.leader_id is None
    page = client.get(reverse("deputies:detail", args=[li.pk])).content.decode()
    assert "被依法罢免" in page and "终止" in page and reverse("onboarding:mandates", args=[li.pk]) in page

    # a roster with the same row does not revive it
    _import(world.staff, "deputies", deputy_rows())
    mandate.refresh_from_db()
    assert (mandate.status, mandate.ended_on) == (Mandate.Status.TERMINATED, dt.date(2025, 5, 20))


@pytest.mark.django_db
def test_a_resignation_keeps_the_roles_of_a_deputy_still_serving(client):
    world, zhang, _ = _world()
    account = UserFactory(username="zhang_deputy")
    account.roles.create(role=Role.DEPUTY, deputy=zhang)
    county = zhang.mandates.get(level="county")
    client.force_login(world.staff)
    client.post(
        reverse("onboarding:mandates", args=[zhang.pk]),
        {
            "action": "end",
            "mandate": str(county.pk),
            "status": "resigned",
            "ended_on": "2025-03-01",
            "reason": "工作调动",
        },
    )
    county.refresh_from_db()
    assert county.status == Mandate.Status.RESIGNED
    assert RoleAssignment.objects.get(user=account).is_active  # still a city deputy
    # the city mandate is the city congress's: county staff cannot end it
    city = zhang.mandates.get(level="city")
    with pytest.raises(services.ImportRefused):
        services.mandate_end(
            user=world.staff, mandate=city, status="resigned", ended_on=dt.date(2025, 3, 1), reason="x"
        )


@pytest.mark.django_db
def test_a_by_election_adds_a_mandate_mid_term(client):
    world, zhang, li = _world()
    client.force_login(world.staff)
    url = reverse("onboarding:mandates", args=[li.pk])
    form = {
        "action": "by_election",
        "level": "township",
        "term": "19",
        "started_on": "2024-04-15",
        "congress_region": "141102001000",
        "constituency": "城北第二选区",
    }
    assert client.post(url, form).status_code == 302
    mandate = li.mandates.get(level="township")
    assert (mandate.by_election, mandate.term, mandate.status) == (True, 19, Mandate.Status.SERVING)
    assert "（补选）" in client.get(reverse("deputies:detail", args=[li.pk])).content.decode()
    # the same level and term again is refused, with the message on the form
    again = client.post(url, {**form, "started_on": "2024-05-01"})
    assert again.status_code == 400 and "已有乡镇级第19届代表资格" in again.content.decode()
    # a congress outside the county is refused
    outside = client.post(url, {**form, "term": "20", "congress_region": "141181000000"})
    assert outside.status_code == 400
    assert li.mandates.count() == 2


@pytest.mark.django_db
def test_the_pages_are_for_the_staff_over_the_deputy(client, user_with_role):
    world, zhang, li = _world()
    client.force_login(world.other_staff)
    assert client.get(reverse("onboarding:mandates", args=[li.pk])).status_code == 404
    officer = user_with_role(Role.LIAISON_OFFICER, station=li.home_station)
    client.force_login(officer)
    assert client.get(reverse("onboarding:mandates", args=[li.pk])).status_code == 403
    assert (
        reverse("onboarding:mandates", args=[li.pk])
        not in client.get(reverse("deputies:detail", args=[li.pk])).content.decode()
    )


@pytest.mark.django_db
def test_past_half_year_unchanged_after_a_termination_and_a_by_election():
    world, zhang, li = _world()
    session = ReceptionSessionFactory(
        station=li.home_station, starts_at=dt.datetime(2023, 3, 8, 9, tzinfo=SHANGHAI)
    )
    for deputy in (zhang, li):
        AttendanceFactory(session=session, deputy=deputy)
    period = {
        "group": "deputies",
        "start": dt.date(2023, 1, 1),
        "end": dt.date(2023, 6, 30),
        "region": world.county,
    }
    from deputies.models import Deputy

    before = (work_figures(**period), Deputy.objects.serving_on(dt.date(2023, 3, 8), level="county").count())
    assert before[1] == 2
    services.mandate_end(
        user=world.staff,
        mandate=li.mandates.get(),
        status="terminated",
        ended_on=dt.date(2024, 1, 10),
        reason="罢免",
    )
    services.mandate_by_election(
        user=world.staff, deputy=zhang, level="township", term=19, started_on=dt.date(2024, 2, 1)
    )
    after = (work_figures(**period), Deputy.objects.serving_on(dt.date(2023, 3, 8), level="county").count())
    assert after == before
    assert Deputy.objects.serving_on(dt.date(2024, 6, 1), level="county").count() == 1  # 李 no longer


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_endings_and_by_elections_apply_once():
    from django.apps import apps

    world, zhang, li = _world()
    mandate = li.mandates.get()
    event = apps.get_model("deputies", "MandateEvent")
    events_before = event.objects.count()

    def end(i):
        try:
            return services.mandate_end(
                user=world.staff,
                mandate=mandate,
                status="resigned",
                ended_on=dt.date(2025, 1, 2),
                reason="辞职",
            ).status
        except services.ImportRefused as exc:
            return str(exc)

    assert at_once(20, end) == ["resigned"] * 20
    assert event.objects.count() == events_before + 1

    def elect(i):
        return services.mandate_by_election(
            user=world.staff, deputy=li, level="county", term=19, started_on=dt.date(2025, 3, 1)
        ).pk

    assert len(set(at_once(20, elect))) == 1
    assert li.mandates.filter(term=19).count() == 1
    assert event.objects.count() == events_before + 2
