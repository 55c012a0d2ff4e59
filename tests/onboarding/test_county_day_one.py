"""Done means: from an empty database (migrated only), a county office brings in its whole
roster from the templates, creates its staff accounts, and a liaison officer logs a
reception day that afternoon — all through the pages, never the Django admin.

The one thing before the county office is the system administrator made with
``manage.py createsuperuser``, who imports the region tree and creates the county office's
account on the pages (as the county's staff cannot create their own superior)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role, RoleAssignment, User
from deputies.models import Deputy, DeputyGroup, LeadingCadre, Mandate
from onboarding.models import ImportJob
from stations.models import Region, Station, StationStaff
from suggestions.models import Category, HandlingUnit, Ticket
from tests.onboarding.helpers import fill_template, valid_id
from visits.models import ReceptionSession

pytestmark = pytest.mark.django_db

CITY, COUNTY, TOWN, TOWN2 = "141100000000", "141102000000", "141102001000", "141102002000"
VILLAGE, VILLAGE2 = "141102001001", "141102001002"
NEW_PASSWORD = "Liaison-Day1-9x"

ROSTER = {
    "regions": [
        {"code": CITY, "name": "吕梁市"},
        {"code": COUNTY, "name": "离石区"},
        {"code": TOWN, "name": "城北街道"},
        {"code": TOWN2, "name": "城南街道"},
        {"code": VILLAGE, "name": "龙凤社区"},
        {"code": VILLAGE2, "name": "永宁社区"},
    ],
    "stations": [
        {"code": "LS-CB-01", "name": "城北街道人大代表联络站", "kind": "联络站", "region_code": TOWN},
        {
            "code": "LS-CB-01-1",
            "name": "龙凤社区联络点",
            "kind": "联络点",
            "parent_code": "LS-CB-01",
            "region_code": VILLAGE,
        },
        {"code": "LS-CN-01", "name": "城南街道人大代表联络站", "kind": "联络站", "region_code": TOWN2},
    ],
    "deputies": [
        {
            "code": "LS-0001",
            "id_number": valid_id("14110219800101001"),
            "name": "张晓梅",
            "phone": "13912345678",
            "home_station": "LS-CB-01",
            "group": "城北第一代表小组",
            "level": "县级",
            "term": "第十八届",
            "congress_region": COUNTY,
            "started_on": "2021-10-01",
        },
        {
            "code": "LS-0002",
            "name": "李建国",
            "gender": "男",
            "home_station": "LS-CB-01",
            "group": "城北第一代表小组",
            "level": "乡镇级",
            "term": "18",
            "congress_region": TOWN,
            "started_on": "2021-10-01",
        },
        {
            "code": "LS-0003",
            "name": "王芳",
            "gender": "女",
            "home_station": "LS-CN-01",
            "level": "县级",
            "term": "18",
            "congress_region": COUNTY,
            "started_on": "2021-10-01",
        },
    ],
    "deputy_groups": [{"station": "LS-CB-01", "name": "城北第一代表小组", "leader_code": "LS-0001"}],
    "cadres": [{"name": "王志宏", "title": "离石区人大常委会副主任", "level": "县级", "region_code": COUNTY}],
    "units": [
        {"name": "离石区交通运输局", "kind": "县级部门", "region_code": COUNTY},
        {"name": "城北街道办事处", "kind": "乡镇政府（街道办）", "region_code": TOWN},
    ],
    "station_staff": [
        {"station": "LS-CB-01", "role": "站长", "name": "刘志强", "title": "街道人大工委主任"},
        {"station": "LS-CB-01", "role": "联络员", "name": "陈静", "employment": "专职"},
    ],
    "accounts": [
        {
            "username": "ls_transport",
            "full_name": "王强",
            "role": "承办单位工作人员",
            "unit": "离石区交通运输局",
            "region_code": COUNTY,
        },
        {"username": "zhang_deputy", "full_name": "张晓梅", "role": "人大代表", "deputy": "LS-0001"},
    ],
}


class Browser:
    """A Django test client that remembers every path it asked for."""

    def __init__(self):
        self.client = Client()
        self.paths: list[str] = []

    def get(self, path, data=None, **kw):
        self.paths.append(path)
        return self.client.get(path, data, **kw)

    def post(self, path, data=None, **kw):
        self.paths.append(path)
        return self.client.post(path, data, **kw)

    def sign_in(self, username, password):
        response = self.post(reverse("accounts:login"), {"username": username, "password": password})
        assert response.status_code == 302, response.content.decode()[:500]

    def change_password(self, old):
        # the first sign-in forces a new password before any page
        forced = self.get("/")
        assert forced.status_code == 302 and forced["Location"].startswith(
            reverse("accounts:password_change")
        )
        done = self.post(
            reverse("accounts:password_change"),
            {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert done.status_code == 302

    def import_roster(self, kind, rows):
        template = self.get(reverse("onboarding:template"), {"kind": kind})
        assert template.status_code == 200
        assert "填写说明" in load_workbook(BytesIO(template.content)).sheetnames
        content = fill_template(template.content, rows, kind)
        upload = self.post(
            reverse("onboarding:index"), {"kind": kind, "file": SimpleUploadedFile(f"{kind}.xlsx", content)}
        )
        assert upload.status_code == 302, upload.content.decode()[:2000]
        preview = self.get(upload["Location"])
        job = preview.context["job"]
        assert job.status == ImportJob.Status.PREVIEWED, (kind, job.report["problems"])
        # every row new, but the groups: named by the deputies' file, their leaders come now
        assert job.created_count + job.updated_count == len(rows), (
            kind,
            job.created_count,
            job.updated_count,
        )
        assert "确认导入" in preview.content.decode()
        confirmed = self.post(upload["Location"], follow=True)
        assert confirmed.context["job"].status == ImportJob.Status.APPLIED

    def create_account(self, **form) -> str:
        page = self.post(reverse("accounts:user_create"), form)
        assert page.status_code == 200 and "password" in page.context, page.content.decode()[:2000]
        return page.context["password"]


def test_a_county_goes_live_in_one_day(monkeypatch):
    assert not any(m.objects.exists() for m in (User, Region, Station, Deputy, HandlingUnit, LeadingCadre))

    # the system administrator: made on the server's console, not in the admin
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Sys-Admin-Console-7q")
    call_command("createsuperuser", interactive=False, username="sysadmin", email="admin@example.cn")
    admin = Browser()
    admin.sign_in("sysadmin", "Sys-Admin-Console-7q")
    admin.import_roster("regions", ROSTER["regions"])
    county = Region.objects.get(code=COUNTY)
    password = admin.create_account(
        username="lishi_office", full_name="赵敏", role=Role.COUNTY_STAFF, region=str(county.pk)
    )

    # the county office takes over
    office = Browser()
    office.sign_in("lishi_office", password)
    office.change_password(password)
    for kind in ("stations", "deputies", "deputy_groups", "cadres", "units", "station_staff", "accounts"):
        office.import_roster(kind, ROSTER[kind])
    station = Station.objects.get(name="城北街道人大代表联络站")
    officer_password = office.create_account(
        username="cb_officer", full_name="陈静", role=Role.LIAISON_OFFICER, station=str(station.pk)
    )
    users = office.get(reverse("accounts:users"))
    assert "cb_officer" in users.content.decode() and "ls_transport" in users.content.decode()

    assert (Region.objects.count(), Station.objects.count(), Deputy.objects.count()) == (6, 3, 3)
    assert Mandate.objects.count() == 3 and StationStaff.objects.count() == 2
    assert DeputyGroup.objects.get().leader.name == "张晓梅"
    assert RoleAssignment.objects.filter(
        role=Role.HANDLING_UNIT, handling_unit__name="离石区交通运输局"
    ).exists()

    # that afternoon: the officer logs the reception day
    officer = Browser()
    officer.sign_in("cb_officer", officer_password)
    officer.change_password(officer_password)
    form = officer.get(reverse("visits:create"), {"station": str(station.pk)})  # the station, not its point
    html = form.content.decode()
    assert form.status_code == 200 and "张晓梅" in html, html[html.find("<main") :][:4000]
    # the leading cadres are picked by name (the form carries only the chosen ones)
    picked = officer.get(
        reverse("pick", args=["reception_cadres"]), {"station": str(station.pk), "q": "王志宏"}
    )
    assert [r["label"].split("（")[0] for r in picked.json()["results"]] == ["王志宏"]
    zhang, li = Deputy.objects.get(name="张晓梅"), Deputy.objects.get(name="李建国")
    village = Region.objects.get(code=VILLAGE)
    category = Category.objects.filter(is_active=True).first()
    done = officer.post(
        reverse("visits:create"),
        {
            "client_token": form.context["form"]["client_token"].value(),
            "station": str(station.pk),
            "slot": "",
            "kind": "station_reception",
            "theme": "老旧小区改造",
            "theme_kind": "optional",
            "date": "2026-12-01",
            "start_time": "14:30",
            "end_time": "17:00",
            "deputies": [str(zhang.pk), str(li.pk)],
            "cadres": [str(LeadingCadre.objects.get().pk)],
            "citizens_received": "6",
            "finish": "1",
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "0",
            "rows-MIN_NUM_FORMS": "0",
            "rows-MAX_NUM_FORMS": "200",
            "rows-0-citizen_name": "刘大爷",
            "rows-0-citizen_phone": "13800001111",
            "rows-0-village": str(village.pk),
            "rows-0-category": str(category.pk),
            "rows-0-content": "小区楼道照明损坏",
            "rows-0-receiver": f"deputy:{zhang.pk}",
        },
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    session = ReceptionSession.objects.get()
    assert (session.status, session.station, session.citizens_received) == ("done", station, 6)
    assert session.attendances.count() == 3
    assert Ticket.objects.get().received_by_deputy == zhang

    # nobody went near the Django admin
    assert not [p for b in (admin, office, officer) for p in b.paths if p.startswith("/admin")]
