"""The two ledgers (登记簿) as Excel and PDF, read back; background exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import PersonalDataAccess, Role
from liaison import outbox
from liaison.models import OutboxMessage
from suggestions.models import Ticket
from tests.factories import (
    DEFAULT_MOMENT,
    CategoryFactory,
    ReceptionSessionFactory,
    TicketFactory,
    UserFactory,
)
from tests.visits.conftest import reception_post
from visits import services
from visits.models import ExportJob, ReceptionSession
from visits.tasks import ledger_export_run_task

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2024-05-01", "date_to": "2024-05-31"}


def _ledger(client, station, **params):
    return client.get(reverse("visits:ledger", args=[station.pk]), {"book": "reception", **PERIOD, **params})


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def logged(day):
    day.client.post("/receptions/new/", reception_post(day))
    # a door-to-door visit with one opinion: in the other book
    visit = ReceptionSessionFactory(
        station=day.station, kind=ReceptionSession.Kind.DOOR_TO_DOOR, theme="走访"
    )
    TicketFactory(station=day.station, reception=visit, citizen_name="走访户", content="走访听到的意见")
    return day


def test_the_reception_book_as_excel(logged):
    response = _ledger(logged.client, logged.station, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _xlsx_rows(response.content)
    assert rows[0][0] == "人大代表接待群众意见建议登记簿"
    assert logged.station.name in rows[1][0] and "2024年05月01日 至 2024年05月31日" in rows[1][0]
    assert rows[2] == [
        "序号",
        "日期",
        "接待代表",
        "群众姓名",
        "联系方式",
        "村（社区）",
        "意见建议内容",
        "处理情况",
        "办理结果",
        "答复情况",
    ]
    body = rows[3:]
    assert [r[0] for r in body] == ["1", "2"]
    zhang = next(r for r in body if r[6] == "村东头道路坑洼，雨天无法通行")
    # the officer of the station is entitled: full data
    assert zhang[1:6] == ["2024-05-10", "王建国", "张三丰", "13912345678", "甲县1镇1村，三组12号"]
    assert zhang[7] == "代表当场记录，承诺一周内答复" and zhang[8] == "已登记" and zhang[9] == "未答复"
    assert "走访听到的意见" not in str(rows)
    # the full view is logged (PIPL), in one insert
    assert PersonalDataAccess.objects.filter(user=logged.officer, client="ledger_export").count() == 2


def test_the_door_to_door_book_as_pdf_like_the_paper_book(logged):
    response = _ledger(logged.client, logged.station, format="pdf", book="door_to_door")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages, text = _pdf_text(response.content)
    assert "人大代表走访群众意见建议登记簿" in text
    assert "走访听到的意见" in text and "走访户" in text
    assert "第 1 页 共 1 页" in text
    assert "村东头道路坑洼" not in text


def test_a_long_pdf_numbers_its_pages(day):
    category = CategoryFactory()
    Ticket.objects.bulk_create(
        [
            Ticket(
                station=day.station,
                category=category,
                citizen_name=f"群众{i}",
                citizen_phone="13900000000",
                content=f"第{i}条意见：" + "路灯不亮，夜间出行不便。" * 3,
                received_at=DEFAULT_MOMENT,
            )
            for i in range(120)
        ]
    )
    response = _ledger(day.client, day.station, format="pdf")
    pages, text = _pdf_text(response.content)
    assert pages > 2
    assert f"第 1 页 共 {pages} 页" in text and f"第 {pages} 页 共 {pages} 页" in text
    assert "群众119" in text and "序号" in text and "意见建议内容" in text


def test_personal_data_is_masked_for_county_staff(logged, client, user_with_role, region_tree):
    county_user = user_with_role(Role.COUNTY_STAFF, region=region_tree.counties[0])
    client.force_login(county_user)
    rows = _xlsx_rows(_ledger(client, logged.station, format="xlsx").content)
    names = {r[3] for r in rows[3:]}
    assert names == {"张**", "刘**"}
    assert "139****5678" in {r[4] for r in rows[3:]}
    assert not PersonalDataAccess.objects.filter(user=county_user).exists()


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.HANDLING_UNIT])
def test_deputies_and_units_do_not_export(day, client, user_with_role, role):
    kwargs = {"deputy": day.deputies[0]} if role == Role.DEPUTY else {}
    client.force_login(user_with_role(role, **kwargs))
    assert _ledger(client, day.station, format="xlsx").status_code in (403, 404)


def test_another_station_is_404(day):
    from tests.factories import StationFactory

    assert _ledger(day.client, StationFactory(), format="xlsx").status_code == 404


def test_the_export_has_a_fixed_number_of_queries(day, django_assert_max_num_queries):
    category = CategoryFactory()

    def add(n):
        for i in range(n):
            TicketFactory(station=day.station, category=category, received_by_deputy=day.deputies[i % 2])

    add(3)
    with django_assert_max_num_queries(12) as few:
        _ledger(day.client, day.station, format="xlsx")
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        _ledger(day.client, day.station, format="xlsx")


def test_bad_period_shows_the_form_with_errors(day):
    response = _ledger(day.client, day.station, format="xlsx", date_from="2024-06-01", date_to="2024-05-01")
    assert response.status_code == 400 and "截止日期不能早于起始日期" in response.content.decode()


def test_a_large_export_runs_in_the_background(
    day, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "LEDGER_SYNC_MAX_ROWS", 2)
    # the worker's part, run in-process (the suite has a real REDIS_URL but no worker here)
    monkeypatch.setattr(
        ledger_export_run_task, "delay", lambda job_id: ledger_export_run_task.apply(args=[job_id])
    )
    for _ in range(3):
        TicketFactory(station=day.station)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _ledger(day.client, day.station, format="xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?job={job.pk}")
    # the request wrote an outbox message with the job, and only kicks the worker after commit
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args, message.done_at) == ("visits.ledger_export", [str(job.pk)], None)
    assert job.status == "pending" and callbacks == [outbox.kick]
    status = day.client.get(reverse("visits:exports"), {"job": job.pk, "partial": 1})
    assert "排队中" in status.content.decode()

    assert outbox.drain() == 1  # the worker drains it (in-process in the embedded default)
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 1
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == ("done", 100, 3)
    page = day.client.get(reverse("visits:exports"), {"job": job.pk}).content.decode()
    assert "下载文件" in page
    download = day.client.get(reverse("visits:exports"), {"job": job.pk, "download": 1})
    rows = _xlsx_rows(b"".join(download.streaming_content))
    assert [r[0] for r in rows[3:]] == ["1", "2", "3"]

    # someone else's job is not found
    from django.test import Client

    other = Client()
    other.force_login(UserFactory())
    assert other.get(reverse("visits:exports"), {"job": job.pk, "download": 1}).status_code == 404


def test_a_failed_export_is_reported_on_the_job(day, monkeypatch):
    job = ExportJob.objects.create(
        created_by=day.officer,
        station=day.station,
        book="reception",
        format="pdf",
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 12, 31),
    )

    def broken(**kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "ledger_render", broken)
    services.ledger_export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "磁盘已满" in job.error


def test_text_that_looks_like_a_formula_stays_text_in_excel(logged):
    TicketFactory(
        station=logged.station,
        reception=ReceptionSession.objects.filter(station=logged.station, kind="door_to_door").first(),
        citizen_name="公式户",
        content='=HYPERLINK("http://example.com","点我")',
    )
    response = _ledger(logged.client, logged.station, format="xlsx", book="door_to_door")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [
        c
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=HYPER")
    ]
    assert cells and all(c.data_type == "s" for c in cells)
