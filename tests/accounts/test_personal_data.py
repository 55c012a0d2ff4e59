"""Citizens' personal data (PIPL): masked in lists, full only for those who handle the
ticket, and every full view logged."""

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role
from suggestions.models import Ticket
from tests.factories import (
    DeputyFactory,
    HandlingUnitFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)

pytestmark = pytest.mark.django_db

FULL_NAME, FULL_PHONE = "王建国", "13812345678"


@pytest.fixture
def setup():
    tree = make_region_tree()
    station = StationFactory(region=tree.townships[0])
    unit = HandlingUnitFactory(region=tree.counties[0])
    deputy = DeputyFactory(home_station=station)
    ticket = TicketFactory(
        station=station,
        citizen_name=FULL_NAME,
        citizen_phone=FULL_PHONE,
        received_by_deputy=deputy,
        handling_unit=unit,
        consent_to_share=True,
        tier=Ticket.Tier.COUNTY_DEPARTMENT,
        status=Ticket.Status.ASSIGNED,
    )

    def user(role, **scope):
        u = UserFactory()
        u.roles.create(role=role, **scope)
        return u

    return {
        "ticket": ticket,
        "officer": user(Role.LIAISON_OFFICER, station=station),
        "unit": user(Role.HANDLING_UNIT, handling_unit=unit),
        "deputy": user(Role.DEPUTY, deputy=deputy),
        "county": user(Role.COUNTY_STAFF, region=tree.counties[0]),
    }


def test_lists_always_mask(client, setup):
    client.force_login(setup["officer"])
    html = client.get(reverse("suggestions:list")).content.decode()
    assert "王**" in html
    assert FULL_NAME not in html and FULL_PHONE not in html


@pytest.mark.parametrize("role", ["officer", "unit"])
def test_handlers_see_full_data_and_the_view_is_logged(client, setup, role):
    client.force_login(setup[role])
    html = client.get(reverse("suggestions:detail", args=[setup["ticket"].pk])).content.decode()
    assert FULL_NAME in html and FULL_PHONE in html
    log = PersonalDataAccess.objects.get()
    assert log.user == setup[role]
    assert log.ticket_id == setup["ticket"].pk
    assert log.citizen_name == FULL_NAME


@pytest.mark.parametrize("role", ["deputy", "county"])
def test_others_see_it_masked_and_nothing_is_logged(client, setup, role):
    client.force_login(setup[role])
    html = client.get(reverse("suggestions:detail", args=[setup["ticket"].pk])).content.decode()
    assert FULL_NAME not in html and FULL_PHONE not in html
    assert "138****5678" in html
    assert not PersonalDataAccess.objects.exists()


def test_a_unit_handles_a_ticket_without_consent_anonymously(client, setup):
    Ticket.objects.filter(pk=setup["ticket"].pk).update(consent_to_share=False)
    client.force_login(setup["unit"])
    html = client.get(reverse("suggestions:detail", args=[setup["ticket"].pk])).content.decode()
    assert FULL_NAME not in html
    assert not PersonalDataAccess.objects.exists()


def test_county_staff_see_full_data_once_escalated_to_the_standing_committee(client, setup):
    Ticket.objects.filter(pk=setup["ticket"].pk).update(tier=Ticket.Tier.STANDING_COMMITTEE)
    client.force_login(setup["county"])
    html = client.get(reverse("suggestions:detail", args=[setup["ticket"].pk])).content.decode()
    assert FULL_NAME in html
    assert PersonalDataAccess.objects.count() == 1


def test_ticket_list_query_count_does_not_grow_with_rows(client, setup, django_assert_max_num_queries):
    client.force_login(setup["officer"])
    ticket = setup["ticket"]
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("suggestions:list"))
    TicketFactory.create_batch(20, station=ticket.station, category=ticket.category)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("suggestions:list"))
