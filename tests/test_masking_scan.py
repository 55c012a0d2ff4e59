"""The masking scan: every page, API response, export (Excel and PDF, read back) and admin
page each role can reach, searched for citizens' full details (name, phone, address, ID
number). A full value may appear only where ``liaison.scoping.can_see_citizen_data`` allows
it, and each response that shows one writes its ``PersonalDataAccess`` row (PIPL).

The world is the permission matrix's (甲县, 乙县, 丙市), plus a ticket of 甲县 escalated to
the standing committee, whose citizen consented to pass their details on: the county and
city staff and the handling unit see that one in full, the station's keepers both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess
from suggestions.models import Ticket
from tests.factories import TicketFactory
from tests.probe import api_variants, body_text
from tests.test_permission_matrix import (
    PROBE_USERS,
    ROUTES,
    _admin_urls,
    _route_urls,
    add_probe_users,
    build_world,
)
from visits import services as visits_services

ESCALATED = {
    "citizen_name": "上官甲二群众",
    "citizen_phone": "13900002001",
    "citizen_address": "甲二组幸福路2001号院",
    "citizen_id_number": "141102198001012001",
}
# the tickets (world key or "A2") each user handles, so sees in full; everyone else: none
SEES_IN_FULL = {
    "officer": {"A", "A2"},
    "head": {"A", "A2"},
    "county": {"A2"},
    "city": {"A2"},
    "unit": {"A2"},
}


def _world() -> dict:
    world = build_world()
    add_probe_users(world)
    a = world["records"]["A"]
    world["escalated"] = TicketFactory(
        station=a["station"],
        received_by_deputy=a["deputy"],
        handling_unit=a["unit"],
        consent_to_share=True,
        content="意见A2：桥梁护栏损坏",
        tier=Ticket.Tier.STANDING_COMMITTEE,
        status=Ticket.Status.ASSIGNED,
        **ESCALATED,
    )
    return world


def _citizens(world) -> dict[str, tuple[Ticket, dict[str, str]]]:
    from tests.test_permission_matrix import CITIZEN

    found = {key: (world["records"][key]["ticket"], CITIZEN[key]) for key in ("A", "B", "C")}
    found["A2"] = (world["escalated"], ESCALATED)
    return found


def _scan_urls(world, user: str) -> list[str]:
    """Every GET route (pages and API, plain and .json), the escalated ticket's pages, the
    admin pages, and the ledgers of 甲县's station as Excel and PDF."""
    urls = []
    for name, route in ROUTES.items():
        if route.method != "get":
            continue
        for url in _route_urls(world, name, route, user):
            urls += (
                [u for u, headers in api_variants(url) if not headers] if name.startswith("api:") else [url]
            )
    escalated = world["escalated"].pk
    urls += [reverse("suggestions:detail", args=[escalated]), reverse("api:ticket-detail", args=[escalated])]
    urls += [f"{reverse('accounts:audit')}?kind={kind}" for kind in ("ticket", "deputy")]
    urls += _admin_urls(world)
    station = world["records"]["A"]["station"].pk
    urls += [
        f"{reverse('visits:ledger', args=[station])}?book=reception&format={fmt}"
        "&date_from=2022-01-01&date_to=2026-12-31"
        for fmt in ("xlsx", "pdf")
    ]
    return urls


def _background_export_url(world, user) -> str | None:
    """A finished background export of 甲县's ledger, for a user who may export it."""
    from liaison.scoping import can_export_ledger

    station = world["records"]["A"]["station"]
    if not can_export_ledger(user, station):
        return None
    job = visits_services.ledger_export_start(
        user=user,
        station=station,
        book="reception",
        fmt="xlsx",
        date_from=dt.date(2022, 1, 1),
        date_to=dt.date(2026, 12, 31),
    )
    visits_services.ledger_export_run(job_id=job.pk)
    return f"{reverse('visits:exports')}?job={job.pk}&download=1"


@pytest.mark.django_db(transaction=True)
def test_every_full_value_shown_is_allowed_and_logged(client):
    world = _world()
    citizens = _citizens(world)
    client.raise_request_exception = False
    failures = []
    for name in PROBE_USERS:
        user = world["users"][name]
        client.force_login(user)
        urls = _scan_urls(world, name)
        download = _background_export_url(world, user)
        urls += [download] if download else []
        allowed = SEES_IN_FULL.get(name, set())
        seen: set[str] = set()
        for url in urls:
            logged_before = PersonalDataAccess.objects.filter(user=user).count()
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{name}: GET {url}: {response.status_code}")
                continue
            text = body_text(response)
            new_rows = list(
                PersonalDataAccess.objects.filter(user=user)
                .order_by("pk")[logged_before:]
                .values_list("ticket_id", "fields")
            )
            for key, (ticket, values) in citizens.items():
                shown = [field for field, value in values.items() if value in text]
                if not shown:
                    continue
                if key not in allowed:
                    failures.append(f"{name}: GET {url}: full {shown} of {key}'s citizen")
                    continue
                seen.add(key)
                logged = [fields for pk, fields in new_rows if pk == ticket.pk]
                if not logged:
                    failures.append(f"{name}: GET {url}: {key}'s citizen shown in full, not logged")
                elif not set(shown) <= set(logged[0].split(",")):
                    failures.append(f"{name}: GET {url}: shown {shown}, logged {logged[0]}")
        if seen != allowed:  # the scan reaches every full view the rule allows (it is not vacuous)
            failures.append(f"{name}: saw in full {sorted(seen)}, should see {sorted(allowed)}")
    assert not failures, f"{len(failures)} findings:\n" + "\n".join(
        sorted(failures, key=lambda f: f.endswith(": 500"))[:60]
    )
