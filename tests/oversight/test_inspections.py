"""Inspection pages for county/city staff: a visit recorded with its checklist (a problem
needs a finding; bad input refused in Chinese, nothing half-saved), the detail and its
photo, the follow-up of problems (done / overdue / open), scoping, fixed query counts and
one visit for twenty identical submissions."""

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from oversight import inspections
from oversight.models import ChecklistItem, Inspection, InspectionFinding
from tests.api.concurrency import at_once
from tests.factories import UserFactory
from tests.oversight.world import build_world


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def county_staff(world, user_with_role):
    return user_with_role(Role.COUNTY_STAFF, region=world.county_a)


def form_data(station, **over):
    today = timezone.localdate()
    data = {
        "station": str(station.pk),
        "visited_on": today.isoformat(),
        "inspectors": "张三、李四",
        "notes": "现场查看台账",
        "client_token": str(uuid.uuid4()),
    }
    for item in ChecklistItem.values:
        data[f"{item}_passed"] = "1"
    data |= over
    return data


def test_staff_record_an_inspection_with_a_problem_and_its_photo(
    client, world, county_staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(county_staff)
    deadline = timezone.localdate() + dt.timedelta(days=30)
    data = form_data(
        world.station_a,
        ledger_in_place_passed="0",
        ledger_in_place_finding="登记簿缺少答复记录",
        ledger_in_place_fix_by=deadline.isoformat(),
        ledger_in_place_photo=SimpleUploadedFile("台账.png", png(), content_type="image/png"),
    )
    response = client.post(reverse("oversight:inspection_new", args=[world.county_a.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = Inspection.objects.get(station=world.station_a)
    assert inspection.recorded_by == county_staff and inspection.inspectors == "张三、李四"
    findings = {f.item: f for f in inspection.findings.all()}
    assert len(findings) == len(ChecklistItem.values)
    problem = findings["ledger_in_place"]
    assert not problem.passed and problem.fix_by == deadline and problem.photo
    assert all(f.passed for k, f in findings.items() if k != "ledger_in_place")

    page = client.get(response["Location"]).content.decode()
    assert "登记簿缺少答复记录" in page and 'data-state="open"' in page
    photo = client.get(f"{reverse('oversight:inspection_photo', args=[world.county_a.pk])}?f={problem.pk}")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"

    # a retried submission (same token) records nothing more
    data.pop("ledger_in_place_photo")
    client.post(reverse("oversight:inspection_new", args=[world.county_a.pk]), data)
    assert Inspection.objects.count() == 1


def test_a_problem_without_a_finding_is_refused_and_nothing_saved(client, world, county_staff):
    client.force_login(county_staff)
    data = form_data(world.station_a, venue_passed="0", venue_finding="")
    response = client.post(reverse("oversight:inspection_new", args=[world.county_a.pk]), data)
    assert response.status_code == 400
    assert "“有场地”不达标，请填写检查发现的问题" in response.content.decode()
    future = form_data(world.station_a, visited_on=(timezone.localdate() + dt.timedelta(days=2)).isoformat())
    response = client.post(reverse("oversight:inspection_new", args=[world.county_a.pk]), future)
    assert response.status_code == 400 and "检查日期不能晚于今天" in response.content.decode()
    not_a_photo = form_data(
        world.station_a, venue_photo=SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    )
    response = client.post(reverse("oversight:inspection_new", args=[world.county_a.pk]), not_a_photo)
    assert response.status_code == 400 and "不是可接受的类型" in response.content.decode()
    assert not Inspection.objects.exists() and not InspectionFinding.objects.exists()


def test_a_station_outside_the_region_cannot_be_chosen(client, world, county_staff):
    client.force_login(county_staff)
    response = client.post(
        reverse("oversight:inspection_new", args=[world.county_a.pk]), form_data(world.station_b)
    )
    assert response.status_code == 400
    assert not Inspection.objects.exists()
    # and another county's page is not theirs
    assert client.get(reverse("oversight:inspections", args=[world.county_b.pk])).status_code == 404


def record(world, *, visited_on, fix_by, actor=None):
    findings = [
        inspections.FindingInput(
            item=v, passed=v != "venue", finding="" if v != "venue" else "场地被占用", fix_by=fix_by
        )
        for v in ChecklistItem.values
    ]
    return inspections.inspection_record(
        station=world.station_a, visited_on=visited_on, inspectors="王五", findings=findings, actor=actor
    )


def test_follow_up_done_overdue_and_open(client, world, county_staff):
    today = timezone.localdate()
    late = record(world, visited_on=today - dt.timedelta(days=40), fix_by=today - dt.timedelta(days=10))
    running = record(world, visited_on=today - dt.timedelta(days=5), fix_by=today + dt.timedelta(days=10))
    done = record(world, visited_on=today - dt.timedelta(days=20), fix_by=today - dt.timedelta(days=1))
    client.force_login(county_staff)
    problem = done.findings.get(passed=False)
    fix = reverse("oversight:inspection_fix", args=[world.county_a.pk])
    # no note: refused, nothing recorded
    client.post(fix, {"i": done.pk, "finding": problem.pk, "fixed_on": today.isoformat(), "note": ""})
    problem.refresh_from_db()
    assert problem.fixed_on is None
    response = client.post(
        fix, {"i": done.pk, "finding": problem.pk, "fixed_on": today.isoformat(), "note": "已清理场地"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.fixed_on == today and problem.fixed_by == county_staff

    assert inspections.problem_counts(region=world.county_a) == {"done": 1, "overdue": 1, "open": 1}
    url = reverse("oversight:problems", args=[world.county_a.pk])
    for state, inspection in (("overdue", late), ("open", running), ("done", done)):
        page = client.get(f"{url}?state={state}").content.decode()
        assert f'?i={inspection.pk}"' in page
        others = {late.pk, running.pk, done.pk} - {inspection.pk}
        assert not any(f'?i={pk}"' in page for pk in others)
    listing = client.get(reverse("oversight:inspections", args=[world.county_a.pk])).content.decode()
    assert 'data-count="overdue">1<' in listing and 'data-count="done">1<' in listing


def test_list_pages_cost_a_fixed_number_of_queries(
    client, world, county_staff, django_assert_max_num_queries
):
    today = timezone.localdate()
    client.force_login(county_staff)
    urls = [
        reverse("oversight:inspections", args=[world.county_a.pk]),
        reverse("oversight:problems", args=[world.county_a.pk]),
    ]
    record(world, visited_on=today, fix_by=today)
    counts = []
    for url in urls:
        with django_assert_max_num_queries(20) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    for _ in range(8):
        record(world, visited_on=today, fix_by=today)
    for url, before in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(before):
            assert client.get(url).status_code == 200


def test_paging_walks_every_inspection_sharing_one_date(client, world, county_staff):
    today = timezone.localdate()
    made = {record(world, visited_on=today, fix_by=today).pk for _ in range(23)}
    client.force_login(county_staff)
    url = reverse("oversight:inspections", args=[world.county_a.pk])
    seen: list[int] = []
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [i.pk for i in page]
        url = (
            f"{reverse('oversight:inspections', args=[world.county_a.pk])}?cursor={page.next_cursor}"
            if page.has_next
            else None
        )
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_submissions_record_one_visit():
    world = build_world()
    user = UserFactory()
    token = uuid.uuid4()
    findings = [inspections.FindingInput(item=v, passed=True) for v in ChecklistItem.values]

    def submit(_):
        return inspections.inspection_record(
            station=world.station_a,
            visited_on=timezone.localdate(),
            inspectors="王五",
            findings=findings,
            actor=user,
            client_token=token,
        ).pk

    assert len(set(at_once(20, submit))) == 1
    assert Inspection.objects.count() == 1
    assert InspectionFinding.objects.count() == len(ChecklistItem.values)
    assert Inspection.pgh_event_model.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_fixes_at_once_record_one():
    world = build_world()
    user = UserFactory()
    today = timezone.localdate()
    inspection = record(world, visited_on=today, fix_by=today)
    problem = inspection.findings.get(passed=False)
    at_once(
        20,
        lambda _: (
            inspections.finding_fix(
                finding_id=problem.pk, region=world.city, fixed_on=today, note="已整改", actor=user
            ).pk
        ),
    )
    Event = InspectionFinding.pgh_event_model
    assert Event.objects.filter(pgh_obj_id=problem.pk, fixed_on=today).count() == 1
