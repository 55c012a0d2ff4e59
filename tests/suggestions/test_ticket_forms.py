"""The printed 交办单 (referral form) and 答复单 (reply form) of a ticket: the official
layout's fields read back from the PDF, the embedded font, the masking rule for paper
that travels to the unit, the access log, scoping and the links on the ticket page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role
from suggestions.models import Ticket, TimelineEvent
from suggestions.printing import ticket_reference
from tests.factories import DeputyFactory, HandlingUnitFactory, StationFactory, TicketFactory
from tests.printing_helpers import TZ, embedded_fonts, pdf_text, replied

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(station, user_with_role, client):
    unit = HandlingUnitFactory(name="甲县交通运输局")
    deputy = DeputyFactory(name="王建国", home_station=station)
    ticket = TicketFactory(
        station=station,
        citizen_name="张三丰",
        citizen_phone="13912345678",
        citizen_address="甲县1镇1村三组12号",
        consent_to_share=True,
        received_by_deputy=deputy,
        content="村东头道路坑洼，雨天无法通行，希望尽快修缮。",
        due_on=dt.date(2024, 6, 7),
        status=Ticket.Status.ACCEPTED,
    )
    TimelineEvent.objects.create(
        ticket=ticket,
        action="assign",
        from_status="accepted",
        to_status="assigned",
        at=dt.datetime(2024, 5, 13, 9, tzinfo=TZ),
    )
    ticket.handling_unit = unit
    ticket.tier = Ticket.Tier.COUNTY_DEPARTMENT
    ticket.status = Ticket.Status.ASSIGNED
    ticket.save()
    officer = user_with_role(Role.LIAISON_OFFICER, station=station)
    client.force_login(officer)
    return ticket, unit, officer, client


def _get(client, ticket, form):
    return client.get(reverse(f"suggestions:{form}_pdf", args=[ticket.pk]))


def test_the_referral_form_has_the_official_fields(assigned):
    ticket, _, officer, client = assigned
    response = _get(client, ticket, "referral")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("inline;")
        and response["Cache-Control"] == "private, no-store"
    )
    assert b"/FontFile2" in response.content and "WenQuanYiMicroHei" in embedded_fonts(response.content)[0]
    pages, text = pdf_text(response.content)
    flat = text.replace("\n", "").replace(" ", "")
    assert pages == 1
    assert "甲县人大代表联络站群众意见建议交办单" in flat
    assert f"编号：{ticket_reference(ticket)}" in flat
    # registered, assigned, deadline: each date whole
    for date in ("2024-05-10", "2024-05-13", "2024-06-07"):
        assert date in text
    assert ticket.station.name in flat and "王建国" in flat and "甲县交通运输局" in flat
    assert "村东头道路坑洼，雨天无法通行，希望尽快修缮。" in flat
    assert "请于2024-06-07前办理完毕" in flat
    assert "交办单位（盖章）" in flat and "经办人（签字）" in flat and "承办单位签收（盖章）" in flat
    assert "年" in flat and "月" in flat and "日" in flat
    # the officer may see the citizen and the citizen consented: full, and logged
    assert "张三丰" in flat and "13912345678" in flat and "已按规定脱敏" not in flat
    log = PersonalDataAccess.objects.get(user=officer)
    assert log.client == "ticket_form"


def test_without_consent_the_paper_is_masked_even_for_the_officer(assigned):
    ticket, _, officer, client = assigned
    Ticket.objects.filter(pk=ticket.pk).update(consent_to_share=False)
    _, text = pdf_text(_get(client, ticket, "referral").content)
    flat = text.replace("\n", "").replace(" ", "")
    assert "张**" in flat and "139****5678" in flat and "张三丰" not in flat and "13912345678" not in flat
    assert "已按规定脱敏" in flat
    assert not PersonalDataAccess.objects.filter(user=officer).exists()


def test_the_unit_prints_it_with_the_contact_when_the_citizen_consented(assigned, user_with_role):
    ticket, unit, _, _ = assigned
    staff = Client()
    unit_user = user_with_role(Role.HANDLING_UNIT, handling_unit=unit)
    staff.force_login(unit_user)
    _, text = pdf_text(_get(staff, ticket, "referral").content)
    assert "13912345678" in text.replace(" ", "")
    assert PersonalDataAccess.objects.filter(user=unit_user, client="ticket_form").count() == 1


def test_the_reply_form_carries_the_reply(assigned):
    ticket, unit, _, client = assigned
    assert _get(client, ticket, "reply").status_code == 404  # no reply yet
    replied(
        ticket,
        unit=unit,
        text="已安排养护队于五月底前修补，现已完工。",
        replied_on=dt.date(2024, 5, 28),
        delivered_on=dt.date(2024, 5, 30),
        satisfaction=Ticket.Satisfaction.BASICALLY,
        assigned_on=dt.date(2024, 5, 13),
    )
    response = _get(client, ticket, "reply")
    assert response.status_code == 200
    _, text = pdf_text(response.content)
    flat = text.replace("\n", "").replace(" ", "")
    assert "甲县人大代表联络站群众意见建议答复单" in flat
    assert "已安排养护队于五月底前修补，现已完工。" in flat
    assert "基本满意" in flat
    for date in ("2024-05-10", "2024-05-13", "2024-06-07", "2024-05-28", "2024-05-30"):
        assert date in text
    assert "承办单位（盖章）" in flat and "负责人（签字）" in flat


def test_forms_a_ticket_has_not_reached_are_404(station, user_with_role, client):
    ticket = TicketFactory(station=station)
    client.force_login(user_with_role(Role.LIAISON_OFFICER, station=station))
    assert _get(client, ticket, "referral").status_code == 404
    assert _get(client, ticket, "reply").status_code == 404
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert "打印本页" in page
    assert reverse("suggestions:referral_pdf", args=[ticket.pk]) not in page


def test_out_of_scope_is_the_same_404(assigned, user_with_role):
    ticket, _, _, _ = assigned
    other = Client()
    other.force_login(user_with_role(Role.LIAISON_OFFICER, station=StationFactory()))
    assert _get(other, ticket, "referral").status_code == 404
    anonymous = Client()
    assert _get(anonymous, ticket, "referral").status_code == 302


def test_the_ticket_page_links_the_forms(assigned):
    ticket, unit, _, client = assigned
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert reverse("suggestions:referral_pdf", args=[ticket.pk]) in page
    assert reverse("suggestions:reply_pdf", args=[ticket.pk]) not in page
    replied(ticket, unit=unit, text="答复", replied_on=dt.date(2024, 5, 28))
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert reverse("suggestions:reply_pdf", args=[ticket.pk]) in page


def test_a_long_opinion_runs_on_to_a_second_page(assigned):
    ticket, _, _, client = assigned
    Ticket.objects.filter(pk=ticket.pk).update(content="道路坑洼，雨天无法通行。" * 400)
    pages, text = pdf_text(_get(client, ticket, "referral").content)
    assert pages >= 2 and "（续）" in text and f"第 {pages} 页 共 {pages} 页" in text


def test_a_form_is_a_fixed_number_of_queries(assigned, django_assert_max_num_queries):
    ticket, _, _, client = assigned
    # session + user + roles, the ticket (one query with its reply, assignment and county), the log
    with django_assert_max_num_queries(8):
        assert _get(client, ticket, "referral").status_code == 200


def test_in_english_the_form_is_in_english(assigned):
    ticket, _, _, client = assigned
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    _, text = pdf_text(_get(client, ticket, "referral").content)
    flat = " ".join(text.split())
    assert "甲县 Deputy Liaison Station: Referral Form for a Citizen's Opinion" in flat
    assert "Handling unit" in flat and "Received by the handling unit (seal)" in flat and "交办" not in flat
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert "Referral form (PDF)" in page and "Print this page" in page


@pytest.mark.django_db(transaction=True)
def test_twenty_prints_at_once_each_log_one_view(assigned):
    """The same form 20 times at once (threads, PostgreSQL): 20 PDFs, 20 access-log rows
    (the one write a print makes), nothing lost or doubled."""
    import threading

    from django.db import connection

    ticket, _, officer, client = assigned
    cookies = client.cookies
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(20)

    def fetch():
        own = Client()
        own.cookies = cookies
        barrier.wait()
        try:
            response = _get(own, ticket, "referral")
            results.append((response.status_code, response.content.startswith(b"%PDF")))
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [(200, True)] * 20
    assert (
        PersonalDataAccess.objects.filter(user=officer, client="ticket_form", ticket_id=ticket.pk).count()
        == 20
    )
