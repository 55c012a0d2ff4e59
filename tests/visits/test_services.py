"""Registering receptions: a closed station takes no new receptions."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from stations.models import Station
from stations.services import station_close, station_update
from tests.factories import DEFAULT_MOMENT, DeputyFactory, LeadingCadreFactory, UserFactory
from visits.models import Attendance, ReceptionSession
from visits.services import CLOSED_STATION_MESSAGE, attendance_add, reception_create

pytestmark = pytest.mark.django_db


def test_reception_create(station):
    user = UserFactory()
    session = reception_create(
        station=station,
        kind=ReceptionSession.Kind.STATION_RECEPTION,
        starts_at=DEFAULT_MOMENT,
        citizens_received=12,
        created_by=user,
        theme="乡村振兴",
    )
    session.refresh_from_db()
    assert (session.station, session.citizens_received, session.created_by) == (station, 12, user)
    assert session.status == ReceptionSession.Status.DONE


def test_closed_station_takes_no_new_reception(station):
    station_close(station=station)
    with pytest.raises(ValidationError) as exc:
        reception_create(
            station=station, kind=ReceptionSession.Kind.STATION_RECEPTION, starts_at=DEFAULT_MOMENT
        )
    assert exc.value.messages == [CLOSED_STATION_MESSAGE]
    assert CLOSED_STATION_MESSAGE == "该联络站已撤销，不能登记新的接待活动。"
    assert not ReceptionSession.objects.exists()


def test_closed_station_is_checked_in_the_database_not_the_stale_instance(station):
    Station.objects.filter(pk=station.pk).update(status=Station.Status.CLOSED)
    with pytest.raises(ValidationError):
        reception_create(station=station, kind=ReceptionSession.Kind.ONLINE, starts_at=DEFAULT_MOMENT)


def test_suspended_station_still_records(station):
    station_update(station=station, status="suspended")
    reception_create(station=station, kind=ReceptionSession.Kind.DOOR_TO_DOOR, starts_at=DEFAULT_MOMENT)


def test_reception_ending_before_it_starts_refused(station):
    with pytest.raises(ValidationError):
        reception_create(
            station=station,
            kind=ReceptionSession.Kind.STATION_RECEPTION,
            starts_at=DEFAULT_MOMENT,
            ends_at=DEFAULT_MOMENT - dt.timedelta(hours=1),
        )


@pytest.fixture
def session(station) -> ReceptionSession:
    return reception_create(
        station=station, kind=ReceptionSession.Kind.STATION_RECEPTION, starts_at=DEFAULT_MOMENT
    )


def test_attendance_of_deputy_cadre_and_guest(session, station):
    deputy = DeputyFactory(home_station=station)
    cadre = LeadingCadreFactory()
    a = attendance_add(session=session, deputy=deputy)
    b = attendance_add(session=session, cadre=cadre)
    c = attendance_add(session=session, role=Attendance.Role.LEGAL_EXPERT, guest_name="李律师")
    assert (a.role, b.role, c.role) == ("deputy", "leading_cadre", "legal_expert")
    assert session.attendances.count() == 3


def test_attendance_twice_refused(session, station):
    deputy = DeputyFactory(home_station=station)
    attendance_add(session=session, deputy=deputy)
    with pytest.raises(ValidationError):
        attendance_add(session=session, deputy=deputy)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"role": Attendance.Role.DEPUTY},
        {"role": Attendance.Role.OFFICIAL},
        {"role": Attendance.Role.LEADING_CADRE, "guest_name": "某某"},
    ],
)
def test_attendance_must_name_the_person_its_role_needs(session, kwargs):
    with pytest.raises(ValidationError):
        attendance_add(session=session, **kwargs)


# --- a whole reception (reception_record) ---------------------------------------------------


def _input(station, **overrides):
    from tests.factories import CategoryFactory
    from visits.services import LedgerRow, ReceptionInput

    deputy = overrides.pop("deputy", None) or DeputyFactory(home_station=station)
    row = LedgerRow(
        citizen_name="张三丰", content="路灯不亮", category=CategoryFactory(), received_by_deputy=deputy
    )
    data = {
        "station": station,
        "kind": "station_reception",
        "starts_at": DEFAULT_MOMENT,
        "deputies": [deputy],
        "citizens_received": 1,
        "rows": [row],
    }
    data.update(overrides)
    return ReceptionInput(**data)


def test_reception_record_is_idempotent_per_token(station):
    import uuid

    from visits.services import reception_record

    token = uuid.uuid4()
    data = _input(station)
    first, created = reception_record(data=data, client_token=token, actor=None)
    again, created_again = reception_record(data=data, client_token=token, actor=None)
    assert created and not created_again and first == again
    assert first.tickets.count() == 1 and first.attendances.count() == 1


def test_a_receiver_who_was_not_there_is_refused(station):
    import uuid

    from visits.services import NOT_PRESENT_MESSAGE, reception_record

    data = _input(station, deputies=[DeputyFactory(home_station=station)])  # another deputy was there
    with pytest.raises(ValidationError) as exc:
        reception_record(data=data, client_token=uuid.uuid4(), actor=None)
    assert exc.value.messages == [NOT_PRESENT_MESSAGE]
    assert not ReceptionSession.objects.exists()


def test_a_draft_registers_no_ticket_until_finished(station):
    import uuid

    from suggestions.models import Ticket
    from visits.services import DONE_IS_FINAL_MESSAGE, reception_record, reception_update_draft

    data = _input(station)
    draft, _ = reception_record(data=data, client_token=uuid.uuid4(), actor=None, draft=True)
    assert draft.status == "draft" and draft.draft_rows[0]["citizen_name"] == "张三丰"
    assert not Ticket.objects.exists()
    done = reception_update_draft(session=draft, data=data, actor=None)
    assert done.status == "done" and Ticket.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        reception_update_draft(session=draft, data=data, actor=None)
    assert exc.value.messages == [DONE_IS_FINAL_MESSAGE]


def test_slot_of_another_station_is_refused(station):
    import datetime as _dt
    import uuid

    from tests.factories import StationFactory
    from visits.services import reception_record, slot_publish

    (slot,) = slot_publish(
        station=StationFactory(), date=_dt.date(2030, 1, 7), starts=_dt.time(9), ends=_dt.time(11)
    )
    with pytest.raises(ValidationError):
        reception_record(data=_input(station, slot=slot), client_token=uuid.uuid4(), actor=None)
