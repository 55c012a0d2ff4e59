"""The reception page: a whole reception day in one form, tickets from its ledger rows."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Role
from stations.services import station_close
from suggestions.models import Ticket
from tests.factories import ReceptionSessionFactory, StationFactory
from tests.visits.conftest import reception_post
from visits.models import Attendance, ReceptionAttachment, ReceptionSession

pytestmark = pytest.mark.django_db

URL = "/receptions/new/"


def test_the_page_offers_the_station_its_deputies_and_a_fresh_token(day):
    response = day.client.get(reverse("visits:create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "登记接待活动" in html and "王建国" in html and "第一代表小组" in html
    # the cadres are picked by name: the page carries none of them, the picker offers them
    assert "赵书记" not in html
    assert f'data-picker="/pick/reception_cadres/?station={day.station.pk}"' in html
    picked = day.client.get(
        reverse("pick", args=["reception_cadres"]), {"station": day.station.pk, "q": "赵"}
    )
    assert [r["id"] for r in picked.json()["results"]] == [str(day.cadre.pk)]
    assert 'name="client_token"' in html
    # the officer logs at one station: it is chosen already
    assert response.context["form"].initial["station"] == day.station.pk


def test_a_whole_reception_day_is_recorded(day):
    response = day.client.post(URL, reception_post(day))
    session = ReceptionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("visits:detail", args=[session.pk])
    assert (session.status, session.theme_kind, session.citizens_received) == ("done", "mandatory", 12)
    roles = sorted(session.attendances.values_list("role", flat=True))
    assert roles == ["deputy", "deputy", "leading_cadre", "legal_expert", "official"]
    guest = session.attendances.get(role=Attendance.Role.OFFICIAL)
    assert (guest.guest_name, guest.guest_title) == ("孙局长", "县交通运输局局长")
    tickets = Ticket.objects.filter(reception=session).order_by("content")
    assert sorted(t.citizen_name for t in tickets) == ["刘翠花", "张三丰"]
    zhang = tickets.get(citizen_name="张三丰")
    assert (
        zhang.village == day.village
        and zhang.consent_to_share
        and zhang.received_by_deputy == day.deputies[0]
    )
    assert zhang.received_at == session.starts_at and zhang.created_by == day.officer
    assert zhang.station == day.station


def test_bad_input_keeps_everything_typed_with_errors_next_to_the_fields(day):
    data = reception_post(day, date="", citizens_received="-3")
    data["rows-1-content"] = ""  # second row misses its content
    data["rows-1-citizen_phone"] = "call me"
    response = day.client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    form, formset = response.context["form"], response.context["formset"]
    assert "date" in form.errors and "citizens_received" in form.errors
    assert "content" in formset.forms[1].errors and "citizen_phone" in formset.forms[1].errors
    # everything typed comes back: the session fields, both rows, the ticked deputies
    assert "乡村振兴" in html and "群众反映集中在道路和饮水。" in html and "孙局长 县交通运输局局长" in html
    assert "村东头道路坑洼，雨天无法通行" in html and "刘翠花" in html and "call me" in html
    assert html.count("checked") >= 3  # two deputies and the cadre, plus consent
    assert 'value="{}"'.format(data["client_token"]) in html  # the same token: a fixed resubmit is still one
    assert not ReceptionSession.objects.exists() and not Ticket.objects.exists()


def test_a_double_submit_creates_one_session(day):
    data = reception_post(day)
    first = day.client.post(URL, data)
    second = day.client.post(URL, data)
    assert ReceptionSession.objects.count() == 1 and Ticket.objects.count() == 2
    assert first["Location"] == second["Location"]


def test_a_failing_row_saves_nothing(day, monkeypatch, settings, tmp_path):
    """The session and the rows are one transaction: a refusal of the second ticket
    leaves no session, no first ticket and no stored photo behind."""
    settings.MEDIA_ROOT = tmp_path
    from django.core.exceptions import ValidationError

    from visits import services

    real = services.ticket_register
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValidationError("模拟失败")
        return real(**kwargs)

    monkeypatch.setattr(services, "ticket_register", flaky)
    data = reception_post(day)
    data["attachments"] = [SimpleUploadedFile("合影.png", _png(), content_type="image/png")]
    response = day.client.post(URL, data)
    assert response.status_code == 400 and "模拟失败" in response.content.decode()
    assert not ReceptionSession.objects.exists() and not Ticket.objects.exists()
    assert not Attendance.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_draft_then_finish(day):
    data = reception_post(day, save_draft="1")
    del data["finish"]
    response = day.client.post(URL, data)
    session = ReceptionSession.objects.get()
    assert response["Location"] == reverse("visits:edit", args=[session.pk])
    assert session.status == "draft" and len(session.draft_rows) == 2 and not Ticket.objects.exists()

    # the draft page shows the rows again
    html = day.client.get(reverse("visits:edit", args=[session.pk])).content.decode()
    assert "村东头道路坑洼，雨天无法通行" in html and "刘翠花" in html

    finish = reception_post(day, token=str(session.client_token), notes="补充：已现场答复一件。")
    response = day.client.post(reverse("visits:edit", args=[session.pk]), finish)
    session.refresh_from_db()
    assert response["Location"] == reverse("visits:detail", args=[session.pk])
    assert session.status == "done" and session.draft_rows == [] and session.notes == "补充：已现场答复一件。"
    assert Ticket.objects.filter(reception=session).count() == 2
    assert session.attendances.filter(role="deputy").count() == 2  # replaced, not doubled

    # finishing again (a resubmitted form) changes nothing
    response = day.client.post(reverse("visits:edit", args=[session.pk]), finish)
    assert response.status_code == 302 and Ticket.objects.count() == 2


def test_a_closed_station_is_refused(day):
    page = day.client.get(reverse("visits:create"))
    station_close(station=day.station)
    response = day.client.post(URL, reception_post(day))
    assert page.status_code == 200
    assert response.status_code == 400  # no longer among the stations offered
    assert "station" in response.context["form"].errors
    assert not ReceptionSession.objects.exists()


def test_a_station_outside_the_scope_cannot_be_chosen(day):
    other = StationFactory()
    response = day.client.post(URL, reception_post(day, station=str(other.pk)))
    assert response.status_code == 400 and "station" in response.context["form"].errors


def test_a_deputy_of_another_station_is_refused(day):
    from tests.factories import DeputyFactory

    point_deputy = DeputyFactory(name="外站代表")  # another station, not offered
    data = reception_post(day)
    data["deputies"] = [*data["deputies"], str(point_deputy.pk)]
    response = day.client.post(URL, data)
    assert response.status_code == 400 and "deputies" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.HANDLING_UNIT, Role.COUNTY_STAFF])
def test_who_may_not_log_receptions_gets_403(client, user_with_role, role):
    client.force_login(user_with_role(role))
    assert client.get(URL).status_code == 403


def test_the_edit_page_of_someone_elses_station_is_404(day):
    other = ReceptionSessionFactory(status="draft")
    assert day.client.get(reverse("visits:edit", args=[other.pk])).status_code == 404


def _png(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_photos_are_stored_with_a_thumbnail_and_served_only_in_scope(day, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    data = reception_post(day)
    data["attachments"] = [
        SimpleUploadedFile("合影.png", _png(), content_type="image/png"),
        SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n%fake\n", content_type="application/pdf"),
    ]
    response = day.client.post(URL, data)
    assert response.status_code == 302
    photo = ReceptionAttachment.objects.get(content_type="image/png")
    assert photo.thumbnail and photo.original_name == "合影.png"
    with Image.open(photo.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) <= 320
    sheet = ReceptionAttachment.objects.get(content_type="application/pdf")
    assert sheet.kind == "sign_in" and not sheet.thumbnail
    url = reverse("visits:attachments", args=[photo.session_id])
    assert day.client.get(url, {"file": photo.pk, "thumb": 1})["Content-Type"] == "image/jpeg"
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(url, {"file": photo.pk}).status_code == 404


def test_a_disguised_file_is_refused(day, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = reception_post(day)
    data["attachments"] = [
        SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    ]
    response = day.client.post(URL, data)
    assert response.status_code == 400 and "attachments" in response.context["form"].errors
    assert not ReceptionSession.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_the_list_and_detail_pages_show_the_day(day, django_assert_max_num_queries):
    day.client.post(URL, reception_post(day))
    for _ in range(5):
        ReceptionSessionFactory(station=day.station)
    # session, user, roles, count, page, three filter choice lists, my stations, unread notifications
    with django_assert_max_num_queries(10):
        response = day.client.get(reverse("visits:list"))
    assert response.status_code == 200 and "登记接待活动" in response.content.decode()
    session = ReceptionSession.objects.get(theme_kind="mandatory")
    with django_assert_max_num_queries(12):
        html = day.client.get(reverse("visits:detail", args=[session.pk])).content.decode()
    assert "张**" in html and "张三丰" not in html  # masked on the session page
    assert "王建国" in html and "孙局长" in html


def test_the_list_filters_by_deputy(day):
    day.client.post(URL, reception_post(day))
    ReceptionSessionFactory(station=day.station, theme="别的活动")
    html = day.client.get(reverse("visits:list"), {"deputy": day.deputies[0].pk}).content.decode()
    assert "乡村振兴" in html and "别的活动" not in html


def test_someone_over_many_stations_picks_one_first(
    day, client, user_with_role, region_tree, django_assert_max_num_queries
):
    head = user_with_role(Role.STATION_HEAD, region=region_tree.townships[0])
    StationFactory(name="另一联络站", region=region_tree.villages[0])
    client.force_login(head)
    html = client.get(URL).content.decode()
    assert "先选择联络站（点）" in html and "王建国" not in html
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"station": day.station.pk})
    assert "王建国" in response.content.decode()


def test_ledger_rows_cost_no_query_each(day, django_assert_num_queries):
    """Re-rendering a refused form with 2 or with 12 ledger rows takes as many queries."""

    def refused(n):
        row = reception_post(day)["rows-0-citizen_name"]
        rows = [
            {
                "citizen_name": f"{row}{i}",
                "category": str(day.categories[0].pk),
                "content": "",
                "receiver": "",
            }
            for i in range(n)
        ]
        return reception_post(day, rows=rows)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        assert day.client.post(URL, refused(2)).status_code == 400
    with django_assert_num_queries(len(two.captured_queries)):
        assert day.client.post(URL, refused(12)).status_code == 400
