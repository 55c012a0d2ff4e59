"""Receptions written over the API as a whole (session, attendance, ledger rows), through
the page's services: upserts by client UUID, Idempotency-Key, If-Match on drafts, a
completed reception final, the same counting as the page."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import PersonalDataAccess, Role
from liaison.models import OutboxMessage
from stations.services import station_close
from suggestions.models import Ticket, TimelineEvent
from tests.api.conftest import api_client_for
from tests.factories import DeputyFactory, LeadingCadreFactory, TicketFactory, UserFactory
from visits.models import Attendance, ReceptionSession
from visits.services import DONE_IS_FINAL_MESSAGE, NOT_PRESENT_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit_world(api_world):
    station, tree = api_world["station"], api_world["tree"]
    api_world["deputies"] = [
        DeputyFactory(name="王建国", home_station=station),
        DeputyFactory(name="李秀英", home_station=station),
    ]
    api_world["stranger"] = DeputyFactory(name="外站代表", home_station=api_world["other"])
    api_world["cadre"] = LeadingCadreFactory(name="赵书记", region=tree.counties[0])
    api_world["village"] = tree.villages[0]
    return api_world


def row(w, **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "citizen_name": "张三丰",
        "citizen_phone": "13912345678",
        "citizen_address": "三组12号",
        "village": w["village"].pk,
        "category": w["category"].pk,
        "content": "村东头道路坑洼，雨天无法通行",
        "received_by_deputy": str(w["deputies"][0].pk),
        "on_the_spot_action": "代表当场记录",
        "consent_to_share": True,
        **extra,
    }


def visit(w, **extra) -> dict:
    """A door-to-door visit (走访) with two ledger rows, as an offline client sends it."""
    return {
        "station": str(w["station"].pk),
        "kind": "door_to_door",
        "theme": "入户走访",
        "starts_at": "2024-05-10T09:00:00+08:00",
        "ends_at": "2024-05-10T11:30:00+08:00",
        "citizens_received": 3,
        "notes": "走访三户群众",
        "deputies": [str(d.pk) for d in w["deputies"]],
        "guests": [{"role": "official", "name": "孙局长", "title": "县交通运输局局长"}],
        "rows": [
            row(w),
            row(
                w,
                citizen_name="刘翠花",
                content="自来水水压不足",
                received_by_deputy=str(w["deputies"][1].pk),
            ),
        ],
        **extra,
    }


def token_client(user) -> APIClient:
    """A client with the user's existing token (threads must not create a second one)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def put(client, pk, body, **headers):
    return client.put(f"/api/v1/receptions/{pk}/", body, format="json", **headers)


def test_put_records_a_whole_visit_through_the_pages_service(visit_world):
    w, pk = visit_world, uuid.uuid4()
    body = visit(w)
    response = put(w["officer_api"], pk, body)
    assert response.status_code == 201, response.json()
    assert response["ETag"] == '"1"'
    data = response.json()
    assert data["id"] == str(pk) and data["status"] == "done" and data["kind"] == "door_to_door"
    assert sorted(data["deputies"]) == sorted(body["deputies"])
    assert data["guests"] == [{"role": "official", "name": "孙局长", "title": "县交通运输局局长"}]
    assert [r["id"] for r in data["rows"]] == [r["id"] for r in body["rows"]]
    assert data["rows"][0]["citizen_name"] == "张三丰" and not data["rows"][0]["citizen_data_masked"]

    session = ReceptionSession.objects.get()
    assert session.pk == pk and session.created_by == w["officer"] and session.citizens_received == 3
    roles = sorted(session.attendances.values_list("role", flat=True))
    assert roles == ["deputy", "deputy", "official"]
    tickets = {str(t.pk): t for t in Ticket.objects.filter(reception=session)}
    assert set(tickets) == {r["id"] for r in body["rows"]}
    zhang = tickets[body["rows"][0]["id"]]
    assert (zhang.received_at, zhang.created_by, zhang.status) == (
        session.starts_at,
        w["officer"],
        "registered",
    )
    assert (
        zhang.village == w["village"]
        and zhang.received_by_deputy == w["deputies"][0]
        and zhang.consent_to_share
    )
    assert TimelineEvent.objects.filter(action="register").count() == 2
    assert OutboxMessage.objects.filter(task_name="visits.tickets_registered").count() == 1
    # the write response showed two citizens in full: both logged, as a read would be
    logged = PersonalDataAccess.objects.filter(user=w["officer"], client="api_token")
    assert sorted(map(str, logged.values_list("ticket_id", flat=True))) == sorted(tickets)

    again = put(w["officer_api"], pk, body)
    assert again.status_code == 200 and again.json()["version"] == 1
    assert ReceptionSession.objects.count() == 1 and Ticket.objects.count() == 2
    assert Attendance.objects.count() == 3


def test_the_detail_is_what_a_put_sends_back(visit_world, django_assert_max_num_queries):
    w, pk = visit_world, uuid.uuid4()
    put(w["officer_api"], pk, visit(w))
    # token, user's roles, session with station, attendance, rows (tickets), the access log
    with django_assert_max_num_queries(8):
        got = w["officer_api"].get(f"/api/v1/receptions/{pk}/")
    assert got.status_code == 200 and got["ETag"] == '"1"'
    resent = {k: got.json()[k] for k in visit(w) if k != "rows"}
    resent["rows"] = [{k: v for k, v in r.items() if k != "citizen_data_masked"} for r in got.json()["rows"]]
    assert put(w["officer_api"], pk, resent).status_code == 200  # nothing changed

    # an admin sees the rows masked (as ticket lists show them)
    rows = w["admin_api"].get(f"/api/v1/receptions/{pk}/").json()["rows"]
    assert rows[0]["citizen_name"] == "张**" and rows[0]["citizen_data_masked"]


def test_a_completed_reception_is_final(visit_world):
    w, pk = visit_world, uuid.uuid4()
    put(w["officer_api"], pk, visit(w))
    changed = visit(w, citizens_received=9)
    assert put(w["officer_api"], pk, changed).status_code == 428
    stale = put(w["officer_api"], pk, changed, HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412 and stale.json()["version"] == 1
    final = put(w["officer_api"], pk, changed, HTTP_IF_MATCH='"1"')
    assert final.status_code == 400 and str(DONE_IS_FINAL_MESSAGE) in str(final.json())
    back_to_draft = put(w["officer_api"], pk, visit(w, status="draft"), HTTP_IF_MATCH='"1"')
    assert back_to_draft.status_code == 400
    session = ReceptionSession.objects.get()
    assert (session.citizens_received, session.status, session.version) == (3, "done", 1)


def test_a_draft_is_saved_again_then_finished(visit_world):
    w, pk = visit_world, uuid.uuid4()
    draft = visit(w, status="draft")
    created = put(w["officer_api"], pk, draft)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert not Ticket.objects.exists()
    assert [r["id"] for r in created.json()["rows"]] == [r["id"] for r in draft["rows"]]

    more = {**draft, "notes": "补充：第三户不在家", "rows": [*draft["rows"], row(w, citizen_name="周大山")]}
    assert put(w["officer_api"], pk, more).status_code == 428
    saved = put(w["officer_api"], pk, more, HTTP_IF_MATCH='"1"')
    assert saved.status_code == 200 and saved.json()["version"] == 2 and saved["ETag"] == '"2"'
    assert len(saved.json()["rows"]) == 3 and not Ticket.objects.exists()
    assert put(w["officer_api"], pk, {**more, "status": "done"}, HTTP_IF_MATCH='"1"').status_code == 412

    finished = put(w["officer_api"], pk, {**more, "status": "done"}, HTTP_IF_MATCH='"2"')
    assert finished.status_code == 200 and finished.json()["status"] == "done"
    assert set(map(str, Ticket.objects.filter(reception_id=pk).values_list("pk", flat=True))) == {
        r["id"] for r in more["rows"]
    }
    # the same finish again (a retry after a lost answer) changes nothing
    again = put(w["officer_api"], pk, {**more, "status": "done"}, HTTP_IF_MATCH='"2"')
    assert again.status_code == 200 and again.json()["version"] == 3
    assert Ticket.objects.count() == 3 and Attendance.objects.filter(session_id=pk).count() == 3


def _error_keys(response) -> set[str]:
    return set(response.json())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda w, b: b.update(kind="themed", theme=""), "theme"),
        (lambda w, b: b.update(theme="", theme_kind="mandatory"), "theme"),
        (lambda w, b: b.update(ends_at="2024-05-10T08:00:00+08:00"), "ends_at"),
        (lambda w, b: b.update(deputies=[*b["deputies"], str(w["stranger"].pk)]), "deputies"),
        (lambda w, b: b.update(cadres=[str(uuid.uuid4())]), "cadres"),
        (lambda w, b: b.update(slot=str(uuid.uuid4())), "slot"),
        (lambda w, b: b.update(citizens_received=-1), "citizens_received"),
        (lambda w, b: b.update(kind="picnic"), "kind"),
        (lambda w, b: b.update(starts_at="1621-12-24T12:49:47.2+19:12x"), "starts_at"),
        (lambda w, b: b.update(station=str(w["other"].pk)), "station"),
        (lambda w, b: b.update(station=str(uuid.uuid4())), "station"),
        (lambda w, b: b["rows"][0].update(category=999999), "rows"),
        (lambda w, b: b["rows"][0].update(village=w["tree"].villages[7].pk), "rows"),
        (lambda w, b: b["rows"][0].update(citizen_phone="call me"), "rows"),
        (lambda w, b: b["rows"][0].update(received_by_deputy=str(w["stranger"].pk)), "rows"),
        (lambda w, b: b["rows"][0].pop("id"), "rows"),
        (lambda w, b: b["rows"][1].update(id=b["rows"][0]["id"]), "rows"),
        (lambda w, b: b.update(rows=[row(w)] * 201), "rows"),
        (lambda w, b: b.update(guests=[{"role": "deputy", "name": "某某"}]), "guests"),
        (lambda w, b: b.update(id=str(uuid.uuid4())), "id"),
    ],
)
def test_bad_input_is_a_400_with_the_field_and_saves_nothing(visit_world, change, field):
    w = visit_world
    body = visit(w)
    change(w, body)
    response = put(w["officer_api"], uuid.uuid4(), body)
    assert response.status_code == 400, response.content
    assert field in _error_keys(response), response.json()
    assert not ReceptionSession.objects.exists() and not Ticket.objects.exists()


def test_the_services_rules_come_back_as_400(visit_world):
    w = visit_world
    # a receiver who was not there (the page ticks them; the API says so)
    body = visit(w, deputies=[str(w["deputies"][0].pk)])
    response = put(w["officer_api"], uuid.uuid4(), body)
    assert response.status_code == 400 and str(NOT_PRESENT_MESSAGE) in str(response.json())
    # a row id that is already a ticket's
    taken = TicketFactory(station=w["station"], category=w["category"])
    body = visit(w)
    body["rows"][0]["id"] = str(taken.pk)
    response = put(w["officer_api"], uuid.uuid4(), body)
    assert response.status_code == 400 and "rows" in response.json()
    # a closed station takes no new reception
    station_close(station=w["station"])
    response = put(w["officer_api"], uuid.uuid4(), visit(w))
    assert response.status_code == 400 and "station" in response.json()
    assert not ReceptionSession.objects.exists()


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.COUNTY_STAFF])
def test_who_sees_the_station_but_does_not_keep_its_books_gets_403(visit_world, role):
    w = visit_world
    user = UserFactory()
    if role == Role.DEPUTY:
        user.roles.create(role=role, deputy=w["deputies"][0])
    else:
        user.roles.create(role=role, region=w["tree"].counties[0])
    client = api_client_for(user)
    assert put(client, uuid.uuid4(), visit(w)).status_code == 403
    assert client.post("/api/v1/receptions/", visit(w), format="json").status_code == 403
    # nor may they change one the officer recorded
    pk = uuid.uuid4()
    put(w["officer_api"], pk, visit(w, status="draft"))
    assert put(client, pk, visit(w), HTTP_IF_MATCH='"1"').status_code == 403
    assert ReceptionSession.objects.get().status == "draft"


def test_a_reception_outside_the_scope_is_404_and_untouched(visit_world):
    w, pk = visit_world, uuid.uuid4()
    assert put(w["admin_api"], pk, visit(w, status="draft")).status_code == 201
    other_officer = UserFactory()
    other_officer.roles.create(role=Role.LIAISON_OFFICER, station=w["other"])
    body = visit(w, station=str(w["other"].pk), deputies=[], rows=[])
    response = put(api_client_for(other_officer), pk, body, HTTP_IF_MATCH='"1"')
    assert response.status_code == 404
    assert str(w["station"].pk) not in response.content.decode()
    assert ReceptionSession.objects.get().station == w["station"]


def test_post_with_an_idempotency_key_is_applied_once(visit_world):
    w = visit_world
    client, body = w["officer_api"], visit(w)
    first = client.post("/api/v1/receptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="visit-1")
    assert first.status_code == 201, first.json()
    repeat = client.post("/api/v1/receptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="visit-1")
    assert repeat.status_code == 201 and repeat.json() == first.json()
    assert repeat["Idempotent-Replayed"] == "true"
    other = client.post(
        "/api/v1/receptions/", visit(w, notes="另一次"), format="json", HTTP_IDEMPOTENCY_KEY="visit-1"
    )
    assert other.status_code == 422
    assert ReceptionSession.objects.count() == 1 and Ticket.objects.count() == 2
    # an id of its own that exists already: use PUT
    again = client.post("/api/v1/receptions/", {**visit(w), "id": first.json()["id"]}, format="json")
    assert again.status_code == 400 and "id" in again.json()


# --- at the same moment, twenty times ------------------------------------------------------------


def _at_once(n: int, request) -> list:
    """Run ``request()`` in ``n`` threads released together; their responses."""
    barrier = threading.Barrier(n)
    responses: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            responses[i] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return responses


@pytest.mark.django_db(transaction=True)
def test_the_same_put_twenty_times_at_once_records_one_visit(visit_world):
    w, pk, body = visit_world, uuid.uuid4(), visit(visit_world)
    responses = _at_once(20, lambda: put(token_client(w["officer"]), pk, body))
    assert Counter(r.status_code for r in responses) == {201: 1, 200: 19}
    assert ReceptionSession.objects.count() == 1
    assert Ticket.objects.count() == 2 and TimelineEvent.objects.filter(action="register").count() == 2
    assert Attendance.objects.count() == 3
    assert OutboxMessage.objects.filter(task_name="visits.tickets_registered").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_twenty_times_at_once_records_one_visit(visit_world):
    w, body = visit_world, visit(visit_world)

    def post():
        return token_client(w["officer"]).post(
            "/api/v1/receptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="one-visit"
        )

    responses = _at_once(20, post)
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {201, 409} and codes[201] >= 1, codes
    assert len({r.content for r in responses if r.status_code == 201}) == 1
    assert ReceptionSession.objects.count() == 1 and Ticket.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_finish_twenty_times_at_once_registers_the_rows_once(visit_world):
    w, pk = visit_world, uuid.uuid4()
    body = visit(w, status="draft")
    assert put(w["officer_api"], pk, body).status_code == 201
    done = {**body, "status": "done"}
    responses = _at_once(20, lambda: put(token_client(w["officer"]), pk, done, HTTP_IF_MATCH='"1"'))
    assert Counter(r.status_code for r in responses) == {200: 20}
    session = ReceptionSession.objects.get()
    assert (session.status, session.version) == ("done", 2)
    assert Ticket.objects.count() == 2 and TimelineEvent.objects.filter(action="register").count() == 2
    assert Attendance.objects.count() == 3


# --- odd bodies never answer 5xx -------------------------------------------------------------------

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "\ud800",
            "²",
            "1621-12-24T12:49:47.2+19:12",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59-12:00",
            "2024-02-30T09:00:00",
            "00000000-0000-0000-0000-000000000000",
            "x" * 6000,
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def odd_bodies(draw, valid: dict):
    """A valid visit with some fields (the session's, a row's, a guest's) made odd,
    dropped or added."""
    body = {k: (draw(ODD) if draw(st.integers(0, 4)) == 0 else v) for k, v in valid.items()}
    body = {k: v for k, v in body.items() if draw(st.integers(0, 9))}
    if isinstance(body.get("rows"), list) and body["rows"] and isinstance(body["rows"][0], dict):
        first = dict(body["rows"][0])
        first[draw(st.sampled_from(sorted(first)))] = draw(ODD)
        body["rows"] = [first, *body["rows"][1:]]
    if draw(st.booleans()):
        body[draw(st.text(max_size=8))] = draw(ODD)
    return draw(ODD) if draw(st.integers(0, 19)) == 0 else body


# If-Match values (ASCII: a header with other bytes is the API contract's test)
IF_MATCH = st.one_of(
    st.none(), st.sampled_from(['"1"', '"2"', 'W/"1"', "1", '"x"', "", "99999999999999999999"])
)


def test_odd_bodies_never_answer_5xx(visit_world):
    w = visit_world
    valid = visit(w, status="draft")
    pk = uuid.uuid4()
    assert put(w["officer_api"], pk, valid).status_code == 201  # the draft the odd updates aim at

    @given(body=odd_bodies(valid), target=st.sampled_from(["new", "draft", "post"]), if_match=IF_MATCH)
    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(body, target, if_match):
        headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
        client = w["officer_api"]
        raw = json.dumps(body)  # ASCII JSON: lone surrogates travel as escapes
        if target == "post":
            key = str(uuid.uuid4())
            response = client.post(
                "/api/v1/receptions/", raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
            )
        else:
            url = f"/api/v1/receptions/{pk if target == 'draft' else uuid.uuid4()}/"
            response = client.put(url, raw, content_type="application/json", **headers)
        assert response.status_code < 500, (response.status_code, body)
        assert response["Content-Type"].startswith("application/json")

    run()


# --- the same visit on the page and over the API counts the same ----------------------------------


def _page_post(station, deputies, village, category, *, kind: str) -> dict:
    """The reception page's form, filled in for the visit ``visit()`` describes."""
    data = {
        "client_token": str(uuid.uuid4()),
        "station": str(station.pk),
        "slot": "",
        "kind": kind,
        "theme": "入户走访",
        "theme_kind": "",
        "date": "2024-05-10",
        "start_time": "09:00",
        "end_time": "11:30",
        "deputies": [str(d.pk) for d in deputies],
        "cadres": [],
        "officials": "孙局长 县交通运输局局长",
        "legal_experts": "",
        "citizens_received": "3",
        "notes": "走访三户群众",
        "finish": "1",
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "200",
    }
    rows = [
        (
            "张三丰",
            "13912345678",
            str(village.pk),
            "三组12号",
            "村东头道路坑洼，雨天无法通行",
            deputies[0],
            "代表当场记录",
            "on",
        ),
        (
            "刘翠花",
            "13912345678",
            str(village.pk),
            "三组12号",
            "自来水水压不足",
            deputies[1],
            "代表当场记录",
            "on",
        ),
    ]
    for i, (name, phone, vil, address, content, deputy, action, consent) in enumerate(rows):
        data.update(
            {
                f"rows-{i}-citizen_name": name,
                f"rows-{i}-citizen_phone": phone,
                f"rows-{i}-village": vil,
                f"rows-{i}-citizen_address": address,
                f"rows-{i}-category": str(category.pk),
                f"rows-{i}-content": content,
                f"rows-{i}-receiver": f"deputy:{deputy.pk}",
                f"rows-{i}-on_the_spot_action": action,
                f"rows-{i}-consent_to_share": consent,
            }
        )
    return data


@pytest.mark.parametrize(
    ("kind", "book", "entries"), [("door_to_door", "door_to_door", 0), ("station_reception", "reception", 2)]
)
def test_a_visit_counts_the_same_recorded_on_the_page_or_over_the_api(api_world, client, kind, book, entries):
    """Two stations alike: the visit logged on the page at one and over the API at the
    other gives the same report figures (from the rollups) and the same ledger rows."""
    import datetime as dt

    from reports.periods import Period, Scope
    from reports.selectors import figures
    from reports.services import rollups_refresh
    from tests.factories import StationFactory
    from visits import ledgers, selectors

    w = api_world
    page_station = w["station"]
    api_station = StationFactory(name="同乡另一站", region=page_station.region)
    people = {
        s: [DeputyFactory(name="王建国", home_station=s), DeputyFactory(name="李秀英", home_station=s)]
        for s in (page_station, api_station)
    }
    village = w["tree"].villages[0]
    page_officer = w["officer"]
    api_officer = UserFactory(username="api-officer")
    api_officer.roles.create(role=Role.LIAISON_OFFICER, station=api_station)

    client.force_login(page_officer)
    page = client.post(
        "/receptions/new/", _page_post(page_station, people[page_station], village, w["category"], kind=kind)
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    body = visit(
        {**w, "station": api_station, "deputies": people[api_station], "village": village},
        kind=kind,
        rows=[
            row({**w, "deputies": people[api_station], "village": village}),
            row(
                {**w, "deputies": people[api_station], "village": village},
                citizen_name="刘翠花",
                content="自来水水压不足",
                received_by_deputy=str(people[api_station][1].pk),
            ),
        ],
    )
    assert put(api_client_for(api_officer), uuid.uuid4(), body).status_code == 201

    rollups_refresh(full=True)
    period = Period.month(2024, 5)
    on_page = figures(scope=Scope(station=page_station), period=period).as_dict()
    over_api = figures(scope=Scope(station=api_station), period=period).as_dict()
    assert on_page == over_api
    assert (over_api["sessions"], over_api["citizens_received"], over_api["collected"]) == (1, 3, 2)
    assert over_api["entries"] == entries  # a door-to-door visit is no station entry

    def ledger(station, officer):
        args = {"book": book, "date_from": dt.date(2024, 5, 1), "date_to": dt.date(2024, 5, 31)}
        tickets = list(selectors.ledger_tickets(user=officer, station=station, **args))
        return ledgers.build_ledger(
            user=officer, tickets=tickets, total=len(tickets), station_name=station.name, **args
        ).rows

    assert ledger(page_station, page_officer) == ledger(api_station, api_officer)
    assert len(ledger(api_station, api_officer)) == 2


def test_the_browsable_apis_write_forms_list_no_records(visit_world, client):
    """The write forms the browsable API draws for receptions and uploads take plain ids:
    no choice list of every station, reception or slot (issue 12's leak)."""
    w, pk = visit_world, uuid.uuid4()
    put(w["officer_api"], pk, visit(w, status="draft"))
    client.force_login(w["officer"])
    for url in (
        "/api/v1/receptions/",
        f"/api/v1/receptions/{pk}/",
        f"/api/v1/receptions/{pk}/attachments/",
    ):
        html = client.get(url, {"format": "api"}, HTTP_ACCEPT="text/html").content.decode()
        assert "他站" not in html, url


# --- a web worker killed in the middle of recording a visit ----------------------------------------


@pytest.fixture
def gunicorn(tmp_path):
    """A real gunicorn (one sync worker) on a free port, against the test database:
    yields (base url, log file, a function giving the current worker's pid)."""
    import re
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.liaison.conftest import subprocess_env, wait_until

    log = tmp_path / "gunicorn.log"
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "gunicorn", "liaison.wsgi:application", "--bind", "127.0.0.1:0"]
    command += ["--workers", "1", "--timeout", "120", "--log-level", "info", "--error-logfile", "-"]
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603
            command, cwd=root, env=subprocess_env(DEBUG="0"), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        port = wait_until(
            lambda: re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text()),
            30,
            what="gunicorn",
        ).group(1)

        def worker_pid() -> int:
            booted = wait_until(lambda: re.findall(r"Booting worker with pid: (\d+)", log.read_text()), 30)
            return int(booted[-1])

        yield f"http://127.0.0.1:{port}", log, worker_pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _http_put(url: str, token: str, body: dict) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - a local test server
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_visit_leaves_nothing_and_the_retry_records_it_once(visit_world, gunicorn):
    """The worker is SIGKILLed after it wrote the session, the attendance and the first
    ticket (it waits on the second ticket's id, which another transaction holds): the
    transaction dies with it, and the client's retry of the same PUT records the visit
    once, with one set of tickets and one notice."""
    import os
    import signal

    from tests.liaison.conftest import wait_until

    base, log, worker_pid = gunicorn
    w, pk = visit_world, uuid.uuid4()
    body = visit(w)
    token = Token.objects.get(user=w["officer"]).key
    url = f"{base}/api/v1/receptions/{pk}/"
    assert (
        _http_put(f"{base}/api/v1/receptions/{uuid.uuid4()}/", token, {"station": "x"})[0] == 400
    )  # it answers

    held, release = threading.Event(), threading.Event()

    def hold_second_ticket_id() -> None:
        """An uncommitted ticket with the second row's id: the worker's INSERT waits on it."""
        from django.db import transaction

        try:
            with transaction.atomic():
                TicketFactory(id=body["rows"][1]["id"], station=w["other"], category=w["category"])
                held.set()
                release.wait(60)
                raise _RolledBack
        except _RolledBack:
            pass
        finally:
            connection.close()

    holder = threading.Thread(target=hold_second_ticket_id)
    holder.start()
    assert held.wait(30)
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(_safe(lambda: _http_put(url, token, body))))
    request.start()

    def blocked_backend():
        # (the audit trail's context rides in front of each statement: match inside it)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND wait_event_type = 'Lock' AND query LIKE '%%INSERT INTO \"suggestions_ticket\"%%'"
            )
            row = cursor.fetchone()
            return row and row[0]

    backend = wait_until(blocked_backend, 30, what="the worker waiting on the second ticket")
    first_worker = worker_pid()
    os.kill(first_worker, signal.SIGKILL)
    request.join(30)
    assert answers and isinstance(answers[0], Exception), answers  # the client got no answer
    release.set()
    holder.join(30)

    def backend_gone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend])
            return cursor.fetchone()[0] == 0

    wait_until(backend_gone, 30, what="the killed worker's transaction to end")
    assert not ReceptionSession.objects.exists() and not Ticket.objects.exists()
    assert not Attendance.objects.exists() and not OutboxMessage.objects.exists()

    wait_until(lambda: worker_pid() != first_worker, 30, what="a new worker")
    status, _ = _http_put(url, token, body)  # the client retries the same request
    assert status == 201
    assert _http_put(url, token, body)[0] == 200
    assert ReceptionSession.objects.filter(pk=pk).count() == 1
    assert Ticket.objects.filter(reception_id=pk).count() == 2
    assert TimelineEvent.objects.filter(action="register").count() == 2
    assert Attendance.objects.count() == 3
    assert OutboxMessage.objects.filter(task_name="visits.tickets_registered").count() == 1


class _RolledBack(Exception):
    pass


def _safe(call):
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the test looks at what the client saw
        return exc
