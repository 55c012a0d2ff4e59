"""The audit page and the admin's audit-trail pages show citizens' data as the lists do:
masked unless the viewer handles the ticket (``scoping.citizen_data_q``), and a full view
there is logged like any other. Admins see it masked everywhere."""

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role
from liaison.masking import mask_address, mask_name
from suggestions.models import Ticket
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

FULL = ("欧阳群众", "13900001001", "团结路1001号院", "141102198001011001")
MASKED_NAME = mask_name(FULL[0])


def _ticket(station, **extra) -> Ticket:
    return TicketFactory(
        station=station,
        citizen_name=FULL[0],
        citizen_phone=FULL[1],
        citizen_address=FULL[2],
        citizen_id_number=FULL[3],
        **extra,
    )


def _audit(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:audit"), {"kind": "ticket"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def county(region_tree):
    user = UserFactory()
    user.roles.create(role=Role.COUNTY_STAFF, region=region_tree.counties[0])
    return user


def test_county_staff_see_a_ticket_they_do_not_handle_masked_and_nothing_is_logged(client, station, county):
    ticket = _ticket(station)
    Ticket.objects.filter(pk=ticket.pk).update(citizen_phone="13900009999")  # before → after
    html = _audit(client, county)
    assert not [v for v in (*FULL, "13900009999") if v in html]
    assert "139****1001" in html and "139****9999" in html and MASKED_NAME in html
    assert not PersonalDataAccess.objects.exists()


def test_an_escalated_ticket_is_shown_in_full_to_county_staff_and_logged(client, station, county):
    ticket = _ticket(station, tier=Ticket.Tier.STANDING_COMMITTEE)
    html = _audit(client, county)
    assert all(v in html for v in FULL)
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.ticket_id, log.citizen_name) == (county, ticket.pk, FULL[0])
    assert set(log.fields.split(",")) == {
        "citizen_name",
        "citizen_phone",
        "citizen_address",
        "citizen_id_number",
    }


def test_a_system_admin_sees_the_audit_page_masked(client, station):
    _ticket(station, tier=Ticket.Tier.STANDING_COMMITTEE)
    admin = UserFactory()
    admin.roles.create(role=Role.ADMIN)
    html = _audit(client, admin)
    assert not [v for v in FULL if v in html] and "139****1001" in html
    assert not PersonalDataAccess.objects.exists()


def test_the_admin_audit_trail_pages_mask_citizen_data(client, station):
    ticket = _ticket(station)
    Ticket.objects.filter(pk=ticket.pk).update(citizen_address="新住址路8号院")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get(reverse("admin:pghistory_events_changelist")).content.decode()
    assert mask_address("新住址路8号院") in listing  # the update's diff, masked
    from pghistory.models import Events

    pages = [listing]
    for slug in Events.objects.across("suggestions.TicketEvent").values_list("pgh_slug", flat=True):
        page = client.get(reverse("admin:pghistory_events_change", args=[slug]))
        assert page.status_code == 200
        pages.append(page.content.decode())
    assert len(pages) == 3  # the list, the insert, the update
    leaked = [v for v in (*FULL, "新住址路8号院") for page in pages if v in page]
    assert not leaked


def test_the_access_log_admin_shows_the_citizen_masked(client, station):
    ticket = _ticket(station)
    PersonalDataAccess.objects.create(
        user=UserFactory(), ticket_id=ticket.pk, citizen_name=FULL[0], fields="x"
    )
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    access = PersonalDataAccess.objects.get()
    for url in (
        reverse("admin:accounts_personaldataaccess_changelist"),
        reverse("admin:accounts_personaldataaccess_change", args=[access.pk]),
    ):
        html = client.get(url).content.decode()
        assert FULL[0] not in html and MASKED_NAME in html, url
