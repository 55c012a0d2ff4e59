"""Every table of a dashboard exports to Excel, with the scope and the period in the title."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.periods import Period, Scope
from reports.selectors import figures
from tests.dashboards.conftest import H1

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_exports_here(monkeypatch, settings, tmp_path):
    """ "导出全部表格" is a background export: ask for it, let the worker's part run here
    (the suite has a real REDIS_URL but no worker), and fetch the file as the user would."""
    from liaison import outbox
    from visits.models import ExportJob
    from visits.tasks import ledger_export_run_task

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(
        ledger_export_run_task, "delay", lambda job_id: ledger_export_run_task.apply(args=[job_id])
    )

    def run(client, url, params):
        response = client.get(url, params)
        assert response.status_code == 302, response.content[:200]
        job = ExportJob.objects.get(pk=response["Location"].rsplit("job=", 1)[1])
        assert job.status == "pending"
        outbox.drain()
        job.refresh_from_db()
        assert job.status == "done", job.error
        download = client.get(reverse("visits:exports"), {"job": job.pk, "download": 1})
        from django.http import HttpResponse

        read = HttpResponse(b"".join(download.streaming_content), content_type=download["Content-Type"])
        read["Content-Disposition"] = download["Content-Disposition"]
        return read

    return run


def _workbook(response):
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_ranking_as_excel(client, world):
    county = world.tree.counties[0]
    client.force_login(world.users["county"])
    response = client.get(reverse("dashboards:region_export", args=[county.pk]), {**H1, "table": "ranking"})
    wb = _workbook(response)
    assert wb.sheetnames == ["排名"]
    rows = _rows(wb.active)
    assert rows[0][0] == "甲县 2024年上半年 各乡镇（街道）排名"
    assert "范围：甲县" in rows[1][0] and "期间：2024年上半年" in rows[1][0]
    assert rows[2][:4] == ["办结率排名", "活跃度排名", "名称", "类型"]
    names = {r[2] for r in rows[3:]}
    assert names == {t.name for t in world.tree.townships_of(county)}
    township = world.tree.townships_of(county)[0]
    row = next(r for r in rows[3:] if r[2] == township.name)
    report = figures(scope=Scope(region=township), period=Period.half(2024, 1))
    assert row[8:10] == [report.collected, report.closed]
    assert row[10] == pytest.approx(report.closure_rate)
    assert wb.active.cell(row=rows.index(row) + 1, column=11).number_format == "0.0%"


def test_all_tables_in_one_workbook(client, world, run_exports_here):
    client.force_login(world.users["chair"])
    township = world.tree.townships[0]
    wb = _workbook(run_exports_here(client, reverse("dashboards:region_export", args=[township.pk]), H1))
    assert wb.sheetnames == [
        "主要指标",
        "分类统计",
        "月度趋势",
        "排名",
        "未进站代表",
        "逾期及即将到期",
        "接待活动",
    ]
    groups = _rows(wb["分类统计"])
    report = figures(scope=Scope(region=township), period=Period.half(2024, 1))
    assert groups[3][:5] == [
        "五级人大代表",
        report.deputy_entries,
        report.deputy_citizens,
        report.deputy_collected,
        report.deputy_closed,
    ]
    idle = _rows(wb["未进站代表"])
    assert idle[2] == ["序号", "姓名", "职业/单位职务", "所在联络站（点）", "所在区域"]
    assert len(idle) - 3 == 2 and all("未进站" in r[1] for r in idle[3:])
    overdue = _rows(wb["逾期及即将到期"])
    assert len(overdue) - 3 == 1 and "逾期" in overdue[3][7]
    receptions = _rows(wb["接待活动"])
    assert len(receptions) - 3 == 3
    trend = _rows(wb["月度趋势"])
    assert [r[0] for r in trend[3:]] == [f"2024年{m}月" for m in range(1, 7)]


def test_a_deputys_tables(client, world, run_exports_here):
    """A deputy's "导出全部" is a background export too; one table is written at once."""
    from visits.models import ExportJob

    deputy = world.deputies[0]
    client.force_login(world.users["deputy"])
    wb = _workbook(run_exports_here(client, reverse("dashboards:deputy_export", args=[deputy.pk]), H1))
    job = ExportJob.objects.get()
    assert job.kind == "dashboard" and job.title == f"{deputy.name}代表 2024年上半年 履职看板全部表格"
    assert wb.sheetnames == ["主要指标", "月度趋势", "接待活动", "收集的意见建议"]
    one = _workbook(
        client.get(reverse("dashboards:deputy_export", args=[deputy.pk]), {**H1, "table": "trend"})
    )
    assert one.sheetnames == ["月度趋势"]
    # the file is for whoever may still see that deputy
    from dashboards.exports import area_job_may_fetch

    assert area_job_may_fetch(world.users["deputy"], job) and not area_job_may_fetch(world.users["unit"], job)
    tickets = _rows(wb["收集的意见建议"])
    assert tickets[0][0] == f"{deputy.name}代表 2024年上半年 本人收集的意见建议及办理情况"
    assert [r[7] for r in tickets[3:]] == ["已办结"] * 3


def test_text_that_looks_like_a_formula_stays_text(client, world):
    from suggestions.models import Ticket

    Ticket.objects.filter(received_by_deputy=world.deputies[0]).update(
        content='=HYPERLINK("http://x","点我")'
    )
    client.force_login(world.users["deputy"])
    url = reverse("dashboards:deputy_export", args=[world.deputies[0].pk])
    ws = _workbook(client.get(url, {**H1, "table": "tickets"})).active
    cell = ws.cell(row=4, column=5)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_an_unknown_table_or_period_is_refused_plainly(client, world):
    client.force_login(world.users["city"])
    url = reverse("dashboards:region_export", args=[world.tree.city.pk])
    response = client.get(url, {**H1, "table": "secrets"})
    assert response.status_code == 400 and "未知的表格" in response.content.decode()
    response = client.get(url, {"period": "custom", "start": "2024-05", "end": "2024-01"})
    assert response.status_code == 400 and "截止月不能早于起始月" in response.content.decode()


def test_export_is_refused_outside_the_scope(client, world):
    client.force_login(world.users["chair"])
    other = world.tree.townships[2]
    assert client.get(reverse("dashboards:region_export", args=[other.pk]), H1).status_code == 404
    client.force_login(world.users["officer"])
    assert client.get(reverse("dashboards:station_export", args=[world.stations[1].pk])).status_code == 404
