"""A ticket's village over the API: any village of its station's township (what the
reception form offers), for a liaison officer too, whose own scope holds only the
station's regions; never a village of another township. Found by bench/load_faults.py:
an officer's PUT naming a village of their own township was a 400."""

import uuid

import pytest

from suggestions.models import Ticket
from suggestions.services import VILLAGE_NOT_OF_STATION

pytestmark = pytest.mark.django_db


def _ticket(w, village) -> dict:
    return {
        "station": str(w["station"].pk),
        "category": w["category"].pk,
        "content": "村东头道路坑洼",
        "citizen_name": "张三丰",
        "citizen_phone": "13912345678",
        "village": village.pk,
    }


def test_an_officer_names_a_village_of_the_stations_township(api_world):
    w = api_world
    ours, elsewhere = w["tree"].villages_of(w["station"].region)[0], w["tree"].villages[-1]
    pk = uuid.uuid4()
    created = w["officer_api"].put(f"/api/v1/tickets/{pk}/", _ticket(w, ours), format="json")
    assert created.status_code == 201, created.content
    assert Ticket.objects.get(pk=pk).village == ours

    refused = w["officer_api"].put(f"/api/v1/tickets/{uuid.uuid4()}/", _ticket(w, elsewhere), format="json")
    assert refused.status_code == 400
    assert refused.json()["village"] == [VILLAGE_NOT_OF_STATION]
    # an admin sees every region, and still may not put a village of another township
    refused = w["admin_api"].put(f"/api/v1/tickets/{uuid.uuid4()}/", _ticket(w, elsewhere), format="json")
    assert refused.status_code == 400 and refused.json()["village"] == [VILLAGE_NOT_OF_STATION]
    # a township is not a village
    township = _ticket(w, w["station"].region)
    refused = w["officer_api"].post("/api/v1/tickets/", township, format="json")
    assert refused.status_code == 400 and "village" in refused.json()
    assert Ticket.objects.count() == 1


def test_a_correction_may_not_move_the_ticket_to_another_townships_village(api_world):
    w = api_world
    ours = w["tree"].villages_of(w["station"].region)
    pk = uuid.uuid4()
    assert (
        w["officer_api"].put(f"/api/v1/tickets/{pk}/", _ticket(w, ours[0]), format="json").status_code == 201
    )
    moved = w["officer_api"].put(
        f"/api/v1/tickets/{pk}/", _ticket(w, ours[1]), format="json", HTTP_IF_MATCH='"1"'
    )
    assert moved.status_code == 200, moved.content
    away = w["officer_api"].put(
        f"/api/v1/tickets/{pk}/", _ticket(w, w["tree"].villages[-1]), format="json", HTTP_IF_MATCH='"2"'
    )
    assert away.status_code == 400, away.content
    assert Ticket.objects.get(pk=pk).village == ours[1]
