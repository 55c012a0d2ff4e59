"""Every API response that carries a citizen's full details writes its access-log row,
whatever the method (PUT 201/200, POST, transitions, an Idempotency-Key replay); a replay
shows the ticket as the user may see it now."""

import uuid

import pytest

from accounts.models import PersonalDataAccess, Role
from tests.api.conftest import api_client_for
from tests.api.test_writes import body
from tests.factories import HandlingUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _logged(user, pk) -> int:
    return PersonalDataAccess.objects.filter(user=user, ticket_id=pk, client="api_token").count()


def test_put_create_and_update_are_logged(api_world):
    client, officer, pk = api_world["officer_api"], api_world["officer"], uuid.uuid4()
    created = client.put(f"/api/v1/tickets/{pk}/", body(api_world), format="json")
    assert created.status_code == 201 and created.json()["citizen_phone"] == "13800001111"
    assert _logged(officer, pk) == 1
    changed = body(api_world, citizen_phone="13800002222")
    updated = client.put(f"/api/v1/tickets/{pk}/", changed, format="json", HTTP_IF_MATCH='"1"')
    assert updated.status_code == 200 and updated.json()["citizen_phone"] == "13800002222"
    assert _logged(officer, pk) == 2
    log = PersonalDataAccess.objects.filter(user=officer, ticket_id=pk).last()
    assert log.citizen_name == "李四" and "citizen_phone" in log.fields


def test_post_and_transitions_are_logged(api_world):
    client, officer = api_world["officer_api"], api_world["officer"]
    created = client.post("/api/v1/tickets/", body(api_world), format="json")
    pk = created.json()["id"]
    assert _logged(officer, pk) == 1
    accepted = client.post(
        f"/api/v1/tickets/{pk}/transitions/", {"action": "accept", "tier": "county_dept"}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["citizen_data_masked"] is False
    assert _logged(officer, pk) == 2


def test_a_masked_write_response_is_not_logged(api_world):
    """Handling-unit staff without the citizen's consent get the reply masked, unlogged."""
    client, pk = api_world["officer_api"], uuid.uuid4()
    client.put(f"/api/v1/tickets/{pk}/", body(api_world), format="json")
    client.post(
        f"/api/v1/tickets/{pk}/transitions/", {"action": "accept", "tier": "county_dept"}, format="json"
    )
    unit = HandlingUnitFactory(region=api_world["tree"].counties[0])
    assigned = client.post(
        f"/api/v1/tickets/{pk}/transitions/",
        {"action": "assign", "tier": "county_dept", "handling_unit": str(unit.pk)},
        format="json",
    )
    assert assigned.status_code == 200, assigned.json()
    staff = UserFactory()
    staff.roles.create(role=Role.HANDLING_UNIT, handling_unit=unit)
    replied = api_client_for(staff).post(
        f"/api/v1/tickets/{pk}/transitions/", {"action": "reply", "text": "已列入维修计划"}, format="json"
    )
    assert replied.status_code == 200, replied.json()
    assert replied.json()["citizen_phone"] == "138****1111"
    assert not PersonalDataAccess.objects.filter(user=staff).exists()


def test_an_idempotent_replay_is_logged_and_masked_once_the_role_is_gone(api_world):
    client, officer = api_world["officer_api"], api_world["officer"]
    first = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    pk = first.json()["id"]
    replay = client.post("/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["citizen_phone"] == "13800001111"
    assert _logged(officer, pk) == 2
    # the officer becomes a deputy-less, masked viewer: county staff over another county
    officer.roles.update(is_active=False)
    officer.roles.create(role=Role.COUNTY_STAFF, region=api_world["tree"].counties[0])
    again = api_client_for_same(officer).post(
        "/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="k-9"
    )
    assert again.status_code == 201
    assert again.json()["citizen_phone"] == "138****1111" and again.json()["citizen_data_masked"] is True
    assert _logged(officer, pk) == 2
    officer.roles.all().delete()
    gone = api_client_for_same(officer).post(
        "/api/v1/tickets/", body(api_world), format="json", HTTP_IDEMPOTENCY_KEY="k-9"
    )
    assert gone.status_code == 404 and "李四" not in gone.content.decode()


def api_client_for_same(user):
    """A fresh client with the user's existing token (their roles are read anew)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")
    return client
