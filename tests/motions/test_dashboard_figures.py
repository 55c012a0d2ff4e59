"""The deputy suggestions and supervision items beside the stations' figures: the county
and city dashboards (block and Excel) and the circular, all from one selector
(``motions.selectors.region_motion_figures``), checked against a constructed world."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from motions import selectors
from motions.models import SupervisionItem
from reports.periods import Period
from stations.models import Region
from tests.motions.factories import user
from tests.motions.test_figures import world  # noqa: F401 - the constructed world

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def items(world):  # noqa: F811
    def item(region, n, **kw):
        i = SupervisionItem.objects.create(
            region=region, year=2026, number=n, title=f"事项{n}", problems="p", report_due=D(2026, 6, 1), **kw
        )
        i.departments.set([world.unit])

    item(
        world.county, 1, reported_on=D(2026, 5, 30), outcome="satisfied", status=SupervisionItem.Status.CLOSED
    )
    item(world.county, 2, reported_on=D(2026, 6, 9), outcome="unsatisfied", resupervise_count=1)
    item(world.county, 3)
    item(
        world.other_county,
        1,
        reported_on=D(2026, 5, 1),
        outcome="basic",
        status=SupervisionItem.Status.CLOSED,
    )
    SupervisionItem.objects.create(
        region=world.county, year=2027, number=1, title="明年", problems="p", report_due=D(2027, 6, 1)
    )
    return world


def test_the_region_figures_against_the_world(items, django_assert_num_queries):
    w = items
    with django_assert_num_queries(3):  # units, sessions, supervision: whatever the rows
        figs = selectors.region_motion_figures(region=w.county, period=Period.year(2026))
    # the 2027 session and the other county are out; the unassigned one is not counted
    assert [r.name for r in figs.sessions] == [w.session.name]
    units = {r.name: r for r in figs.units}
    assert set(units) == {"县交通运输局", "县财政局"}
    assert (units["县交通运输局"].assigned, units["县交通运输局"].on_time) == (4, 3)
    t = figs.total
    assert (t.assigned, t.replied, t.on_time, t.a, t.b, t.c) == (6, 5, 4, 2, 2, 1)
    assert (t.on_time_rate, t.a_share, t.satisfaction_rate, t.rehandled) == (80.0, 40.0, 80.0, 1)
    s = figs.supervision
    assert (s.total, s.reported, s.reported_on_time, s.evaluated, s.satisfied, s.closed) == (3, 2, 1, 2, 1, 1)
    assert (s.on_time_rate, s.satisfaction_rate, s.resupervised) == (50.0, 50.0, 1)
    # the city: both counties' sessions and items
    city = Region.objects.get(path=w.county.path[: Region.steplen])
    figs = selectors.region_motion_figures(region=city, period=Period.year(2026))
    assert figs.total.assigned == 7 and figs.supervision.total == 4
    # a month without a session: no suggestions, the year's items still
    march = selectors.region_motion_figures(region=w.county, period=Period.month(2026, 3))
    assert march.sessions == [] and march.total.assigned == 0 and march.supervision.total == 3
    later = selectors.region_motion_figures(region=w.county, period=Period.year(2027))
    assert [r.name for r in later.sessions] == [w.later.name] and later.supervision.total == 1


def test_the_county_dashboard_shows_the_block_and_exports_it(client, items):
    w = items
    client.force_login(w.office)
    url = reverse("dashboards:region", args=[w.county.pk])
    html = client.get(url, {"period": "year", "year": 2026}).content.decode()
    block = html[html.index('id="motions"') :]
    assert 'data-figure="motions_assigned">6<' in block
    assert 'data-figure="motions_on_time">80.0%<' in block
    assert 'data-figure="supervision_total">3 项，已办结 1 项<' in block
    assert "县交通运输局" in block and "县水利局" not in block
    r = client.get(
        reverse("dashboards:region_export", args=[w.county.pk]),
        {"period": "year", "year": 2026, "table": "motions"},
    )
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["代表建议按承办单位", "代表建议按会议", "督办事项"]
    rows = list(wb["代表建议按承办单位"].iter_rows(min_row=4, values_only=True))
    assert [(x[0], x[1], x[3]) for x in rows] == [("县交通运输局", 4, 3), ("县财政局", 2, 1)]
    summary = dict(wb["督办事项"].iter_rows(min_row=4, values_only=True))
    assert summary["督办事项（项）"] == 3 and summary["按期报告率（%）"] == 50.0
    client.cookies["django_language"] = "en"
    html = client.get(url, {"period": "year", "year": 2026}).content.decode()
    assert "Deputy suggestions and supervision items" in html


def test_the_block_is_not_on_a_township_or_a_station_dashboard(client, items):
    w = items
    township = w.lead.home_station.region
    chair = user(Role.STATION_HEAD, region=township)
    client.force_login(chair)
    html = client.get(reverse("dashboards:region", args=[township.pk])).content.decode()
    assert 'id="motions"' not in html
    r = client.get(reverse("dashboards:region_export", args=[township.pk]), {"table": "motions"})
    assert r.status_code == 400
    html = client.get(reverse("dashboards:station", args=[w.lead.home_station.pk])).content.decode()
    assert 'id="motions"' not in html


def test_the_circular_states_the_same_figures(items):
    from oversight import circulars

    w = items
    c = circulars.circular_draft(
        region=w.county, period=Period.year(2026), actor=w.office, issuing_office="县人大常委会"
    )
    body = c.body
    section = body[body.index("五、代表建议和督办事项办理情况") :]
    assert f"{w.session.name}代表提出的建议已交办6件，已答复5件，按期答复率80.0%" in section
    assert "A类（已解决或采纳）占40.0%" in section and "重新办理1件" in section
    assert "县交通运输局：主办4件，按期答复率75.0%" in section
    assert "2026年度督办事项3项，已报告2项，按期报告率50.0%" in section and "已办结1项" in section
    assert "县水利局" not in section
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(circulars.write_pdf(c))).pages)
    assert "督办事项3项" in text.replace("\n", "")
    from docx import Document

    doc = Document(io.BytesIO(circulars.write_docx(c)))
    assert any("五、代表建议和督办事项办理情况" in p.text for p in doc.paragraphs)
