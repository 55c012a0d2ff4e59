"""Roster import: templates round-trip, every error class at its row and column, scope,
real-world cells, all-or-nothing, the background check of a long file."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import load_workbook

from deputies.models import Deputy, DeputyGroup, LeadingCadre, Mandate
from liaison.models import OutboxMessage
from onboarding import services
from onboarding.models import DeputyKey, ImportJob, StationKey
from stations.models import Region, Station, StationStaff
from suggestions.models import HandlingUnit
from tests.onboarding.helpers import (
    COUNTY,
    OTHER_TOWN,
    TOWN,
    build_world,
    deputy_rows,
    fill_template,
    roster,
    station_rows,
    valid_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def upload(client, kind: str, content: bytes, name: str = "名册.xlsx"):
    return client.post(
        reverse("onboarding:index"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def start(user, kind: str, content: bytes) -> ImportJob:
    return services.import_start(user=user, kind=kind, name="名册.xlsx", content=content)


def imported(user, kind: str, rows: list[dict]) -> ImportJob:
    job = start(user, kind, roster(kind, rows))
    assert job.status == ImportJob.Status.PREVIEWED, job.report
    return services.import_confirm(job=job, user=user)


def problems(job: ImportJob) -> set[tuple[int, str]]:
    return {(p["row"], p["column"]) for p in job.report["problems"]}


ROUND_TRIP = {
    "regions": lambda: [
        {"code": "141102002000", "name": "城南街道"},
        {"code": "141102002001", "name": "城南社区"},
        {"code": "141102001001", "name": "龙凤社区", "parent_code": TOWN, "level": "村（社区）"},
    ],
    "stations": station_rows,
    "deputies": deputy_rows,
    "deputy_groups": lambda: [
        {"station": "LS-CB-01", "name": "城北第三代表小组", "leader_code": "LS-0001"},
        {"station": "LS-CB-01", "name": "城北第二代表小组"},
    ],
    "cadres": lambda: [
        {"name": "王志宏", "title": "离石区人大常委会副主任", "level": "县级", "region_code": COUNTY},
        {
            "name": "刘红",
            "title": "离石区副区长",
            "level": "县级",
            "region_code": COUNTY,
            "phone": "0358-8221234",
        },
    ],
    "units": lambda: [
        {"name": "离石区交通运输局", "kind": "县级部门", "region_code": COUNTY},
        {"name": "城北街道办事处", "kind": "乡镇政府（街道办）", "region_code": TOWN, "is_active": "否"},
    ],
    "station_staff": lambda: [
        {
            "station": "LS-CB-01",
            "role": "站长",
            "name": "刘志强",
            "title": "街道人大工委主任",
            "phone": "13812345678",
        },
        {"station": "LS-CB-01", "role": "联络员", "name": "陈静", "employment": "专职"},
        {"station": "LS-CB-01-1", "role": "联络员", "name": "陈静"},
    ],
    "accounts": lambda: [
        {
            "username": "cb_officer",
            "full_name": "陈静",
            "phone": "13912345678",
            "role": "联络员",
            "station": "LS-CB-01",
        },
        {"username": "cb_head", "full_name": "刘志强", "role": "站长（乡镇人大主席）", "region_code": TOWN},
        {"username": "cb_head", "full_name": "刘志强", "role": "联络员", "station": "LS-CB-01-1"},
        {"username": "zhang_deputy", "full_name": "张晓梅", "role": "人大代表", "deputy": "LS-0001"},
        {
            "username": "ls_transport",
            "full_name": "王强",
            "role": "承办单位工作人员",
            "unit": "离石区交通运输局",
            "region_code": COUNTY,
        },
        {"username": "ls_staff2", "full_name": "赵敏", "role": "县级人大工作人员", "region_code": COUNTY},
    ],
}
PREREQUISITES = {
    "regions": (),
    "stations": (),
    "deputies": ("stations",),
    "deputy_groups": ("stations", "deputies"),
    "cadres": (),
    "units": (),
    "station_staff": ("stations",),
    "accounts": ("stations", "deputies", "units"),
}


@pytest.mark.parametrize("kind", list(ROUND_TRIP))
def test_template_round_trips(client, world, kind):
    """Download the template, fill it, import, import again: nothing changes the second time."""
    for needed in PREREQUISITES[kind]:
        imported(world.staff, needed, ROUND_TRIP[needed]())
    client.force_login(world.staff)
    template = client.get(reverse("onboarding:template"), {"kind": kind})
    assert template.status_code == 200
    book = load_workbook(BytesIO(template.content))
    assert book.sheetnames[0] == "填写说明" and "数据" in book.sheetnames
    assert book["数据"].data_validations.dataValidation
    rows = ROUND_TRIP[kind]()
    content = fill_template(template.content, rows, kind)

    first = upload(client, kind, content)
    assert first.status_code == 302
    job = ImportJob.objects.latest("created_at")
    assert job.status == ImportJob.Status.PREVIEWED, job.report
    assert (job.created_count, job.problem_count) == (len(rows), 0)
    page = client.get(reverse("onboarding:job", args=[job.pk]))
    assert "确认导入" in page.content.decode()
    assert client.post(reverse("onboarding:job", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED

    counts = _counts()
    upload(client, kind, content)
    again = ImportJob.objects.latest("created_at")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, len(rows))
    client.post(reverse("onboarding:job", args=[again.pk]))
    assert _counts() == counts
    # the file is kept and served back to its importer, byte for byte
    kept = client.get(reverse("onboarding:job_file", args=[again.pk]))
    assert b"".join(kept.streaming_content) == content


def _counts():
    from accounts.models import RoleAssignment, User

    return (
        User.objects.count(),
        RoleAssignment.objects.count(),
        StationStaff.objects.count(),
        list(StationStaff.objects.values_list("version", flat=True).order_by("id")),
        Region.objects.count(),
        Station.objects.count(),
        Deputy.objects.count(),
        Mandate.objects.count(),
        DeputyGroup.objects.count(),
        HandlingUnit.objects.count(),
        list(DeputyGroup.objects.values_list("name", "leader__name", "version").order_by("name")),
        list(LeadingCadre.objects.values_list("name", "title", "version").order_by("name")),
        list(Station.objects.values_list("version", flat=True).order_by("id")),
        list(Deputy.objects.values_list("version", flat=True).order_by("id")),
    )


def test_regions_hang_on_the_tree(world):
    imported(world.staff, "regions", ROUND_TRIP["regions"]())
    south = Region.objects.get(code="141102002000")
    village = Region.objects.get(code="141102002001")
    assert Region.objects.get_parent(south) == world.county and Region.objects.get_parent(village) == south
    assert village.level == 4 and south.level == 3
    world.county.refresh_from_db()
    assert world.county.numchild == 2 and sorted(
        c.code for c in Region.objects.get_children(world.county)
    ) == [TOWN, "141102002000"]
    # treebeard still adds children where the importer put them
    added = Region.objects.add_child(
        Region.objects.get(pk=south.pk), create_kwargs={"code": "141102002002", "name": "又一村", "level": 4}
    )
    assert Region.objects.get_parent(added) == south


def test_a_corrected_file_updates_in_place(world):
    imported(world.staff, "stations", station_rows())
    rows = station_rows()
    rows[0]["name"] = "城北街道人大代表之家"
    rows[0]["kind"] = "代表之家"
    job = start(world.staff, "stations", roster("stations", rows))
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    change = job.report["rows"][0]
    assert change["row"] == 3 and change["changes"]["名称"] == [
        "城北街道人大代表联络站",
        "城北街道人大代表之家",
    ]
    services.import_confirm(job=job, user=world.staff)
    station = StationKey.objects.get(code="LS-CB-01").station
    assert (station.name, station.kind, station.version) == ("城北街道人大代表之家", "home", 2)
    assert Station.objects.count() == 2


def test_each_error_class_at_its_row_and_column(world):
    imported(world.staff, "stations", station_rows())
    good = deputy_rows()[2]
    rows = [
        {**good, "name": ""},  # 3: missing required
        {**good, "code": "LS-0003", "home_station": "NOPE"},  # 4: unknown station
        {**good, "code": "LS-0004"},  # 5
        {**good, "code": "LS-0004"},  # 6: duplicate of row 5 (same person, level, term)
        {**good, "code": "LS-0005", "level": "村级"},  # 7: unknown level
        {**good, "code": "LS-0006", "id_number": "141102198001010012"},  # 8: checksum
        {**good, "code": "LS-0007", "phone": "1234"},  # 9: not a phone
        {**good, "code": "LS-0008", "started_on": "2021-13-45"},  # 10: not a date
        {**good, "code": "LS-0009", "constituency": '=HYPERLINK("http://x")'},  # 11: formula
        {**good, "code": "", "id_number": ""},  # 12: no key
    ]
    assert valid_id("14110219800101001")[-1] != "2"
    job = start(world.staff, "deputies", roster("deputies", rows))
    assert job.status == ImportJob.Status.INVALID
    found = {(p["row"], p["column"]): p["message"] for p in job.report["problems"]}
    assert "必填" in found[(3, "姓名")]
    assert "NOPE" in found[(4, "所在联络站编号")]
    assert "第5行重复" in found[(6, "届次")]
    assert "村级" in found[(7, "代表层级")]
    assert "校验位" in found[(8, "身份证号")]
    assert "电话" in found[(9, "联系电话")]
    assert "日期" in found[(10, "任期开始")]
    assert "公式" in found[(11, "选区/选举单位")]
    assert "至少填写一项" in found[(12, "代表编号")]
    assert len(found) == 9  # every bad row, and only those (row 5 is the good original)
    # the page shows each problem with its row and column
    from django.test import Client

    c = Client()
    c.force_login(world.staff)
    html = c.get(reverse("onboarding:job", args=[job.pk])).content.decode()
    assert "身份证号校验位不正确" in html and "确认导入" not in html
    with pytest.raises(services.ImportRefused):
        services.import_confirm(job=job, user=world.staff)
    assert Deputy.objects.count() == 0


def test_out_of_scope_rows_are_refused(world):
    rows = [
        {"code": "XY-01", "name": "新义街道联络站", "kind": "联络站", "region_code": OTHER_TOWN},
        {"code": "LS-01", "name": "城北联络站", "kind": "联络站", "region_code": TOWN},
    ]
    job = start(world.staff, "stations", roster("stations", rows))
    assert problems(job) == {(3, "所在区划代码")}
    assert "管辖范围" in job.report["problems"][0]["message"]
    # regions: a new township under the other county, and a new city, are outside too
    job = start(
        world.staff,
        "regions",
        roster(
            "regions", [{"code": "141181002000", "name": "外县镇"}, {"code": "141200000000", "name": "外市"}]
        ),
    )
    assert problems(job) == {(3, "区划代码"), (4, "区划代码")}
    # the other county's staff cannot update 离石区's station either
    imported(world.staff, "stations", rows[1:])
    job = start(world.other_staff, "stations", roster("stations", rows[1:]))
    assert problems(job) == {(3, "所在区划代码")}
    assert Station.objects.count() == 1


def test_real_world_cells(world):
    """Merged title, blank rows, full-width digits and spaces, apostrophes, dates as
    text and as Excel serial numbers, a header under extra title rows."""
    imported(world.staff, "stations", station_rows())
    from openpyxl import Workbook

    from onboarding.kinds import KINDS

    book = Workbook()
    sheet = book.active
    sheet.append(["离石区人大代表名册"])
    sheet.merge_cells("A1:F1")
    sheet.append(["（2026年1月整理）"])
    columns = KINDS["deputies"].columns
    sheet.append([c.header for c in columns])
    values = {
        "code": "'ＬＳ－００１０",
        "id_number": " " + valid_id("14110219900215002").replace("1", "１") + "　",
        "name": "王　芳",
        "phone": "139 1234 5678",
        "home_station": "LS-CB-01",
        "level": "县级",
        "term": "第十八届",
        "congress_region": "'" + COUNTY,
        "started_on": 44470,  # 2021-10-01 as Excel stores it
        "ended_on": "2026年9月30日",
    }
    sheet.append([])
    sheet.append([values.get(c.field) for c in columns])
    sheet.append([None] * len(columns))
    second = dict(
        values, code="LS-0011", id_number=None, gender="女", name="赵丽", started_on=dt.datetime(2021, 10, 1)
    )
    sheet.append([second.get(c.field) for c in columns])
    out = BytesIO()
    book.save(out)
    job = start(world.staff, "deputies", out.getvalue())
    assert job.status == ImportJob.Status.PREVIEWED, job.report
    assert job.created_count == 2
    services.import_confirm(job=job, user=world.staff)
    key = DeputyKey.objects.select_related("deputy").get(code="LS-0010")
    deputy = key.deputy
    assert (deputy.name, deputy.phone, deputy.gender, deputy.birth_year) == (
        "王 芳",
        "13912345678",
        "F",
        1990,
    )
    mandate = deputy.mandates.get()
    assert (mandate.term, mandate.started_on, mandate.ended_on) == (
        18,
        dt.date(2021, 10, 1),
        dt.date(2026, 9, 30),
    )
    assert mandate.congress_region.code == COUNTY
    assert key.id_number_hash and valid_id("14110219900215002") not in str(DeputyKey.objects.values_list())


def test_confirm_is_all_or_nothing(world, monkeypatch):
    imported(world.staff, "stations", station_rows())
    job = start(world.staff, "deputies", roster("deputies", deputy_rows()))

    def fail(*args, **kwargs):
        raise IntegrityError("simulated failure after the deputies were written")

    monkeypatch.setattr(Mandate.objects, "bulk_create", fail)
    with pytest.raises(services.ImportRefused):
        services.import_confirm(job=job, user=world.staff)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert (Deputy.objects.count(), DeputyKey.objects.count(), DeputyGroup.objects.count()) == (0, 0, 0)
    monkeypatch.undo()
    services.import_confirm(job=job, user=world.staff)
    assert (Deputy.objects.count(), Mandate.objects.count()) == (2, 3)


def test_a_changed_database_is_checked_again_on_confirm(world):
    """A preview checked before someone else imported the parent station: the confirm
    plans again and applies what is true now."""
    imported(world.staff, "stations", station_rows())
    job = start(world.staff, "units", roster("units", ROUND_TRIP["units"]()))
    HandlingUnit.objects.create(name="离石区交通运输局", kind="county_dept", region=world.county)
    job = services.import_confirm(job=job, user=world.staff)
    assert job.status == ImportJob.Status.APPLIED
    assert (job.created_count, job.unchanged_count) == (1, 1)
    assert HandlingUnit.objects.count() == 2


def test_preview_queries_do_not_grow_with_rows(world, django_assert_max_num_queries):
    imported(world.staff, "stations", station_rows())

    def rows(n):
        return [dict(deputy_rows()[2], code=f"LS-{i:04d}", name=f"代表{i}") for i in range(n)]

    with django_assert_max_num_queries(20) as small:
        start(world.staff, "deputies", roster("deputies", rows(5)))
    with django_assert_max_num_queries(20) as large:
        job = start(world.staff, "deputies", roster("deputies", rows(300)))
    assert len(large.captured_queries) == len(small.captured_queries)
    assert job.created_count == 300
    with django_assert_max_num_queries(40):
        services.import_confirm(job=job, user=world.staff)
    assert Deputy.objects.count() == 300
    # the same file again (every row matched, each mandate's congress compared): no more
    with django_assert_max_num_queries(20) as again:
        job = start(world.staff, "deputies", roster("deputies", rows(300)))
    assert job.unchanged_count == 300
    assert len(again.captured_queries) <= len(small.captured_queries) + 2


def test_a_long_file_is_checked_in_the_background(world, monkeypatch):
    imported(world.staff, "stations", station_rows())
    monkeypatch.setattr(services, "SYNC_MAX_ROWS", 2)
    job = start(world.staff, "deputies", roster("deputies", deputy_rows()))
    assert job.status == ImportJob.Status.PENDING
    message = OutboxMessage.objects.get(task_name="onboarding.import_preview")
    assert message.args == [str(job.pk)]
    from django.test import Client

    c = Client()
    c.force_login(world.staff)
    page = c.get(reverse("onboarding:job", args=[job.pk]), {"partial": 1}).content.decode()
    assert "<progress" in page
    job = services.import_preview_run(job_id=job.pk)
    assert (job.status, job.progress, job.created_count) == (ImportJob.Status.PREVIEWED, 100, 3)


def test_pages_are_scoped(client, world, user_with_role):
    from accounts.models import Role

    job = start(world.staff, "units", roster("units", ROUND_TRIP["units"]()))
    client.force_login(world.other_staff)
    assert client.get(reverse("onboarding:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("onboarding:job_file", args=[job.pk])).status_code == 404
    assert client.post(reverse("onboarding:job", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    officer = user_with_role(Role.LIAISON_OFFICER)
    client.force_login(officer)
    assert client.get(reverse("onboarding:index")).status_code == 403
    assert upload(client, "units", roster("units", ROUND_TRIP["units"]())).status_code == 403
    assert ImportJob.objects.count() == 1


def test_upload_errors_are_shown_in_chinese(client, world):
    client.force_login(world.staff)
    response = upload(client, "units", b"not a spreadsheet", name="x.xlsx")
    assert response.status_code == 400
    assert "无法读取该文件" in response.content.decode()
    response = upload(client, "units", b"a,b", name="x.csv")
    assert ".xlsx" in response.content.decode()
    # a sheet without the kind's header row
    job = start(world.staff, "units", roster("stations", station_rows()))
    assert job.status == ImportJob.Status.INVALID and "表头" in job.error
    assert ImportJob.objects.count() == 1


def test_one_serving_head_per_station(world):
    imported(world.staff, "stations", station_rows())
    imported(world.staff, "station_staff", ROUND_TRIP["station_staff"]())
    new_head = {"station": "LS-CB-01", "role": "站长", "name": "周敏"}
    job = start(world.staff, "station_staff", roster("station_staff", [new_head]))
    assert problems(job) == {(3, "职责")} and "刘志强" in job.report["problems"][0]["message"]
    # the same file marking the old head as no longer serving goes through
    handover = [{"station": "LS-CB-01", "role": "站长", "name": "刘志强", "is_active": "否"}, new_head]
    imported(world.staff, "station_staff", handover)
    assert list(StationStaff.objects.filter(role="head", is_active=True).values_list("name", flat=True)) == [
        "周敏"
    ]


def test_accounts_are_granted_only_inside_the_importers_scope(world):
    from accounts.models import Role, RoleAssignment, User

    imported(world.staff, "stations", station_rows())
    outsider = User.objects.create(username="xy_officer", full_name="外县")
    outsider.roles.create(role=Role.COUNTY_STAFF, region=world.other)
    rows = [
        {
            "username": "new_city",
            "full_name": "甲",
            "role": "市级人大工作人员",
            "region_code": "141100000000",
        },  # 3: above
        {
            "username": "new_county",
            "full_name": "乙",
            "role": "县级人大工作人员",
            "region_code": "141181000000",
        },  # 4: other county
        {
            "username": "xy_officer",
            "full_name": "外县",
            "role": "联络员",
            "station": "LS-CB-01",
        },  # 5: another county's account
        {
            "username": "bad_level",
            "full_name": "丙",
            "role": "县级人大工作人员",
            "region_code": TOWN,
        },  # 6: wrong level
        {"username": "ok_officer", "full_name": "丁", "role": "联络员", "station": "LS-CB-01"},  # 7: fine
    ]
    job = start(world.staff, "accounts", roster("accounts", rows))
    assert problems(job) == {(3, "区划代码"), (4, "区划代码"), (5, "用户名"), (6, "区划代码")}
    assert job.created_count == 1
    # the fine row alone goes through; its account has no usable password yet
    imported(world.staff, "accounts", rows[4:])
    user = User.objects.get(username="ok_officer")
    assert not user.has_usable_password()
    assert list(user.roles.values_list("role", flat=True)) == [Role.LIAISON_OFFICER]
    assert not RoleAssignment.objects.filter(user__username__in=["new_city", "new_county"]).exists()


def test_a_long_file_is_confirmed_in_the_background_once(client, world, monkeypatch):
    imported(world.staff, "stations", station_rows())
    job = start(world.staff, "deputies", roster("deputies", deputy_rows()))
    monkeypatch.setattr(services, "SYNC_MAX_ROWS", 2)  # the file counts as long from here on
    client.force_login(world.staff)
    for _ in range(3):  # pressed three times
        assert client.post(reverse("onboarding:job", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CONFIRMING and job.applied_by == world.staff
    assert OutboxMessage.objects.filter(task_name="onboarding.import_confirm").count() == 1
    assert Deputy.objects.count() == 0
    page = client.get(reverse("onboarding:job", args=[job.pk]), {"partial": 1}).content.decode()
    assert "导入中" in page and "<progress" in page
    job = services.import_confirm_run(job_id=job.pk)
    assert job.status == ImportJob.Status.APPLIED
    assert (Deputy.objects.count(), Mandate.objects.count()) == (2, 3)
    from django.apps import apps

    events = apps.get_model("deputies", "DeputyEvent").objects.filter(pgh_label="insert")
    assert {e.pgh_context.metadata["user"] for e in events.select_related("pgh_context")} == {world.staff.pk}
    assert services.import_confirm_run(job_id=job.pk).status == ImportJob.Status.APPLIED  # a redelivery
    assert Mandate.objects.count() == 3


def test_group_leaders_and_cadres_are_checked(world):
    imported(world.staff, "stations", station_rows())
    imported(world.staff, "deputies", deputy_rows())
    job = start(
        world.staff,
        "deputy_groups",
        roster(
            "deputy_groups",
            [
                {"station": "LS-CB-01", "name": "一组", "leader_code": "LS-0002"},  # of the point, not here
                {"station": "LS-CB-01", "name": "二组", "leader_code": "LS-9999"},
                {"station": "LS-CB-01", "name": "二组"},
                {"station": "XX-01", "name": "三组"},
                {"station": "LS-CB-01", "name": "四组", "leader_id_number": valid_id("14110219800101001")},
            ],
        ),
    )
    assert problems(job) == {(3, "组长代表编号"), (4, "组长代表编号"), (5, "小组名称"), (6, "站点编号")}
    assert job.created_count == 1  # 四组, its leader found by ID number
    job = start(
        world.staff,
        "cadres",
        roster(
            "cadres",
            [
                {"name": "甲", "title": "区长", "level": "市级", "region_code": COUNTY},
                {"name": "乙", "title": "市长", "level": "市级", "region_code": "141100000000"},
                {"name": "丙", "title": "县长", "level": "县级", "region_code": "141181000000"},
            ],
        ),
    )
    assert problems(job) == {(3, "所在区划代码"), (4, "所在区划代码"), (5, "所在区划代码")}
    # a leader changed in a corrected file updates the group in place
    imported(world.staff, "deputy_groups", [{"station": "LS-CB-01", "name": "一组"}])
    job = imported(
        world.staff, "deputy_groups", [{"station": "LS-CB-01", "name": "一组", "leader_code": "LS-0001"}]
    )
    assert (job.created_count, job.updated_count) == (0, 1)
    assert DeputyGroup.objects.get(name="一组").leader.name == "张晓梅"


def test_stations_made_before_the_importer_have_codes_and_are_matched(world):
    """Stations of the admin or the demo get codes (the data migration's function), and a
    stations file naming an uncoded station by region and name adopts it, not a copy."""
    from onboarding.codes import assign_station_codes
    from tests.factories import StationFactory

    town = Region.objects.get(code=TOWN)
    old = [StationFactory(region=town, name=f"老站{i}") for i in range(3)]
    unkeyed = StationFactory(region=town, name="城北街道人大代表联络站")
    StationKey.objects.filter(station__in=[*old, unkeyed]).delete()

    job = imported(world.staff, "stations", station_rows()[:1])
    assert (job.created_count, job.updated_count) == (0, 1)
    assert StationKey.objects.get(code="LS-CB-01").station_id == unkeyed.pk
    assert Station.objects.filter(name="城北街道人大代表联络站").count() == 1

    assert assign_station_codes(Station, StationKey) == 3
    assert assign_station_codes(Station, StationKey) == 0
    codes = sorted(StationKey.objects.filter(station__in=old).values_list("code", flat=True))
    assert codes == [f"{TOWN}-001", f"{TOWN}-002", f"{TOWN}-003"]
    rows = [
        {"code": f"{TOWN}-001", "name": old[0].name, "kind": "联络站", "region_code": TOWN},
    ]
    again = start(world.staff, "stations", roster("stations", rows))
    assert again.created_count == 0 and again.problem_count == 0
