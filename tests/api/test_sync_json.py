"""The tickets feed's JSON written by PostgreSQL (``liaison.sync.JsonRows``) is byte for
byte what the Python path (``values()`` rows through ``sync_transform`` and DRF's
``JSONRenderer``) gives: masked and unmasked, awkward text, both kinds of timestamp,
NULLs, tombstones, pages across a cursor; and the full views are logged the same."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.models import PersonalDataAccess, Role
from liaison.api import SyncMixin
from liaison.masking import CITIZEN_MASKS, CITIZEN_MASKS_SQL, not_a_digit
from suggestions.api import TicketViewSet
from suggestions.models import Ticket
from tests.api.conftest import api_client_for
from tests.factories import HandlingUnitFactory, TicketFactory, UserFactory

feed_db = pytest.mark.django_db(transaction=True)  # the feed reads committed rows only

AWKWARD = [
    "",
    "张",
    "欧阳娜娜",
    'He said "hi" \\ back\\',
    "line\nbreak\ttab\rreturn\bbell\fform",
    "ctrl \x01\x1f\x7f end",
    "sep \u2028 para \u2029 end",
    "emoji 😀🇨🇳 astral 𠀀",
    "１３８１２３４５６７８",  # fullwidth digits, as a Chinese input method types them
    "+86 (138) 1234-5678 转 ٣٤",  # other scripts' digits
    "²³ superscripts ¹",
    "12",
    "12345",
    "123456789012345678",
    "11010519491231002X",
    "<script>alert(1)</script> & ' %s %(x)s {x}",
]


def masks_in_sql(value: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        sql = ", ".join(
            template.format(x="v.x", not_a_digit=f"'{not_a_digit()}'").replace("%", "%%")
            for template in CITIZEN_MASKS_SQL.values()
        )
        cursor.execute(f"SELECT {sql} FROM (SELECT %s::text AS x) AS v", [value])  # noqa: S608
        return dict(zip(CITIZEN_MASKS_SQL, cursor.fetchone(), strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize("value", AWKWARD)
def test_each_mask_in_sql_gives_what_the_python_mask_gives(value):
    assert masks_in_sql(value) == {name: mask(value) for name, mask in CITIZEN_MASKS.items()}


@pytest.mark.django_db
def test_the_sql_digits_are_pythons_digits():
    every_digit = "".join(chr(c) for c in range(0x110000) if chr(c).isdigit())
    with connection.cursor() as cursor:
        cursor.execute("SELECT regexp_replace(%s, %s, '', 'g')", [every_digit + "a-b 十", not_a_digit()])
        assert cursor.fetchone()[0] == every_digit


@pytest.fixture
def feed_world(api_world):
    """Tickets with awkward values at two stations; a unit with consent-shared tickets."""
    unit = HandlingUnitFactory(name="交通局")
    moment = timezone.make_aware(dt.datetime(2024, 3, 1, 8, 30))
    for i, value in enumerate(AWKWARD):
        TicketFactory(
            station=api_world["station"] if i % 2 else api_world["other"],
            category=api_world["category"],
            citizen_name=value[:50],
            citizen_phone=value[:20],
            citizen_address=value,
            citizen_id_number=value[:18],
            content=value or "内容",
            on_the_spot_action=value,
            received_at=moment + dt.timedelta(microseconds=0 if i % 3 else 123400, hours=i),
            closed_at=None if i % 2 else moment + dt.timedelta(days=3, microseconds=7),
            due_on=None if i % 4 else dt.date(2024, 3, 20),
            handling_unit=unit if i % 3 == 0 else None,
            consent_to_share=i % 5 != 0,
            status=Ticket.Status.CLOSED if i % 2 == 0 else Ticket.Status.REGISTERED,
        )
    worker = UserFactory(username="unitworker")
    worker.roles.create(role=Role.HANDLING_UNIT, handling_unit=unit)
    county = UserFactory(username="countystaff")
    county.roles.create(role=Role.COUNTY_STAFF, region=api_world["tree"].counties[0])
    return {
        **api_world,
        "unit_api": api_client_for(worker),
        "county_api": api_client_for(county),
    }


def pages(client, limit, cursor=None, *, final=None):
    """The feed's pages (their bodies without the cursor, their content types) from
    ``cursor`` to the end; ``final``: a list the last cursor is appended to."""
    out = []
    while True:
        response = client.get(
            "/api/v1/tickets/sync/", {"limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        out.append(
            (
                re.sub(rb'"next_cursor":"[^"]*"', b'"next_cursor":""', response.content),
                response["Content-Type"],
            )
        )
        cursor = body["next_cursor"]
        if not body["has_more"]:
            if final is not None:
                final.append(cursor)
            return out


@feed_db
@pytest.mark.parametrize("who", ["admin_api", "officer_api", "unit_api", "county_api"])
@pytest.mark.parametrize("limit", [3, 500])
def test_the_json_from_sql_is_the_json_from_python_byte_for_byte(feed_world, monkeypatch, who, limit):
    """A sync from scratch, then one from its cursor after a delete (a tombstone) and writes."""
    client = feed_world[who]
    python_path = SyncMixin.sync_json_rows  # the records' JSON built in Python
    sql_path = TicketViewSet.sync_json_rows
    logged = PersonalDataAccess.objects.count
    before = logged()
    cursors: list[str] = []
    from_sql = pages(client, limit, final=cursors)
    logged_sql = logged() - before
    monkeypatch.setattr(TicketViewSet, "sync_json_rows", python_path)
    from_python = pages(client, limit, final=cursors)
    logged_python = logged() - before - logged_sql
    assert from_sql == from_python
    records = [r for body, _ in from_sql for r in json.loads(body)["results"]]
    assert records, "the feed is not empty"
    assert logged_sql == logged_python == sum(1 for r in records if not r["citizen_data_masked"])

    Ticket.objects.filter(citizen_name=AWKWARD[3]).delete()
    Ticket.objects.update(content=Concat(F("content"), Value("（已更新）")))  # all come again
    later_python = pages(client, limit, cursors[1])
    monkeypatch.setattr(TicketViewSet, "sync_json_rows", sql_path)
    later_sql = pages(client, limit, cursors[0])
    assert later_sql == later_python
    later = [r for body, _ in later_sql for r in json.loads(body)["results"]]
    assert [r for r in later if r["deleted"]], "a tombstone came"
    assert [r for r in later if not r["deleted"]], "a record came"


@feed_db
def test_the_feed_holds_what_the_comparison_is_about(feed_world):
    """The comparison above covers masked and full rows and both timestamp forms."""
    unit = json.loads(pages(feed_world["unit_api"], 500)[0][0])["results"]
    assert {r["citizen_data_masked"] for r in unit} == {True, False}  # consent or not
    (body, _), *more = pages(feed_world["officer_api"], 500)
    body = body.decode()
    assert not more
    assert re.search(r'"received_at":"2024-03-01T\d\d:30:00Z"', body)  # no microseconds
    assert re.search(r'"received_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123400Z"', body)
    admin = b"".join(body for body, _ in pages(feed_world["admin_api"], 500)).decode()
    assert "\\u2028" in admin and "\u2028" not in admin  # escaped, as DRF does


@feed_db
def test_the_browsable_api_shows_the_same_page_indented(feed_world):
    client = feed_world["admin_api"]
    plain = client.get("/api/v1/tickets/sync/", {"limit": 5}).json()
    html = client.get("/api/v1/tickets/sync/", {"limit": 5, "format": "api"}, HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    assert str(uuid.UUID(plain["results"][0]["id"])) in html.content.decode()
    indented = client.get("/api/v1/tickets/sync/", {"limit": 5}, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b'{\n  "results"')
    assert json.loads(indented.content)["results"] == plain["results"]
