"""Photos and scans over the API, for receptions and for tickets: sniffed and size-limited
as on the reception page, idempotent by the client's UUID, uploaded only by those who keep
the station's books, downloaded only through the scoped routes."""

from __future__ import annotations

import io
import uuid
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from accounts.models import Role
from suggestions.models import Attachment, TimelineEvent
from tests.api.conftest import api_client_for
from tests.api.test_reception_writes import _at_once, token_client
from tests.factories import ReceptionSessionFactory, TicketFactory, UserFactory
from visits.models import ReceptionAttachment

pytestmark = pytest.mark.django_db


def png(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n%scan of a sign-in sheet\n"


@pytest.fixture
def files_world(api_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = api_world
    w["media"] = tmp_path
    w["reception"] = ReceptionSessionFactory(station=w["station"], theme="走访", kind="door_to_door")
    w["their_reception"] = ReceptionSessionFactory(station=w["other"], theme="他站走访")
    w["ticket"] = TicketFactory(station=w["station"], category=w["category"])
    w["their_ticket"] = TicketFactory(station=w["other"], category=w["category"])
    return w


def stored_files(w) -> list:
    return sorted(p for p in w["media"].rglob("*") if p.is_file())


def upload(client, url, content=None, *, name="合影.png", uid=None):
    data = {"file": SimpleUploadedFile(name, png() if content is None else content)}
    if uid is not None:
        data["id"] = str(uid)
    return client.post(url, data, format="multipart")


def reception_url(reception) -> str:
    return f"/api/v1/receptions/{reception.pk}/attachments/"


def ticket_url(ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/attachments/"


def test_a_photo_is_stored_with_a_thumbnail_and_downloaded_through_the_api(files_world):
    w, uid = files_world, uuid.uuid4()
    response = upload(w["officer_api"], reception_url(w["reception"]), uid=uid)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == str(uid) and body["kind"] == "photo" and body["content_type"] == "image/png"
    assert body["original_name"] == "合影.png" and body["thumbnail"].endswith("?thumb=1")
    stored = ReceptionAttachment.objects.get()
    assert stored.session == w["reception"] and stored.uploaded_by == w["officer"]
    assert "合影" not in stored.file.name  # never the uploader's name in the path

    listed = w["officer_api"].get(reception_url(w["reception"])).json()
    assert [a["id"] for a in listed] == [str(uid)]
    file = w["officer_api"].get(body["download"])
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    assert b"".join(file.streaming_content) == png()
    thumb = w["officer_api"].get(body["thumbnail"])
    assert thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert max(image.size) <= 320
    assert w["officer_api"].get(body["download"], {"thumb": "yes"}).status_code == 400

    scan = upload(w["officer_api"], reception_url(w["reception"]), PDF, name="签到表.pdf")
    assert scan.status_code == 201 and scan.json()["kind"] == "sign_in" and scan.json()["thumbnail"] is None


def test_a_retried_upload_stores_nothing_twice(files_world):
    w, uid = files_world, uuid.uuid4()
    first = upload(w["officer_api"], reception_url(w["reception"]), uid=uid)
    files = stored_files(w)
    again = upload(w["officer_api"], reception_url(w["reception"]), uid=uid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert ReceptionAttachment.objects.count() == 1 and stored_files(w) == files and len(files) == 2
    # the same UUID for another file, or for another reception: refused
    other = upload(w["officer_api"], reception_url(w["reception"]), PDF, name="x.pdf", uid=uid)
    assert other.status_code == 422 and "id" in other.json()
    elsewhere = ReceptionSessionFactory(station=w["station"])
    assert upload(w["officer_api"], reception_url(elsewhere), uid=uid).status_code == 422
    assert ReceptionAttachment.objects.count() == 1 and stored_files(w) == files


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00 not an image", "photo.jpg"),
        (b"GIF89a" + b"\x00" * 20, "动图.gif"),
        (b"", "empty.png"),
        (b"%PDF" + b"\x00" * (10 * 1024 * 1024), "too-big.pdf"),
    ],
)
def test_a_disguised_empty_or_oversized_file_is_refused(files_world, content, name):
    w = files_world
    for url in (reception_url(w["reception"]), ticket_url(w["ticket"])):
        response = upload(w["officer_api"], url, content, name=name)
        assert response.status_code == 400 and "file" in response.json(), response.content
    assert not ReceptionAttachment.objects.exists() and not Attachment.objects.exists()
    assert not stored_files(w)


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.COUNTY_STAFF])
def test_who_only_sees_the_station_reads_but_does_not_upload(files_world, role):
    w = files_world
    user = UserFactory()
    if role == Role.DEPUTY:
        from tests.factories import DeputyFactory

        deputy = DeputyFactory(home_station=w["station"])
        user.roles.create(role=role, deputy=deputy)
        # a deputy sees the station's receptions and the tickets they received themselves
        w["ticket"].received_by_deputy = deputy
        w["ticket"].save(update_fields=["received_by_deputy"])
    else:
        user.roles.create(role=role, region=w["tree"].counties[0])
    client = api_client_for(user)
    for url in (reception_url(w["reception"]), ticket_url(w["ticket"])):
        assert client.get(url).status_code == 200
        assert upload(client, url).status_code == 403
    assert not stored_files(w)


def test_another_scope_gets_404_for_the_list_the_upload_and_the_file(files_world):
    w = files_world
    mine = upload(w["officer_api"], reception_url(w["reception"])).json()
    theirs_officer = UserFactory()
    theirs_officer.roles.create(role=Role.LIAISON_OFFICER, station=w["other"])
    client = api_client_for(theirs_officer)
    for response in (
        client.get(reception_url(w["reception"])),
        upload(client, reception_url(w["reception"])),
        client.get(mine["download"]),
        client.get(ticket_url(w["ticket"])),
        upload(client, ticket_url(w["ticket"])),
    ):
        assert response.status_code == 404
        assert mine["id"] not in response.content.decode()
    # an attachment asked for under another reception's address is not found either
    theirs = upload(client, reception_url(w["their_reception"])).json()
    crossed = f"{reception_url(w['reception'])}{theirs['id']}/"
    assert w["officer_api"].get(crossed).status_code == 404
    assert w["admin_api"].get(crossed).status_code == 404
    assert ReceptionAttachment.objects.count() == 2


def test_a_ticket_gets_its_file_as_a_step_of_its_timeline(files_world, client):
    w, uid = files_world, uuid.uuid4()
    response = upload(w["officer_api"], ticket_url(w["ticket"]), PDF, name="群众来信.pdf", uid=uid)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["client_id"] == str(uid)
        and body["action"] == "attach"
        and body["content_type"] == "application/pdf"
    )
    event = TimelineEvent.objects.get(ticket=w["ticket"], action="attach")
    assert event.actor == w["officer"] and event.to_status == w["ticket"].status
    assert (
        w["officer_api"].get(f"/api/v1/tickets/{w['ticket'].pk}/").json()["version"] == 1
    )  # the ticket is as it was

    again = upload(w["officer_api"], ticket_url(w["ticket"]), PDF, name="群众来信.pdf", uid=uid)
    assert again.status_code == 200 and again.json() == body
    assert Attachment.objects.count() == 1 and TimelineEvent.objects.filter(action="attach").count() == 1
    assert len(stored_files(w)) == 1

    listed = w["officer_api"].get(ticket_url(w["ticket"])).json()
    assert [a["id"] for a in listed] == [body["id"]]
    file = w["officer_api"].get(body["download"])
    assert file["Content-Type"] == "application/pdf" and b"".join(file.streaming_content) == PDF
    # the ticket page shows the step and its scoped download serves the same file
    client.force_login(w["officer"])
    assert "补充附件" in client.get(f"/tickets/{w['ticket'].pk}/").content.decode()
    page = client.get(f"/tickets/{w['ticket'].pk}/attachment/", {"file": body["id"]})
    assert b"".join(page.streaming_content) == PDF
    # another ticket's attachment id under this ticket's address: not found
    theirs = upload(w["admin_api"], ticket_url(w["their_ticket"]), PDF).json()
    assert w["officer_api"].get(f"{ticket_url(w['ticket'])}{theirs['id']}/").status_code == 404
    assert w["officer_api"].get(theirs["download"]).status_code == 404


# --- at the same moment, twenty times ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target", ["reception", "ticket"])
def test_the_same_upload_twenty_times_at_once_is_stored_once(files_world, target):
    w, uid = files_world, uuid.uuid4()
    url = reception_url(w["reception"]) if target == "reception" else ticket_url(w["ticket"])
    responses = _at_once(20, lambda: upload(token_client(w["officer"]), url, uid=uid))
    assert Counter(r.status_code for r in responses) == {201: 1, 200: 19}
    assert len({r.content for r in responses}) == 1
    if target == "reception":
        assert ReceptionAttachment.objects.count() == 1
        assert len(stored_files(w)) == 2  # the photo and its thumbnail: the losers' files are gone
    else:
        assert Attachment.objects.count() == 1 and TimelineEvent.objects.filter(action="attach").count() == 1
        assert len(stored_files(w)) == 1


# --- odd uploads never answer 5xx ------------------------------------------------------------------

ODD_NAMES = st.sampled_from(
    ["a\x00b.png", "../../etc/passwd.png", "照片" * 150 + ".png", "", ".png", "x", "COM1", "a b.PDF"]
)
ODD_CONTENT = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([png((1, 1)), PDF, b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, b"\xff\xd8\xff\xe0broken"]),
)
ODD_IDS = st.one_of(st.none(), st.text(max_size=40), st.uuids().map(str), st.just("0" * 36))


def test_odd_uploads_never_answer_5xx(files_world):
    w = files_world

    @given(
        name=ODD_NAMES,
        content=ODD_CONTENT,
        uid=ODD_IDS,
        target=st.sampled_from(["reception", "ticket"]),
        as_text=st.booleans(),
    )
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(name, content, uid, target, as_text):
        url = reception_url(w["reception"]) if target == "reception" else ticket_url(w["ticket"])
        data = {"file": content.decode("latin-1") if as_text else SimpleUploadedFile(name or "f", content)}
        if uid is not None:
            data["id"] = uid
        response = w["officer_api"].post(url, data, format="multipart")
        assert response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")

    run()


def test_a_malformed_id_is_the_apis_json_404(files_world):
    w = files_world
    for url in (
        "/api/v1/receptions/not-a-uuid/attachments/",
        f"{reception_url(w['reception'])}-1/",
        f"{reception_url(w['reception'])}{uuid.uuid4()}/",
        "/api/v1/tickets/0.5/attachments/",
        f"{ticket_url(w['ticket'])}-5/",
        f"{ticket_url(w['ticket'])}²/",
        f"{ticket_url(w['ticket'])}99999999999999999999/",
    ):
        response = w["officer_api"].get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json"), url
