"""The oversight pages: a deputy's own entries wait for staff, staff confirm; the pages
cost a fixed number of queries; the PDF prints; the English page has no Chinese labels."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from oversight import selectors, services
from oversight.models import FileEntry, Grade
from tests.oversight.world import YEAR, build_world


def png() -> bytes:
    import io

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


def file_url(deputy, name="oversight:file"):
    return f"{reverse(name, args=[deputy.pk])}?year={YEAR}"


def test_a_deputys_entry_waits_for_staff_then_counts(
    client, world, county_staff, user_with_role, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    deputy_user = user_with_role(Role.DEPUTY, deputy=world.d4)
    client.force_login(deputy_user)
    token = str(uuid.uuid4())
    data = {
        "kind": "report_to_voters",
        "occurred_on": f"{YEAR}-11-02",
        "title": "向选区选民述职",
        "source": "述职会签到表",
        "client_token": token,
        "year": YEAR,
        "evidence": SimpleUploadedFile("签到表.png", png(), content_type="image/png"),
    }
    assert client.post(reverse("oversight:entry_add", args=[world.d4.pk]), data).status_code == 302
    data.pop("evidence")
    client.post(reverse("oversight:entry_add", args=[world.d4.pk]), data)  # a retried submission
    entry = FileEntry.objects.get(deputy=world.d4)
    assert entry.status == FileEntry.Status.PENDING and entry.evidence
    # the deputy may not confirm their own entry
    assert (
        client.post(reverse("oversight:entry_review", args=[world.d4.pk]), {"entry": entry.pk}).status_code
        == 403
    )
    assert (
        client.get(f"{reverse('oversight:evidence', args=[world.d4.pk])}?entry={entry.pk}").status_code == 200
    )

    client.force_login(county_staff)
    response = client.post(
        reverse("oversight:entry_review", args=[world.d4.pk]),
        {"entry": entry.pk, "decision": "confirm", "year": YEAR},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == FileEntry.Status.CONFIRMED and entry.reviewed_by == county_staff
    page = client.get(file_url(world.d4)).content.decode()
    assert 'data-figure="station_entries">1<' in page


def test_bad_entry_input_is_refused_in_chinese_and_nothing_saved(client, world, county_staff):
    client.force_login(county_staff)
    response = client.post(
        reverse("oversight:entry_add", args=[world.d1.pk]),
        {"kind": "training", "occurred_on": f"{YEAR - 3}-01-01", "title": "", "source": "x", "year": YEAR},
    )
    assert response.status_code == 400
    assert f"日期应在{YEAR}年内" in response.content.decode()
    assert not FileEntry.objects.filter(deputy=world.d1, occurred_on__year=YEAR - 3).exists()


def test_declining_needs_a_reason(client, world, county_staff):
    entry = FileEntry.objects.get(deputy=world.d1, status=FileEntry.Status.PENDING)
    client.force_login(county_staff)
    response = client.post(
        reverse("oversight:entry_review", args=[world.d1.pk]),
        {"entry": entry.pk, "decision": "reject"},
        follow=True,
    )
    assert "不予采纳时请填写理由" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == FileEntry.Status.PENDING


def test_file_page_queries_do_not_grow_with_entries(
    client, world, county_staff, django_assert_max_num_queries
):
    client.force_login(county_staff)
    client.get(file_url(world.d1))
    with django_assert_max_num_queries(14):
        assert client.get(file_url(world.d1)).status_code == 200
    for i in range(10):
        FileEntry.objects.create(
            deputy=world.d1,
            kind="training",
            occurred_on=f"{YEAR}-02-{i + 1:02d}",
            title="t",
            source="s",
            status="confirmed",
        )
    with django_assert_max_num_queries(14):
        assert client.get(file_url(world.d1)).status_code == 200


def test_the_printed_file(client, world, county_staff):
    client.force_login(county_staff)
    response = client.get(file_url(world.d1, "oversight:file_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_evaluation_page_ranks_flags_and_overrides(
    client, world, county_staff, django_assert_max_num_queries
):
    client.force_login(county_staff)
    url = f"{reverse('oversight:evaluation', args=[world.county_a.pk])}?year={YEAR}"
    client.post(reverse("oversight:evaluation_run", args=[world.county_a.pk]), {"year": YEAR})
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    ranking = page[page.index('id="results-table"') :]
    assert ranking.index("代表一") < ranking.index("代表四")
    assert "79.44" in page and "25.00" in page
    assert 'id="flagged"' in page
    result = selectors.evaluation_run_for(region=world.county_a, year=YEAR).results.get(deputy=world.d4)
    override = reverse("oversight:evaluation_override", args=[world.county_a.pk])
    client.post(override, {"year": YEAR, "result": result.pk, "grade": Grade.BASIC, "reason": ""})
    result.refresh_from_db()
    assert result.grade == Grade.INCOMPETENT  # no reason: refused
    client.post(override, {"year": YEAR, "result": result.pk, "grade": Grade.BASIC, "reason": "病假"})
    result.refresh_from_db()
    assert result.grade == Grade.BASIC and result.overridden_by == county_staff
    client.post(reverse("oversight:evaluation_close", args=[world.county_a.pk]), {"year": YEAR})
    page = client.get(url + "&check=1").content.decode()
    assert 'id="reproducible"' in page and "全部得分、等次与存档一致" in page


@pytest.mark.parametrize(
    "name",
    [
        "file",
        "evaluation",
        "index",
        "ratings",
        "circulars",
        "units",
        "inspections",
        "inspection_new",
        "problems",
        "snapshots",
    ],
)
def test_english_pages_have_no_chinese_labels(client, world, county_staff, name):
    client.force_login(county_staff)
    services.evaluation_run(region=world.county_a, year=YEAR, actor=county_staff)
    url = {
        "file": file_url(world.d1),
        "evaluation": f"{reverse('oversight:evaluation', args=[world.county_a.pk])}?year={YEAR}",
        "index": reverse("oversight:index"),
        "ratings": f"{reverse('oversight:ratings', args=[world.county_a.pk])}?year={YEAR}",
        "circulars": reverse("oversight:circulars", args=[world.county_a.pk]),
        "units": f"{reverse('oversight:units', args=[world.county_a.pk])}?year={YEAR}",
        "inspections": reverse("oversight:inspections", args=[world.county_a.pk]),
        "inspection_new": reverse("oversight:inspection_new", args=[world.county_a.pk]),
        "problems": reverse("oversight:problems", args=[world.county_a.pk]),
        "snapshots": f"{reverse('oversight:snapshots', args=[world.county_a.pk])}?year={YEAR}&on={YEAR}-12-31",
    }[name]
    client.cookies["django_language"] = "en"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    main = html[html.index('<main id="main"') : html.index("</main>")]
    main = re.sub(r"<[^>]+>", " ", main)
    # data (names of people, stations, regions, the scheme, entries) may be Chinese; labels not
    data = {
        "代表一",
        "代表四",
        "甲镇站",
        "丙站",
        "乙镇站",
        "甲县",
        "吕梁市",
        "吕梁市代表履职考核办法",
        "会议通知",
        "代表二",
        "代表三",
    }
    for entry in FileEntry.objects.all():
        data.add(entry.title)
    leftovers = [w for w in re.findall(r"[\u4e00-\u9fff]+", main) if w not in data]
    assert not leftovers, leftovers
