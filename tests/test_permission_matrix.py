"""The permission matrix: every role × every route.

Routes are discovered from the URLconf, so a page added without a row in ``ROUTES``
(or a prefix in ``OUTSIDE_MATRIX``) fails ``test_every_route_is_in_the_matrix``.

The world: two counties (甲县, 乙县) of one city and a second city (丙市), each with a
station, a point, a deputy, a reception and a ticket. Each role is bound to 甲县's
objects; its "visible" records and the records it must not see are listed in
``VISIBLE``. A list page shows the visible records and none of the others; a detail page
answers 200 for a visible record and 404 for any other (existence does not leak); an
action the role may not take answers 403.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from suggestions.models import Ticket
from tests.factories import (
    AttendanceFactory,
    DeputyFactory,
    HandlingUnitFactory,
    PointFactory,
    ReceptionSessionFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region,
)
from tests.probe import api_variants, body_text
from visits.models import Attendance

# Routes that are not about scoped records: tested in their own modules.
OUTSIDE_MATRIX = (
    # the 答复单: the world's tickets have no reply (404 for all); same lookup and rule as
    # suggestions:referral_pdf above, tested in tests/suggestions/test_ticket_forms.py
    "suggestions:reply_pdf",
    "admin:",  # Django admin: staff only (tests/accounts/test_admin.py; non-staff checked below)
    "accounts:login",
    "accounts:logout",
    "accounts:password_",  # password change / reset flow (tests/accounts/test_auth_pages.py)
    "set_language",
    "pick",  # the autocomplete pickers, scoped per kind (tests/test_pickers.py)
    "healthz",  # the health probe: no data (tests/test_deploy.py)
    "readyz",  # the readiness probe: no data (tests/test_deploy.py)
    # h21: Prometheus figures, counts only; loopback or METRICS_TOKEN (tests/liaison/test_metrics.py)
    "metrics",
    # accounts: one account's management pages (int ids, their own escalation matrix in
    # tests/accounts/test_user_management.py) and the sign-in's second step / recovery codes
    # (tests/accounts/test_two_factor.py)
    "accounts:user_",
    "accounts:two_factor_verify",
    "accounts:recovery_codes",
)

ROLES = ("officer", "head", "deputy", "county", "city", "unit", "admin")


@dataclass(frozen=True)
class Route:
    """How a route is checked.

    kind:
      "page"          no record: every role gets 200
      "restricted"    no record: ``allowed`` roles get 200, the others 403
      "list"          lists ``model``: visible records shown, the others absent
      "detail"        one ``model`` record: visible → 200, others and missing → 404
      "own_list"      lists the signed-in user's own ``model`` records (notifications):
                      theirs shown, another user's absent
      "own_action"    an action on one of the user's own records: theirs → not 403/404,
                      another user's → 404 (and left unchanged)
      "own_all"       an action on all of the user's own records (POST): another user's
                      are left unchanged
      "record_action" a form or action on one record (create/update/export/transition):
                      for ``allowed`` roles visible → not 403/404, hidden → 404; for the
                      other roles visible → 403, hidden → 404. ``method`` "post" sends an
                      empty POST (a form then answers 200 with its errors or redirects).
      "report"        the report API: a region or station the role sees → 200, any
                      other → 404
      "post_only", "detail_missing", "sync": API actions, unknown ids and sync feeds
      "files"         the API's attachments of one ``model`` record: its list shows that
                      record's files and no other's; ``allowed`` roles upload (201), the
                      others get 403; a hidden record's list and upload are 404
      "file"          one attachment's download: visible → the file, hidden → 404, and a
                      hidden record's attachment asked for under a visible record → 404
                      (what a sync feed shows: ``test_sync_matrix``)
    """

    kind: str
    model: str | None = None  # the record type a list/detail/record_action is about
    allowed: tuple[str, ...] = ROLES  # for "restricted" and "record_action": who may
    method: str = "get"


ROUTES: dict[str, Route] = {
    "home": Route("page"),
    "stations:list": Route("list", "station"),
    "stations:detail": Route("detail", "station"),
    "deputies:list": Route("list", "deputy"),
    "deputies:detail": Route("detail", "deputy"),
    "visits:list": Route("list", "reception"),
    "visits:detail": Route("detail", "reception"),
    "visits:create": Route("restricted", allowed=("officer", "head", "admin")),
    "visits:edit": Route("record_action", "reception", allowed=("officer", "head", "admin")),
    "visits:attachments": Route("record_action", "reception"),
    "visits:upcoming": Route("page"),
    "visits:exports": Route("page"),
    "visits:timetable": Route("record_action", "station"),
    "visits:slot_create": Route("record_action", "station", allowed=("officer", "head", "admin")),
    "visits:ledger": Route(
        "record_action", "station", allowed=("officer", "head", "county", "city", "admin")
    ),
    "suggestions:list": Route("list", "ticket"),
    "suggestions:detail": Route("detail", "ticket"),
    "suggestions:attachment": Route("record_action", "ticket"),
    # the printed 交办单 (the world's tickets are assigned): whoever sees the ticket prints it
    "suggestions:referral_pdf": Route("record_action", "ticket"),
    "suggestions:unit_queue": Route("restricted", allowed=("unit", "admin")),
    "suggestions:decision_queue": Route("restricted", allowed=("officer", "head", "admin")),
    "suggestions:supervision_queue": Route("restricted", allowed=("county", "city", "admin")),
    # workflow transitions, POST (the world's tickets are assigned to a county department, not escalated)
    "suggestions:accept": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:assign": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:reply": Route("record_action", "ticket", ("unit", "admin"), "post"),
    "suggestions:request_return": Route("record_action", "ticket", ("unit", "admin"), "post"),
    "suggestions:refer_back": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:deliver_reply": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:deliver_to_merged": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:record_satisfaction": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:reopen": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:close": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:withdraw": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "suggestions:merge": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
    "accounts:audit": Route("restricted", allowed=("county", "city", "admin")),
    # the inbox: every role, each user their own notifications only
    "notifications:list": Route("own_list", "notification"),
    "notifications:read": Route("own_action", "notification", method="post"),
    "notifications:read_all": Route("own_all", "notification", method="post"),
    # channel preferences: every role, each user their own (tests/notifications/test_preferences.py)
    "notifications:settings": Route("page"),
    # dashboards: a region's for the region roles over it; a station's for its keepers and
    # the staff over it; a deputy's for whoever sees the deputy; each with its Excel export
    "dashboards:index": Route("page"),
    "dashboards:region": Route("record_action", "region", allowed=("head", "county", "city", "admin")),
    "dashboards:region_export": Route("record_action", "region", allowed=("head", "county", "city", "admin")),
    "dashboards:station": Route(
        "record_action", "station", allowed=("officer", "head", "county", "city", "admin")
    ),
    "dashboards:station_export": Route(
        "record_action", "station", allowed=("officer", "head", "county", "city", "admin")
    ),
    "dashboards:deputy": Route("detail", "deputy"),
    "dashboards:deputy_export": Route("record_action", "deputy"),
    # REST API (/api/v1/): the same scoping, answered in JSON
    "api:api-root": Route("page"),
    "api:token": Route("page"),  # only ever the user's own token (tests/api/test_tokens.py)
    "api:reports": Route("report"),  # what it counts: tests/reports/test_api.py
    "api:schema": Route("page"),
    "api:docs": Route("page"),
    "api:region-list": Route("list", "region"),
    "api:region-detail": Route("detail", "region"),
    "api:station-list": Route("list", "station"),
    "api:station-detail": Route("detail", "station"),
    "api:deputy-list": Route("list", "deputy"),
    "api:deputy-detail": Route("detail", "deputy"),
    "api:reception-list": Route("list", "reception"),
    "api:reception-detail": Route("detail", "reception"),
    "api:ticket-list": Route("list", "ticket"),
    "api:ticket-detail": Route("detail", "ticket"),
    "api:ticket-transitions": Route("record_action", "ticket", ("officer", "head", "unit", "admin"), "post"),
    "api:ticket-batch": Route("post_only"),
    # photos and scans over the API: read by whoever sees the record, uploaded by its keepers
    "api:reception-attachments": Route("files", "reception", ("officer", "head", "admin")),
    "api:reception-attachment": Route("file", "reception"),
    "api:ticket-attachments": Route("files", "ticket", ("officer", "head", "admin")),
    "api:ticket-attachment": Route("file", "ticket"),
    "api:handlingunit-list": Route("list", "unit"),
    "api:handlingunit-detail": Route("detail", "unit"),
    # records hanging off the matrix's records: scoped by their parent's rule (tests/api/test_reads.py)
    "api:mandate-list": Route("page"),
    "api:mandate-detail": Route("detail_missing"),
    "api:deputygroup-list": Route("page"),
    "api:deputygroup-detail": Route("detail_missing"),
    "api:attendance-list": Route("page"),
    "api:attendance-detail": Route("detail_missing"),
    # reference data every role reads
    "api:category-list": Route("page"),
    "api:category-detail": Route("detail_missing"),
    "api:calendarday-list": Route("page"),
    "api:calendarday-detail": Route("detail_missing"),
    # sync feeds: checked with committed data in test_sync_matrix (the feed only shows
    # committed transactions, and the matrix's world lives in the test's transaction)
    "api:region-sync": Route("sync", "region"),
    "api:station-sync": Route("sync", "station"),
    "api:deputy-sync": Route("sync", "deputy"),
    "api:reception-sync": Route("sync", "reception"),
    "api:ticket-sync": Route("sync", "ticket"),
    "api:handlingunit-sync": Route("sync", "unit"),
    "api:mandate-sync": Route("page"),
    "api:deputygroup-sync": Route("page"),
    "api:attendance-sync": Route("page"),
    "api:category-sync": Route("page"),
    "api:calendarday-sync": Route("page"),
    # --- onboarding ---
    # roster imports and the term change: county/city staff and admins; a job is its
    # importer's (another county's staff: 404, tests/onboarding/test_import.py)
    "onboarding:index": Route("restricted", allowed=("county", "city", "admin")),
    "onboarding:template": Route("restricted", allowed=("county", "city", "admin")),
    "onboarding:term_change": Route("restricted", allowed=("county", "city", "admin")),
    "onboarding:job": Route("detail_missing"),
    "onboarding:job_file": Route("detail_missing"),
    # h16: a deputy's mandate lifecycle (补选、终止、辞职): the staff over the deputy
    "onboarding:mandates": Route("record_action", "deputy", allowed=("county", "city", "admin")),
    # --- oversight ---
    # performance files: the deputy their own, county/city staff those of their region
    # (station heads and officers see the deputy, not the file: 403)
    "oversight:index": Route("restricted", allowed=("deputy", "county", "city", "admin")),
    "oversight:file": Route("record_action", "deputy", allowed=("deputy", "county", "city", "admin")),
    "oversight:file_pdf": Route("record_action", "deputy", allowed=("deputy", "county", "city", "admin")),
    "oversight:entry_add": Route("record_action", "deputy", ("deputy", "county", "city", "admin"), "post"),
    "oversight:entry_review": Route("record_action", "deputy", ("county", "city", "admin"), "post"),
    "oversight:evidence": Route("record_action", "deputy", allowed=("deputy", "county", "city", "admin")),
    # the annual evaluation of a region: the staff over it
    "oversight:evaluation": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:evaluation_run": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:evaluation_close": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:evaluation_override": Route("record_action", "region", ("county", "city", "admin"), "post"),
    # the five-star rating of the stations of a region: the staff over it
    "oversight:ratings": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:rating_run": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:rating_override": Route("record_action", "region", ("county", "city", "admin"), "post"),
    # circulars (通报) of a region: the staff over it (one circular named by ?c=; none → 400)
    "oversight:circulars": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:circular_create": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:circular_edit": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:circular_issue": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:circular_docx": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:circular_pdf": Route("record_action", "region", allowed=("county", "city", "admin")),
    # handling units' performance: the ranking of a region's units for its staff; a unit's
    # own page for the unit and the staff over it
    "oversight:units": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:unit": Route("record_action", "unit", allowed=("unit", "county", "city", "admin")),
    # h18: inspections (督导检查) and their follow-up, frozen ratings, category statistics,
    # as-of figures and snapshots: county/city staff of the region (inspection, photo and
    # rating ids ride in the query string; a missing one answers 400)
    "oversight:inspections": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:inspection_new": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:inspection": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:inspection_fix": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:inspection_photo": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:problems": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:rating_close": Route("record_action", "region", ("county", "city", "admin"), "post"),
    "oversight:rating_why": Route("record_action", "region", allowed=("county", "city", "admin")),
    "oversight:snapshots": Route("record_action", "region", allowed=("county", "city", "admin")),
    "dashboards:region_categories": Route(
        "record_action", "region", allowed=("head", "county", "city", "admin")
    ),
    "dashboards:station_categories": Route(
        "record_action", "station", allowed=("officer", "head", "county", "city", "admin")
    ),
    # --- accounts ---
    # user and role management: county/city staff and admins (the rest 403)
    "accounts:users": Route("restricted", allowed=("county", "city", "admin")),
    "accounts:user_create": Route("restricted", allowed=("county", "city", "admin")),
    # two-factor set-up: every role (required for county/city staff and admins)
    "accounts:two_factor": Route("page"),
    # --- motions --- deputies' suggestions (motion) and supervision items (supervision):
    # the county office over the congress runs them; the deputy sees their own, a unit what
    # it is assigned; a station's keepers see neither (tests/motions for the rules)
    "motions:list": Route("list", "motion"),
    "motions:detail": Route("detail", "motion"),
    "motions:attachment": Route("record_action", "motion"),
    "motions:submit": Route("restricted", allowed=("deputy", "county", "city", "admin")),
    "motions:figures": Route("restricted", allowed=("county", "city", "admin")),
    "motions:figures_export": Route("restricted", allowed=("county", "city", "admin")),
    # every step of the table through one POST (the row named in the body): 403 for a role
    # that may take none; which role may take which step: tests/motions/test_services.py
    "motions:act": Route("record_action", "motion", ("deputy", "county", "city", "unit", "admin"), "post"),
    "motions:supervision_list": Route("list", "supervision"),
    "motions:supervision_detail": Route("detail", "supervision"),
    "motions:supervision_create": Route("restricted", allowed=("county", "city", "admin")),
    "motions:supervision_export": Route("page"),  # each role's own items (tests/motions/test_figures.py)
    "motions:supervision_act": Route(
        "record_action", "supervision", ("county", "city", "unit", "admin"), "post"
    ),
    "api:deputysuggestion-list": Route("list", "motion"),
    "api:deputysuggestion-detail": Route("detail", "motion"),
    "api:deputysuggestion-transitions": Route(
        "record_action", "motion", ("deputy", "county", "city", "unit", "admin"), "post"
    ),
    "api:supervisionitem-list": Route("list", "supervision"),
    "api:supervisionitem-detail": Route("detail", "supervision"),
    "api:supervisionitem-transitions": Route(
        "record_action", "supervision", ("county", "city", "unit", "admin"), "post"
    ),
    # h19: the two sync feeds (test_sync_matrix: each role's visible records, none other)
    "api:deputysuggestion-sync": Route("sync", "motion"),
    "api:supervisionitem-sync": Route("sync", "supervision"),
    # --- public --- the online liaison station: no sign-in, the same answer for every role
    # and for anonymous visitors ("public": 200 for each world's record; "public_hidden": the
    # world's stations publish nothing to Open311, so 404; "public_post": POST only). What
    # the pages show and never show: tests/public/.
    "public:index": Route("public"),
    "public:region": Route("public", "region"),
    "public:station": Route("public", "station"),
    "public:submit": Route("public", "station"),
    "public:station_poster": Route("public", "station"),
    "public:deputy": Route("public", "deputy"),
    "public:deputy_poster": Route("public", "deputy"),
    "public:track": Route("public"),
    "public:rate": Route("public_post"),
    "public:open311_services": Route("public"),
    "public:open311_requests": Route("public"),
    "public:open311_request": Route("public_hidden", "ticket"),
    # staff pages of the public app: a station's deputies' cards (whoever sees the station),
    # marking an online submission as spam (whoever decides the ticket)
    "public:station_cards": Route("record_action", "station"),
    "public:mark_spam": Route("record_action", "ticket", ("officer", "head", "admin"), "post"),
}


def _public_check(client, world, route_name: str, route: Route) -> None:
    """A public route answers everyone alike (a role or nobody signed in)."""
    if route.kind == "public_post":
        assert client.get(reverse(route_name)).status_code == 405
        return
    if route.model is None:
        assert client.get(reverse(route_name)).status_code == 200
        return
    expected = 404 if route.kind == "public_hidden" else 200
    for key in ALL:
        record = world["records"][key][route.model]
        assert client.get(reverse(route_name, args=[record.pk])).status_code == expected, (route_name, key)


# Which worlds' records each role sees, per record type ("A" = 甲县, "B" = 乙县, "C" = 丙市).
# "region" is each world's township (the regions of the stations an officer or deputy
# works at are visible to them: a region dashboard then answers 403, not 404).
ALL = ("A", "B", "C")
VISIBLE: dict[str, dict[str, tuple[str, ...]]] = {
    "officer": {"station": ("A",), "deputy": ("A",), "reception": ("A",), "ticket": ("A",), "region": ("A",)},
    "head": {"station": ("A",), "deputy": ("A",), "reception": ("A",), "ticket": ("A",), "region": ("A",)},
    "county": {
        "station": ("A",),
        "deputy": ("A",),
        "reception": ("A",),
        "ticket": ("A",),
        "region": ("A",),
        "unit": ("A",),
    },
    "city": {
        "station": ("A", "B"),
        "deputy": ("A", "B"),
        "reception": ("A", "B"),
        "ticket": ("A", "B"),
        "region": ("A", "B"),
        "unit": ("A", "B"),
    },
    # a deputy: their home station, themself, receptions at their station, the tickets they received
    "deputy": {"station": ("A",), "deputy": ("A",), "reception": ("A",), "ticket": ("A",), "region": ("A",)},
    # handling-unit staff: only the tickets assigned to their unit (and the unit itself)
    "unit": {"station": (), "deputy": (), "reception": (), "ticket": ("A",), "unit": ("A",)},
    "admin": {"station": ALL, "deputy": ALL, "reception": ALL, "ticket": ALL, "region": ALL, "unit": ALL},
}
# --- motions --- who sees each world's deputy suggestion and supervision item
for _role, _motion, _supervision in (
    ("officer", (), ()),
    ("head", (), ()),
    ("deputy", ("A",), ()),
    ("county", ("A",), ("A",)),
    ("city", ("A", "B"), ("A", "B")),
    ("unit", ("A",), ("A",)),
    ("admin", ALL, ALL),
):
    VISIBLE[_role] |= {"motion": _motion, "supervision": _supervision}


def discovered_routes() -> set[str]:
    """Every named route of the URLconf, as ``namespace:name``."""
    names: set[str] = set()

    def walk(patterns, namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_in_the_matrix():
    unlisted = sorted(
        name for name in discovered_routes() if name not in ROUTES and not name.startswith(OUTSIDE_MATRIX)
    )
    assert not unlisted, f"routes missing from the permission matrix (add them to ROUTES): {unlisted}"


@pytest.fixture
def world(db):
    return build_world()


# Each world's citizen: distinct full values, so a body can be searched for them.
CITIZEN = {
    key: {
        "citizen_name": f"{surname}{key}群众",
        "citizen_phone": f"1390000{n:04d}",
        "citizen_address": f"{key}组团结路{n}号院",
        "citizen_id_number": f"14110219800101{n:04d}",
    }
    for n, (key, surname) in enumerate((("A", "欧阳"), ("B", "司马"), ("C", "诸葛")), start=1001)
}


def build_world() -> dict:
    city = make_region(name="甲市")
    other_city = make_region(name="丙市")
    counties = {"A": make_region(parent=city, name="甲县"), "B": make_region(parent=city, name="乙县")}
    counties["C"] = make_region(parent=other_city, name="丙县")
    w: dict = {"city": city, "records": {}}
    for key, county in counties.items():
        township = make_region(parent=county, name=f"{county.name}城关镇")
        village = make_region(parent=township, name=f"{county.name}东村")
        station = StationFactory(name=f"站{key}城关镇联络站", region=township)
        point = PointFactory(name=f"站{key}东村联络点", parent=station, region=village)
        deputy = DeputyFactory(name=f"代表{key}", home_station=station)
        unit = HandlingUnitFactory(name=f"{county.name}交通运输局", region=county)
        reception = ReceptionSessionFactory(station=point, theme=f"主题{key}")
        ticket = TicketFactory(
            station=station,
            reception=reception,
            received_by_deputy=deputy,
            handling_unit=unit,
            content=f"意见{key}：村道坑洼需修缮",
            tier=Ticket.Tier.COUNTY_DEPARTMENT,
            status=Ticket.Status.ASSIGNED,
            **CITIZEN[key],
        )
        AttendanceFactory(session=reception, deputy=deputy)
        # deleted records leave sync tombstones (committed in the transactional tests)
        gone_guest = Attendance.objects.create(
            session=reception, role=Attendance.Role.OFFICIAL, guest_name="嘉宾"
        )
        gone_ticket = TicketFactory(station=station, content=f"已删除的意见{key}", **CITIZEN[key])
        gone = [str(gone_guest.pk), str(gone_ticket.pk)]
        gone_guest.delete()
        gone_ticket.delete()
        w[key] = {
            "county": county,
            "township": township,
            "village": village,
            "station": station,
            "point": point,
            "unit": unit,
            "gone": gone,
        }
        w["records"][key] = {
            "station": station,
            "deputy": deputy,
            "reception": reception,
            "ticket": ticket,
            "region": township,
            "unit": unit,
        }
        w["records"][key] |= motion_records(key, county=county, deputy=deputy, unit=unit)  # --- motions ---
    a = w["A"]
    users = {
        "officer": (Role.LIAISON_OFFICER, {"station": a["station"]}),
        "head": (Role.STATION_HEAD, {"region": a["township"]}),
        "deputy": (Role.DEPUTY, {"deputy": w["records"]["A"]["deputy"]}),
        "county": (Role.COUNTY_STAFF, {"region": a["county"]}),
        "city": (Role.CITY_STAFF, {"region": city}),
        "unit": (Role.HANDLING_UNIT, {"handling_unit": a["unit"]}),
        "admin": (Role.ADMIN, {}),
    }
    w["users"] = {}
    for name, (role, scope) in users.items():
        user = UserFactory(username=name)
        user.roles.create(role=role, **scope)
        w["users"][name] = user
    return w


def motion_records(key: str, *, county, deputy, unit) -> dict:
    """--- motions --- each world's deputy suggestion (assigned to its unit) and supervision item."""
    import datetime as dt

    from django.utils import timezone

    from motions.models import CongressSession, DeputySuggestion, SupervisionItem

    session = CongressSession.objects.create(
        region=county,
        name=f"{county.name}人代会",
        opens_on=dt.date(2026, 1, 10),
        closes_on=dt.date(2026, 1, 13),
    )
    motion = DeputySuggestion.objects.create(
        session=session,
        number=1,
        title=f"建议{key}：修缮县乡公路",
        content="县乡公路年久失修",
        submitted_by=deputy,
        lead_unit=unit,
        status=DeputySuggestion.Status.ASSIGNED,
    )
    item = SupervisionItem.objects.create(
        region=county,
        year=timezone.localdate().year,
        number=1,
        title=f"督办{key}：农村饮水安全",
        problems="供水不稳定",
        report_due=timezone.localdate(),
    )
    item.departments.set([unit])
    return {"motion": motion, "supervision": item}


# Text that identifies a record on a list page.
MARKER = {
    "station": lambda r: r.name,
    "deputy": lambda r: r.name,
    "reception": lambda r: r.theme,
    "ticket": lambda r: r.content[:10],
    "region": lambda r: r.name,
    "unit": lambda r: r.name,
    "motion": lambda r: r.title,  # --- motions ---
    "supervision": lambda r: r.title,
}

CASES = [(role, name) for name in ROUTES for role in ROLES]


@pytest.mark.parametrize(("role", "route_name"), CASES, ids=[f"{r}-{n}" for r, n in CASES])
def test_matrix(client, world, role, route_name, request):
    route = ROUTES[route_name]
    client.force_login(world["users"][role])
    visible = VISIBLE[role].get(route.model, ()) if route.model else ()
    hidden = [k for k in ALL if k not in visible]

    if route.kind in ("page", "restricted"):
        response = client.get(reverse(route_name))
        assert response.status_code == (200 if role in route.allowed else 403)
    elif route.kind == "list":
        response = client.get(reverse(route_name))
        assert response.status_code == 200
        html = response.content.decode()
        for key in visible:
            assert MARKER[route.model](world["records"][key][route.model]) in html, f"{key} should be listed"
        for key in hidden:
            assert MARKER[route.model](world["records"][key][route.model]) not in html, f"{key} leaked"
    elif route.kind == "detail":
        for key in visible:
            record = world["records"][key][route.model]
            assert client.get(reverse(route_name, args=[record.pk])).status_code == 200
        for key in hidden:
            record = world["records"][key][route.model]
            assert client.get(reverse(route_name, args=[record.pk])).status_code == 404
        missing = "00000000-0000-0000-0000-000000000000"
        assert client.get(reverse(route_name, args=[missing])).status_code == 404
    elif route.kind == "record_action":
        send = client.post if route.method == "post" else client.get
        for key in visible:
            record = world["records"][key][route.model]
            status = send(reverse(route_name, args=[record.pk])).status_code
            if role in route.allowed:
                assert status not in (403, 404), f"{role} should be able to use {route_name} ({status})"
            else:
                assert status == 403, f"{role} must be refused {route_name} ({status})"
        for key in hidden:
            record = world["records"][key][route.model]
            assert send(reverse(route_name, args=[record.pk])).status_code == 404
    elif route.kind.startswith("own_"):
        _check_own_route(client, world, role, route_name, route)
    elif route.kind.startswith("public"):
        _public_check(client, world, route_name, route)
    elif route.kind == "post_only":
        # POST-only API actions (their rules: tests/api); any other method is refused
        assert client.get(reverse(route_name)).status_code == 405
    elif route.kind == "detail_missing":
        missing = "00000000-0000-0000-0000-000000000000"
        assert client.get(reverse(route_name, args=[missing])).status_code == 404
    elif route.kind in ("files", "file"):
        _check_files_route(client, request.getfixturevalue("world_files"), role, route_name, route)
    elif route.kind == "sync":
        assert client.get(reverse(route_name)).status_code == 200  # what it shows: test_sync_matrix
    elif route.kind == "report":
        # a report of a region or station the role sees: 200; of any other: the same 404
        for model, param in (("region", "region"), ("station", "station")):
            for key in ALL:
                record = world["records"][key][model]
                status = client.get(reverse(route_name), {param: record.pk, "period": "year"}).status_code
                assert status == (200 if key in VISIBLE[role].get(model, ()) else 404), (
                    role,
                    model,
                    key,
                    status,
                )
    else:  # pragma: no cover - a new kind must be handled here
        raise AssertionError(route.kind)


def _own_records(world, role):
    """A notification of the role's user and one of another world user's (unread)."""
    from notifications.models import Notification

    user = world["users"][role]
    other = world["users"]["officer" if role != "officer" else "head"]
    mine = Notification.objects.create(recipient=user, kind="test", title=f"给{role}的通知")
    theirs = Notification.objects.create(recipient=other, kind="test", title="给别人的通知")
    return mine, theirs


def _check_own_route(client, world, role, route_name, route):
    mine, theirs = _own_records(world, role)
    if route.kind == "own_list":
        html = client.get(reverse(route_name)).content.decode()
        assert mine.title in html and theirs.title not in html
        return
    if route.kind == "own_action":
        assert client.post(reverse(route_name, args=[mine.pk])).status_code not in (403, 404)
        assert client.post(reverse(route_name, args=[theirs.pk])).status_code == 404
        assert client.post(reverse(route_name, args=[10**9])).status_code == 404
    else:  # own_all
        assert client.post(reverse(route_name)).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


@pytest.fixture
def world_files(world, settings, tmp_path):
    """One attachment on each world's reception and ticket, named and filled after its world."""
    from django.core.files.base import ContentFile

    from suggestions.models import Attachment, TimelineEvent
    from visits.models import ReceptionAttachment

    settings.MEDIA_ROOT = tmp_path
    files = {}
    for key, records in world["records"].items():
        content = f"%PDF-1.4 文件{key}".encode()
        photo = ReceptionAttachment(
            session=records["reception"],
            original_name=f"照片{key}.pdf",
            content_type="application/pdf",
            size=9,
        )
        photo.file.save("a.pdf", ContentFile(content), save=True)
        event = TimelineEvent.objects.create(ticket=records["ticket"], action="attach", to_status="assigned")
        letter = Attachment(
            event=event, original_name=f"来信{key}.pdf", content_type="application/pdf", size=9
        )
        letter.file.save("a.pdf", ContentFile(content), save=True)
        files[key] = {"reception": photo, "ticket": letter, "content": content}
    return {**world, "files": files}


def _check_files_route(client, w, role, route_name, route):
    from django.core.files.uploadedfile import SimpleUploadedFile

    visible = VISIBLE[role].get(route.model, ())
    names = {
        key: f["ticket" if route.model == "ticket" else "reception"].original_name
        for key, f in w["files"].items()
    }
    for key in ALL:
        record = w["records"][key][route.model]
        attachment = w["files"][key][route.model]
        if route.kind == "files":
            url = reverse(route_name, args=[record.pk])
            listed = client.get(url)
            body = listed.content.decode()
            assert listed.status_code == (200 if key in visible else 404), (key, listed.status_code)
            assert [k for k in ALL if names[k] in body] == ([key] if key in visible else []), (key, body)
            upload = client.post(
                url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 new")}, format="multipart"
            )
            expected = 404 if key not in visible else 201 if role in route.allowed else 403
            assert upload.status_code == expected, (key, upload.status_code)
        else:
            response = client.get(reverse(route_name, args=[record.pk, attachment.pk]))
            assert response.status_code == (200 if key in visible else 404), (key, response.status_code)
            got = b"".join(response.streaming_content) if response.streaming else response.content
            assert (got == w["files"][key]["content"]) == (key in visible)
            for other in visible:
                if other != key:  # this attachment asked for under another (visible) record
                    crossed = reverse(route_name, args=[w["records"][other][route.model].pk, attachment.pk])
                    assert client.get(crossed).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_sync_matrix(client, world, role):
    """Each sync feed shows the role's visible records and none of the others (the world
    is committed here: a feed only shows committed transactions)."""
    client.force_login(world["users"][role])
    for route_name, route in ROUTES.items():
        if route.kind != "sync":
            continue
        visible = VISIBLE[role].get(route.model, ())
        response = client.get(reverse(route_name))
        assert response.status_code == 200
        text = response.content.decode()
        for key in ALL:
            marker = MARKER[route.model](world["records"][key][route.model])
            assert (marker in text) == (key in visible), f"{route_name}: {key} for {role}"


@pytest.mark.parametrize("route_name", list(ROUTES))
def test_anonymous_is_sent_to_sign_in(client, world, route_name):
    route = ROUTES[route_name]
    if route.kind.startswith("public"):
        _public_check(client, world, route_name, route)  # no sign-in: the same answers
        return
    if route.kind in ("detail", "record_action"):
        args = [world["records"]["A"][route.model].pk]
    elif route.kind == "own_action":
        args = [_own_records(world, "officer")[0].pk]
    elif route.kind == "detail_missing":
        args = ["00000000-0000-0000-0000-000000000000"]
    elif route.kind == "files":
        args = [world["records"]["A"][route.model].pk]
    elif route.kind == "file":
        args = [world["records"]["A"][route.model].pk, 1 if route.model == "ticket" else uuid.uuid4()]
    else:
        args = []
    response = client.get(reverse(route_name, args=args))
    if route_name.startswith("api:"):
        assert response.status_code == 401  # the API asks for credentials instead
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_is_for_staff_only(client, world, role):
    user = world["users"][role]
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == (200 if user.is_staff else 302)


def test_a_user_without_roles_sees_nothing(client, world):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("home")).status_code == 200
    html = client.get(reverse("stations:list")).content.decode()
    assert "站A" not in html and "站B" not in html
    record = world["records"]["A"]["ticket"]
    assert client.get(reverse("suggestions:detail", args=[record.pk])).status_code == 404


def test_several_roles_see_the_union(client, world):
    """A township chair of 甲县 who is also a deputy of 乙县 sees both."""
    user = world["users"]["head"]
    user.roles.create(role=Role.DEPUTY, deputy=world["records"]["B"]["deputy"])
    client.force_login(user)
    html = client.get(reverse("deputies:list")).content.decode()
    assert "代表A" in html and "代表B" in html and "代表C" not in html


# --- the probe's method: every route, every representation, read to the last byte -------------
# As users of two disjoint scopes (甲县's roles, 乙县's county staff), the city, a user with no
# role and one whose only role is switched off, and a superuser: every route (pages, the API
# plain and with every format suffix, ``?format=api`` and ``Accept: text/html``, the admin),
# with every world's ids, GET and the writes. The body must not name anything of a world the
# user may not see (names, ids, citizens' data), nor a citizen's full details the user may not
# see in full. The world is committed (the sync feeds, and their tombstones, show it).

PROBE_USERS = (
    "officer",
    "head",
    "deputy",
    "county",
    "city",
    "unit",
    "admin",
    "county_b",
    "nobody",
    "off",
    "root",
)
# the worlds whose records each probe user must not see
FOREIGN = {
    **{role: ("B", "C") for role in ("officer", "head", "deputy", "county", "unit")},
    "city": ("C",),
    "county_b": ("A", "C"),
    "nobody": ALL,
    "off": ALL,
    "admin": (),
    "root": (),
}
# the worlds whose citizen the user handles (sees in full); system admins see it masked
FULL_CITIZEN = {"officer": ("A",), "head": ("A",)}


def add_probe_users(world) -> None:
    users = world["users"]
    users["county_b"] = UserFactory(username="county_b")
    users["county_b"].roles.create(role=Role.COUNTY_STAFF, region=world["B"]["county"])
    users["nobody"] = UserFactory(username="nobody")
    users["off"] = UserFactory(username="off")
    users["off"].roles.create(role=Role.LIAISON_OFFICER, station=world["A"]["station"], is_active=False)
    users["root"] = UserFactory(username="root", is_staff=True, is_superuser=True)


def world_markers(world, key: str) -> dict[str, str]:
    """What identifies world ``key``: its records' names and ids, its citizen's details."""
    w, r = world[key], world["records"][key]
    names = {
        "station": r["station"].name,
        "point": w["point"].name,
        "deputy": r["deputy"].name,
        "reception": r["reception"].theme,
        "ticket": r["ticket"].content,
        "unit": r["unit"].name,
        "county": w["county"].name,
        "township": w["township"].name,
        "village": w["village"].name,
    }
    ids = {
        f"{name} id": str(obj.pk)
        for name, obj in (
            ("station", r["station"]),
            ("point", w["point"]),
            ("deputy", r["deputy"]),
            ("reception", r["reception"]),
            ("ticket", r["ticket"]),
            ("unit", r["unit"]),
        )
    }
    ids.update({f"deleted record {i}": pk for i, pk in enumerate(w["gone"])})
    return {**names, **ids, **citizen_markers(key)}


def citizen_markers(key: str) -> dict[str, str]:
    return {f"citizen {field}": value for field, value in CITIZEN[key].items()}


def forbidden_markers(world, user: str) -> dict[str, str]:
    forbidden = {}
    for key in FOREIGN[user]:
        forbidden.update({f"{key}: {what}": text for what, text in world_markers(world, key).items()})
    for key in ALL:
        if key not in FOREIGN[user] and key not in FULL_CITIZEN.get(user, ()):
            forbidden.update({f"{key}: {what}": text for what, text in citizen_markers(key).items()})
    return forbidden


def probe_worlds(user: str) -> tuple[str, ...]:
    """The worlds whose ids a user's probe uses: one they see (its pages must not show the
    others' records) and one they must not (a third would repeat the second)."""
    seen = [k for k in ALL if k not in FOREIGN[user]][:1]
    return (*seen, *[k for k in ALL if k in FOREIGN[user]][:1])


def _route_urls(world, name: str, route: Route, user: str) -> list[str]:
    """The route with the probe worlds' records (or a missing one), or plain."""
    keys = probe_worlds(user)
    if route.kind == "public_post":
        return []
    if route.kind.startswith("public") and route.model:
        return [reverse(name, args=[world["records"][k][route.model].pk]) for k in keys]
    if route.kind in ("detail", "record_action", "files") and route.model:
        return [reverse(name, args=[world["records"][k][route.model].pk]) for k in keys]
    if route.kind == "file":  # an attachment that is not there, under each world's record
        missing = "00000000-0000-0000-0000-000000000000" if route.model == "reception" else 999_999_999
        return [reverse(name, args=[world["records"][k][route.model].pk, missing]) for k in keys]
    if route.kind == "own_action":
        return [reverse(name, args=[n.pk]) for n in _own_records(world, user if user in ROLES else "officer")]
    if route.kind == "detail_missing":
        return [reverse(name, args=["00000000-0000-0000-0000-000000000000"])]
    if route.kind == "report":
        base = reverse(name)
        return [
            f"{base}?{param}={world['records'][k][param].pk}&period=year&by={by}"
            for k in keys
            for param, by in (("region", "child"), ("station", "month"))
        ]
    return [reverse(name)]


def _api_writes(world, user: str) -> list[tuple[str, str, dict]]:
    """(method, url, body) of the API's writes, aimed at the probe worlds' records."""
    import uuid

    writes = []
    for key in probe_worlds(user):
        r, w = world["records"][key], world[key]
        ticket = {
            "station": str(r["station"].pk),
            "category": r["ticket"].category_id,
            "content": "探测",
            "citizen_name": "探测",
            "reception": str(r["reception"].pk),
            "received_by_deputy": str(r["deputy"].pk),
            "village": w["village"].pk,
        }
        reception = {
            "station": str(r["station"].pk),
            "kind": "door_to_door",
            "starts_at": "2024-05-10T09:00:00+08:00",
            "status": "done",
            "deputies": [str(r["deputy"].pk)],
            "rows": [
                {"id": str(uuid.uuid4()), **{k: ticket[k] for k in ("category", "content", "citizen_name")}}
            ],
        }
        tickets = reverse("api:ticket-list")
        writes += [
            ("put", reverse("api:ticket-detail", args=[uuid.uuid4()]), ticket),
            ("put", reverse("api:ticket-detail", args=[r["ticket"].pk]), ticket),
            ("post", tickets, ticket),
            ("post", reverse("api:ticket-batch"), {"records": [{"id": str(r["ticket"].pk), **ticket}]}),
            (
                "post",
                reverse("api:ticket-transitions", args=[r["ticket"].pk]),
                {"action": "assign", "tier": "county_dept", "handling_unit": str(r["unit"].pk)},
            ),
            ("patch", reverse("api:station-detail", args=[r["station"].pk]), {"name": "探测"}),
            ("put", reverse("api:reception-detail", args=[uuid.uuid4()]), reception),
            ("put", reverse("api:reception-detail", args=[r["reception"].pk]), reception),
            ("post", reverse("api:reception-list"), reception),
            ("delete", reverse("api:ticket-detail", args=[r["ticket"].pk]), {}),
        ]
    return writes


def _admin_urls(world) -> list[str]:
    from django.contrib import admin

    urls = []
    for model in admin.site._registry:
        label = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{label}_changelist"))
        records = [
            world["records"][k][n] for k in ALL for n, o in world["records"][k].items() if type(o) is model
        ]
        first = model._default_manager.order_by("pk").first()  # any other model: its first row
        for record in records or ([first] if first else []):
            urls += [
                reverse(f"{label}_change", args=[record.pk]),
                reverse(f"{label}_history", args=[record.pk]),
            ]
    from pghistory.models import Events  # the audit trail's pages: a few ticket events

    for slug in Events.objects.across("suggestions.TicketEvent").values_list("pgh_slug", flat=True)[:3]:
        urls.append(reverse("admin:pghistory_events_change", args=[slug]))
    return urls


def probe_requests(world, user: str) -> list[tuple[str, str, dict, dict]]:
    """(method, url, body, headers) of the probe: every route, every representation."""
    requests = []
    for name, route in ROUTES.items():
        if route.kind.startswith("public"):
            continue  # public by design (other worlds' stations too); scanned in tests/public
        for url in _route_urls(world, name, route, user):
            if name.startswith("api:"):
                requests += [("get", u, {}, h) for u, h in api_variants(url)]
                requests.append(("options", url, {}, {}))
            else:
                requests.append((route.method, url, {}, {}))
    for method, url, body in _api_writes(world, user):
        for u, headers in api_variants(url):
            requests.append((method, u, body, {"HTTP_IF_MATCH": '"1"', **headers}))
    admin_urls = _admin_urls(world)
    if not world["users"][user].is_staff:  # redirected to the admin's sign-in: a sample is enough
        admin_urls = [
            u for u in admin_urls if u.endswith("/") and "/change/" not in u and "/history/" not in u
        ]
    requests += [("get", url, {}, {}) for url in admin_urls]
    return requests


def _send(client, method: str, url: str, body: dict, headers: dict):
    if url.startswith("/api/") and method not in ("get", "options"):
        return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)
    return getattr(client, method)(url, **headers)


@pytest.mark.django_db(transaction=True)
def test_no_body_names_what_the_user_may_not_see(client):
    """Every response to every probe request, for every probe user, is read in full (HTML,
    JSON, Excel, PDF): nothing of another scope, no citizen's details the user may not see
    in full, no 5xx. (One test: the committed world is built once.)"""
    world = build_world()
    add_probe_users(world)
    client.raise_request_exception = False  # a 500 is a finding, not the end of the probe
    failures = []
    for user in PROBE_USERS:
        forbidden = forbidden_markers(world, user)
        client.force_login(world["users"][user])
        for method, url, body, headers in probe_requests(world, user):
            response = _send(client, method, url, body, headers)
            where = f"{user}: {method.upper()} {url} {headers or ''}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
                continue
            text = body_text(response)
            sent = url + json.dumps(body)  # an id the request itself carried may be echoed
            leaked = [what for what, marker in forbidden.items() if marker in text and marker not in sent]
            if leaked:
                failures.append(f"{where}: {', '.join(sorted(leaked))}")
    assert not failures, f"{len(failures)} responses leak:\n" + "\n".join(
        sorted(failures, key=lambda f: f.endswith(": 500"))[:60]
    )
