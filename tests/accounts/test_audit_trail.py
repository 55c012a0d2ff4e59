"""The audit trail (django-pghistory triggers): set-based updates, page changes with
who/when/client, before/after, and the scoped audit page."""

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import Role
from stations.models import Station
from suggestions.models import Ticket
from tests.factories import StationFactory, TicketFactory, UserFactory, make_region_tree

pytestmark = pytest.mark.django_db


def events(model):
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event").objects.order_by("pgh_id")


def test_a_set_based_update_is_recorded_for_every_row():
    tickets = TicketFactory.create_batch(3, status=Ticket.Status.ASSIGNED, tier=Ticket.Tier.TOWNSHIP)
    before = events(Ticket).filter(pgh_label="update").count()

    changed = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(tier=Ticket.Tier.COUNTY_DEPARTMENT)

    assert changed == 3
    updates = events(Ticket).filter(pgh_label="update")
    assert updates.count() == before + 3
    assert {e.pgh_obj_id for e in updates} == {t.pk for t in tickets}
    assert all(e.tier == Ticket.Tier.COUNTY_DEPARTMENT for e in updates)


def test_inserts_and_deletes_are_recorded():
    station = StationFactory()
    pk = station.pk
    station.delete()
    labels = list(events(Station).filter(pgh_obj_id=pk).values_list("pgh_label", flat=True))
    assert labels == ["insert", "delete"]


def test_a_change_through_a_page_records_who_and_from_which_client(admin_client, admin_user):
    station = StationFactory(name="旧名称联络站")
    url = reverse("admin:stations_station_change", args=[station.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": "新名称联络站",
            "region": station.region_id,
            # inline formsets (staff, funding) empty
            "staff-TOTAL_FORMS": 0,
            "staff-INITIAL_FORMS": 0,
            "funding-TOTAL_FORMS": 0,
            "funding-INITIAL_FORMS": 0,
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, list)}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response

    update = (
        events(Station).filter(pgh_obj_id=station.pk, pgh_label="update").select_related("pgh_context").last()
    )
    assert update.name == "新名称联络站"
    assert update.pgh_context.metadata["user"] == admin_user.pk
    assert update.pgh_context.metadata["client"] == "browser"
    assert update.pgh_context.metadata["url"] == url


def test_audit_page_shows_before_and_after_in_scope_only(client):
    tree = make_region_tree()
    mine = StationFactory(name="本县联络站", region=tree.townships[0])
    other = StationFactory(name="外县联络站", region=tree.townships[2])
    Station.objects.filter(pk__in=[mine.pk, other.pk]).update(address="新地址一号")
    user = UserFactory()
    user.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[0])
    client.force_login(user)

    response = client.get(reverse("accounts:audit"), {"kind": "station"})

    assert response.status_code == 200
    rows = response.context["rows"]
    assert {r.event.pgh_obj_id for r in rows} == {mine.pk}
    update = next(r for r in rows if r.event.pgh_label == "update")
    assert ("地址", "本县联络站便民服务中心", "新地址一号") in update.changes


def test_audit_page_is_refused_to_roles_without_oversight(client):
    tree = make_region_tree()
    user = UserFactory()
    user.roles.create(role=Role.STATION_HEAD, region=tree.townships[0])
    client.force_login(user)
    assert client.get(reverse("accounts:audit")).status_code == 403


def test_sign_ins_and_failures_are_logged_and_shown_to_admins(client, admin_client):
    UserFactory(username="clerk")
    client.post(reverse("accounts:login"), {"username": "clerk", "password": "wrong-password"})
    from tests.factories import PASSWORD

    client.post(reverse("accounts:login"), {"username": "clerk", "password": PASSWORD})
    failures = admin_client.get(reverse("accounts:audit"), {"kind": "failures"})
    sign_ins = admin_client.get(reverse("accounts:audit"), {"kind": "signins"})
    assert "clerk" in failures.content.decode()
    assert "clerk" in sign_ins.content.decode()
