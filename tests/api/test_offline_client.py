"""The example offline client (docs/examples/offline_client.py) end to end against a live
server: three visits captured without signal, synced when online, a conflict with an edit
made on the server meanwhile resolved, and the visits counted in the station's figures."""

from __future__ import annotations

import importlib.util
import io
import socket
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token

from accounts.models import Role
from liaison.models import SyncHorizon
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from suggestions.models import Ticket
from tests.api.test_reception_writes import _page_post
from tests.factories import CategoryFactory, DeputyFactory, StationFactory, UserFactory, make_region_tree
from visits.models import ReceptionAttachment, ReceptionSession

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "offline_client.py"


def load_example():
    spec = importlib.util.spec_from_file_location("offline_client", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def citizen_row(deputy: str, village: int, category: int, name: str, content: str) -> dict:
    return {
        "citizen_name": name,
        "citizen_phone": "13912345678",
        "citizen_address": "三组12号",
        "village": village,
        "category": category,
        "content": content,
        "received_by_deputy": deputy,
        "on_the_spot_action": "代表当场记录",
        "consent_to_share": True,
    }


@pytest.mark.django_db(transaction=True)
def test_three_visits_captured_offline_sync_resolve_a_conflict_and_count(
    live_server, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    oc = load_example()
    tree = make_region_tree()
    station = StationFactory(name="本站", region=tree.townships[0])
    wang = DeputyFactory(name="王建国", home_station=station)
    li = DeputyFactory(name="李秀英", home_station=station)
    category = CategoryFactory(code="roads", name="道路")
    village = tree.villages[0]
    officer = UserFactory(username="officer")
    officer.roles.create(role=Role.LIAISON_OFFICER, station=station)
    head = UserFactory(username="head")
    head.roles.create(role=Role.STATION_HEAD, region=tree.townships[0])
    token = Token.objects.create(user=officer).key
    store = tmp_path / "phone.json"

    # online once, before going out: the reference data the forms need
    phone = oc.OfflineClient(oc.Api(live_server.url, token, attempts=2, backoff=0), store)
    phone.pull("deputies")
    phone.pull("categories")
    deputies = {r["name"]: r["id"] for r in phone.store["feeds"]["deputies"]["records"].values()}
    assert deputies == {"王建国": str(wang.pk), "李秀英": str(li.pk)}
    assert str(category.pk) in {str(k) for k in phone.store["feeds"]["categories"]["records"]}

    # in the village, no signal: three visits, one left as a draft to finish later, a photo
    nowhere = oc.OfflineClient(
        oc.Api(f"http://127.0.0.1:{unused_port()}", token, attempts=2, backoff=0), store
    )
    at = {"station": str(station.pk), "deputies": [deputies["王建国"], deputies["李秀英"]]}

    def row(name: str, content: str, who: str = "王建国") -> dict:
        return citizen_row(deputies[who], village.pk, category.pk, name, content)

    v1 = nowhere.capture_visit(
        **at, starts_at="2024-05-08T09:00:00+08:00", citizens_received=2, rows=[row("赵大爷", "路灯不亮")]
    )
    v2 = nowhere.capture_visit(
        **at,
        starts_at="2024-05-10T09:00:00+08:00",
        ends_at="2024-05-10T11:30:00+08:00",
        theme="入户走访",
        notes="走访三户群众",
        citizens_received=3,
        guests=[{"role": "official", "name": "孙局长", "title": "县交通运输局局长"}],
        status="draft",
        rows=[
            row("张三丰", "村东头道路坑洼，雨天无法通行"),
            row("刘翠花", "自来水水压不足", "李秀英"),
        ],
    )
    v3 = nowhere.capture_visit(
        **at,
        starts_at="2024-05-12T15:00:00+08:00",
        citizens_received=4,
        rows=[row("钱二嫂", "垃圾清运不及时"), row("孙小妹", "校车路线太远", "李秀英")],
    )
    photo = tmp_path / "合影.png"
    Image.new("RGB", (640, 480), (10, 120, 60)).save(photo, "PNG")
    nowhere.attach_photo(v1, photo)
    with pytest.raises(oc.Offline):
        nowhere.sync()
    assert not ReceptionSession.objects.exists()

    # back online (the queue is read from the phone's file again)
    phone = oc.OfflineClient(oc.Api(live_server.url, token, attempts=2, backoff=0), store)
    assert sorted(phone.store["visits"]) == sorted([v1, v2, v3])
    report = phone.sync()
    assert (report["created"], report["uploaded"], report["refused"]) == (3, 1, [])
    assert ReceptionSession.objects.filter(status="done").count() == 2
    assert ReceptionAttachment.objects.get().session_id == ReceptionSession.objects.get(pk=v1).pk
    assert sorted(phone.store["feeds"]["receptions"]["records"]) == sorted([v1, v2, v3])
    assert phone.sync() == {**report, "created": 0, "uploaded": 0}  # nothing left to send

    # offline again the officer finishes the draft: one more opinion, a note ...
    phone.add_row(v2, **row("周大山", "村口桥梁有裂缝"))
    phone.edit_visit(v2, status="done", notes="走访三户群众；周大山反映桥梁问题")
    # ... while the station head corrects the same draft on the page
    client.force_login(head)
    page = client.get(reverse("visits:edit", args=[v2])).content.decode()
    assert "张三丰" in page and "自来水水压不足" in page  # the draft the phone sent, on the page
    draft = _page_post(station, [wang, li], village, category, kind="door_to_door")
    draft.update(citizens_received="5", theme="入户走访（站长补记）", save_draft="1")
    del draft["finish"]
    response = client.post(reverse("visits:edit", args=[v2]), draft)
    assert response.status_code == 302, response.content.decode()[:1000]
    assert ReceptionSession.objects.get(pk=v2).version == 2

    report = phone.sync()
    assert (report["conflicts"], report["updated"], report["refused"]) == (1, 1, [])
    merged = ReceptionSession.objects.get(pk=v2)
    assert (merged.status, merged.version) == ("done", 3)
    assert merged.citizens_received == 5 and merged.theme == "入户走访（站长补记）"  # the head's
    assert merged.notes == "走访三户群众；周大山反映桥梁问题"  # the officer's
    assert sorted(Ticket.objects.filter(reception=merged).values_list("citizen_name", flat=True)) == [
        "刘翠花",
        "周大山",
        "张三丰",
    ]

    # the three visits count in the station's figures (door-to-door: no station entries)
    rollups_refresh(full=True)
    got = figures(scope=Scope(station=station), period=Period.month(2024, 5))
    assert (got.sessions, got.citizens_received, got.collected, got.entries) == (3, 11, 6, 0)

    # the server pruned deletions past the phone's cursor: 410, and the feed starts over
    SyncHorizon.objects.create(resource="receptions", pruned_txid=2**62)
    phone.store["feeds"]["receptions"]["records"].pop(v1)
    assert phone.pull("receptions") == 3
    assert sorted(phone.store["feeds"]["receptions"]["records"]) == sorted([v1, v2, v3])
    assert phone.store["feeds"]["receptions"]["records"][v2]["status"] == "done"


def test_the_merge_keeps_both_sides_changes():
    oc = load_example()
    base = {"notes": "a", "citizens_received": 1, "deputies": ["d1"], "rows": [{"id": "r1", "content": "x"}]}
    mine = {
        **base,
        "notes": "mine",
        "deputies": ["d1", "d2"],
        "rows": [*base["rows"], {"id": "r2", "content": "y"}],
    }
    theirs = {**base, "citizens_received": 5, "deputies": [], "rows": [{"id": "r1", "content": "x!"}]}
    merged = oc.merge(base, mine, theirs)
    assert merged["notes"] == "mine" and merged["citizens_received"] == 5
    assert merged["deputies"] == ["d2"]  # d1 removed on the server, d2 added on the phone
    assert merged["rows"] == [{"id": "r1", "content": "x!"}, {"id": "r2", "content": "y"}]
    both = oc.merge(base, {**base, "notes": "mine"}, {**base, "notes": "theirs"})
    assert both["notes"] == "mine"  # changed on both sides: the phone's edit wins


def test_uploading_a_photo_sends_its_name_and_bytes(tmp_path):
    """The hand-written multipart body is what a server parses (Django's own parser)."""
    from django.http.multipartparser import MultiPartParser
    from django.test import RequestFactory

    oc = load_example()
    photo = tmp_path / "合影.png"
    Image.new("RGB", (4, 4)).save(photo, "PNG")
    sent = {}

    class Capture(oc.Api):
        def _send(self, method, path, data, headers, params):
            sent.update(data=data, headers=headers)
            return oc.Answer(201, {}, {})

    Capture("http://127.0.0.1:1", "t").upload("receptions/x/attachments/", file=photo, fields={"id": "u-1"})
    request = RequestFactory().post("/", data=sent["data"], content_type=sent["headers"]["Content-Type"])
    post, files = MultiPartParser(request.META, io.BytesIO(sent["data"]), request.upload_handlers).parse()
    assert post["id"] == "u-1"
    assert files["file"].name == "合影.png" and files["file"].read() == photo.read_bytes()
