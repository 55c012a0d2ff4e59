"""Sync tombstones go only to users who could have seen the deleted record: the delete
trigger records where it was (station, region path, deputy, unit, reception) and
``liaison.scoping.scoped_tombstones`` applies the record's own rule to it."""

import pytest

from accounts.models import Role
from liaison.models import Tombstone
from tests.api.conftest import api_client_for, sync_all
from tests.factories import (
    AttendanceFactory,
    DeputyFactory,
    HandlingUnitFactory,
    ReceptionSessionFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)
from visits.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)


def _user(role, **scope):
    user = UserFactory()
    user.roles.create(role=role, **scope)
    return api_client_for(user)


def _cursors(clients: dict, resources) -> dict:
    """Each client's cursor on each feed, taken before the deletions (a full sync without a
    cursor starts after every earlier deletion: the client never held those records)."""
    return {(name, r): sync_all(client, r)[1] for name, client in clients.items() for r in resources}


def _tombstones(clients: dict, cursors: dict, name: str, resource: str) -> set[str]:
    records, _ = sync_all(clients[name], resource, cursors[name, resource])
    return {str(r["id"]) for r in records if r["deleted"]}


@pytest.fixture
def counties():
    tree = make_region_tree()
    a = StationFactory(name="甲县站", region=tree.townships[0])
    b = StationFactory(name="乙县站", region=tree.townships[2])
    clients = {
        "county_a": _user(Role.COUNTY_STAFF, region=tree.counties[0]),
        "county_b": _user(Role.COUNTY_STAFF, region=tree.counties[1]),
        "officer_a": _user(Role.LIAISON_OFFICER, station=a),
        "city": _user(Role.CITY_STAFF, region=tree.city),
        "nobody": api_client_for(UserFactory()),
    }
    return {"tree": tree, "a": a, "b": b, "clients": clients}


def test_an_attendance_of_another_county_is_not_delivered(counties):
    """The probe's finding: county B deletes an attendance, county A received its id."""
    session = ReceptionSessionFactory(station=counties["b"])
    gone = AttendanceFactory(session=session, deputy=DeputyFactory(home_station=counties["b"]))
    gone_id = str(gone.pk)
    cursors = _cursors(counties["clients"], ["attendances"])
    gone.delete()
    stone = Tombstone.objects.get(object_id=gone_id)
    assert (stone.station_id, stone.region_path) == (counties["b"].pk, counties["b"].region.path)
    seen = {
        name: _tombstones(counties["clients"], cursors, name, "attendances") for name in counties["clients"]
    }
    assert {name for name, ids in seen.items() if gone_id in ids} == {"county_b", "city"}


def test_tickets_stations_and_deputies_follow_their_own_rules(counties):
    unit_b = HandlingUnitFactory(region=counties["tree"].counties[1])
    counties["clients"]["unit_b"] = _user(Role.HANDLING_UNIT, handling_unit=unit_b)
    ticket = TicketFactory(station=counties["b"], handling_unit=unit_b)
    point = StationFactory(
        name="乙县点", kind="point", parent=counties["b"], region=counties["tree"].villages[4]
    )
    deputy = DeputyFactory(home_station=counties["b"])
    ids = {"tickets": str(ticket.pk), "stations": str(point.pk), "deputies": str(deputy.pk)}
    cursors = _cursors(counties["clients"], ids)
    ticket.delete()
    point.delete()
    deputy.delete()
    expected = {
        "tickets": {"county_b", "city", "unit_b"},  # the unit it was assigned to, too
        "stations": {"county_b", "city"},
        "deputies": {"county_b", "city"},
    }
    for resource, pk in ids.items():
        got = {n for n in counties["clients"] if pk in _tombstones(counties["clients"], cursors, n, resource)}
        assert got == expected[resource], resource


def test_a_deputy_gets_the_tombstones_of_a_reception_they_attended_elsewhere(counties):
    deputy = DeputyFactory(home_station=counties["a"])
    clients = {"deputy": _user(Role.DEPUTY, deputy=deputy), "county_a": counties["clients"]["county_a"]}
    session = ReceptionSessionFactory(station=counties["b"])
    guest = Attendance.objects.create(session=session, role=Attendance.Role.OFFICIAL, guest_name="嘉宾")
    AttendanceFactory(session=session, deputy=deputy)
    other_session = ReceptionSessionFactory(station=counties["b"])
    session_id, guest_id = str(session.pk), str(guest.pk)
    ids = {session_id, guest_id, str(other_session.pk)}
    cursors = _cursors(clients, ["attendances", "receptions"])
    guest.delete()  # an attendance of a session the deputy attended: theirs to see
    session.delete()  # the session, with the deputy's own attendance
    other_session.delete()  # a session they never attended: not theirs
    assert guest_id in _tombstones(clients, cursors, "deputy", "attendances")
    assert _tombstones(clients, cursors, "deputy", "receptions") & ids == {session_id}
    assert not _tombstones(clients, cursors, "county_a", "receptions") & ids


def test_reference_data_tombstones_go_to_everyone_with_a_role(counties):
    from tests.factories import CategoryFactory

    category = CategoryFactory(code="gone", name="撤销的类别")
    pk = str(category.pk)
    cursors = _cursors(counties["clients"], ["categories"])
    category.delete()
    assert pk in _tombstones(counties["clients"], cursors, "officer_a", "categories")
    assert pk not in _tombstones(counties["clients"], cursors, "nobody", "categories")
