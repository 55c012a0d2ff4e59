"""The figures per unit and per session against a constructed world, the annual list of
supervision items, and the pages (query counts fixed, Excel export, both languages)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from motions import selectors
from motions.models import CongressSession, DeputySuggestion, SupervisionItem
from tests.motions.factories import make_world

pytestmark = pytest.mark.django_db
D = dt.date


def make(w, session, unit, *, reply_class="", on_time=True, satisfaction="", rehandled=0, replied=True):
    due = D(2026, 4, 20)
    return DeputySuggestion(
        session=session,
        title="建议",
        content="内容",
        submitted_by=w.lead,
        lead_unit=unit,
        assigned_on=D(2026, 1, 20),
        due_on=due,
        replied_on=(due - dt.timedelta(days=5) if on_time else due + dt.timedelta(days=3))
        if replied
        else None,
        reply_class=reply_class,
        satisfaction=satisfaction,
        rehandle_count=rehandled,
        status=DeputySuggestion.Status.CLOSED if replied else DeputySuggestion.Status.ASSIGNED,
    )


@pytest.fixture
def world():
    w = make_world()
    later = CongressSession.objects.create(
        region=w.county,
        name="甲县第十八届人民代表大会第四次会议",
        opens_on=D(2027, 1, 9),
        closes_on=D(2027, 1, 12),
    )
    rows = [
        # the first session: the 交通运输局 4 (3 on time; A, A, B, C; 2 satisfied, 1 basic, 1 not)
        make(w, w.session, w.unit, reply_class="A", satisfaction="satisfied"),
        make(w, w.session, w.unit, reply_class="A", satisfaction="satisfied"),
        make(w, w.session, w.unit, reply_class="B", satisfaction="basic", on_time=False),
        make(w, w.session, w.unit, reply_class="C", satisfaction="unsatisfied", rehandled=1),
        # the 财政局 2 (1 replied on time, B, basic; 1 still running)
        make(w, w.session, w.co_unit, reply_class="B", satisfaction="basic"),
        make(w, w.session, w.co_unit, replied=False),
        # the later session: the 交通运输局 1 (late, A, satisfied)
        make(w, later, w.unit, reply_class="A", satisfaction="satisfied", on_time=False),
        # another county's: never counted for this office
        make(w, w.other_session, w.other_unit, reply_class="C", satisfaction="unsatisfied"),
        # submitted, not assigned: not counted
        DeputySuggestion(session=w.session, title="未交办", content="x", submitted_by=w.lead),
    ]
    DeputySuggestion.objects.bulk_create(rows)
    w.later = later
    return w


def test_figures_per_unit_and_per_session(world, django_assert_num_queries):
    with django_assert_num_queries(3):  # the user's roles, then one query per table
        figures = selectors.suggestion_figures(user=world.office)
    units = {r.name: r for r in figures["units"]}
    assert set(units) == {"县交通运输局", "县财政局"}
    roads, finance = units["县交通运输局"], units["县财政局"]
    assert (roads.assigned, roads.replied, roads.on_time) == (5, 5, 3)
    assert roads.on_time_rate == 60.0
    assert (roads.a, roads.b, roads.c) == (3, 1, 1) and roads.a_share == 60.0 and roads.c_share == 20.0
    assert (roads.satisfied, roads.basic, roads.unsatisfied) == (3, 1, 1) and roads.satisfaction_rate == 80.0
    assert roads.rehandled == 1
    assert (finance.assigned, finance.replied, finance.on_time, finance.b) == (2, 1, 1, 1)
    assert finance.on_time_rate == 100.0 and finance.satisfaction_rate == 100.0
    sessions = {r.name: r for r in figures["sessions"]}
    first, later = sessions[world.session.name], sessions[world.later.name]
    assert (first.assigned, first.replied, first.on_time) == (6, 5, 4)
    assert (first.a, first.b, first.c) == (2, 2, 1) and first.a_share == 40.0
    assert (later.assigned, later.on_time, later.a) == (1, 0, 1) and later.on_time_rate == 0.0
    one = selectors.suggestion_figures(user=world.office, session=world.later)
    assert [(r.name, r.assigned) for r in one["units"]] == [("县交通运输局", 1)]


def test_figures_page_and_excel(client, world, django_assert_num_queries):
    client.force_login(world.office)
    r = client.get(reverse("motions:figures"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "县交通运输局" in html and "60.0%" in html and "县水利局" not in html
    r = client.get(reverse("motions:figures_export"), {"session": world.session.pk})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["按承办单位", "按会议"]
    rows = list(wb["按承办单位"].iter_rows(min_row=4, values_only=True))
    assert [(x[0], x[1], x[3]) for x in rows] == [("县交通运输局", 4, 3), ("县财政局", 2, 1)]
    client.force_login(world.unit_staff)
    assert client.get(reverse("motions:figures")).status_code == 403


def test_the_list_pages_have_fixed_query_counts(client, world, django_assert_num_queries):
    client.force_login(world.office)
    client.get(reverse("motions:list"))  # warm the session
    with django_assert_num_queries(6):
        r = client.get(reverse("motions:list"))
    assert r.status_code == 200 and r.content.decode().count('">建议</a>') == 7
    for n in range(3):
        item = SupervisionItem.objects.create(
            region=world.county,
            year=2026,
            number=n + 1,
            title=f"事项{n}",
            problems="p",
            report_due=D(2026, 6, 1),
        )
        item.departments.set([world.unit, world.co_unit])
    with django_assert_num_queries(7):
        r = client.get(reverse("motions:supervision_list"), {"year": 2026})
    assert r.status_code == 200 and "县财政局" in r.content.decode()


def test_annual_supervision_list_rates(world):
    def item(n, **kw):
        i = SupervisionItem.objects.create(
            region=world.county,
            year=2026,
            number=n,
            title=f"事项{n}",
            problems="p",
            report_due=D(2026, 6, 1),
            **kw,
        )
        i.departments.set([world.unit])
        return i

    item(1, reported_on=D(2026, 5, 30), outcome="satisfied", status=SupervisionItem.Status.CLOSED)
    item(2, reported_on=D(2026, 6, 3), outcome="basic", status=SupervisionItem.Status.CLOSED)
    item(3, reported_on=D(2026, 6, 1), outcome="unsatisfied", status=SupervisionItem.Status.EVALUATED)
    item(4, resupervise_count=1)
    SupervisionItem.objects.create(
        region=world.county, year=2025, number=1, title="去年", problems="p", report_due=D(2025, 6, 1)
    )
    SupervisionItem.objects.create(
        region=world.other_county, year=2026, number=1, title="乙县", problems="p", report_due=D(2026, 6, 1)
    )
    items, summary = selectors.supervision_year(user=world.office, year=2026)
    from django.test import Client

    client = Client()
    client.force_login(world.unit_staff)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("motions:supervision_export"), {"year": 2026}).content)
    )
    rows = list(sheet.active.iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[3], r[9]) for r in rows] == [
        (1, "县交通运输局", "满意"),
        (2, "县交通运输局", "基本满意"),
        (3, "县交通运输局", "不满意"),
        (4, "县交通运输局", None),
    ]
    assert "共 4 项，已办结 2 项" in sheet.active["A2"].value
    from pypdf import PdfReader

    printed = client.get(reverse("motions:supervision_export"), {"year": 2026, "type": "pdf"})
    assert printed["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert "2026 年督办事项清单" in text and "事项3" in text and "66.7%" in text
    assert [i.number for i in items] == [1, 2, 3, 4]
    assert (summary.total, summary.closed, summary.reported, summary.reported_on_time) == (4, 2, 3, 2)
    assert summary.on_time_rate == 66.7 and summary.satisfaction_rate == 66.7 and summary.closure_rate == 50.0
    assert summary.resupervised == 1
    unit_items, _ = selectors.supervision_year(user=world.unit_staff, year=2026)
    assert len(unit_items) == 4
    other_items, _ = selectors.supervision_year(user=world.other_staff, year=2026)
    assert other_items == []


def test_pages_in_english(client, world):
    client.force_login(world.office)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("motions:figures")).content.decode()
    assert "Deputy suggestions: handling figures" in html and "On time" in html


def test_the_catalogue_is_complete_and_compiled():
    import re
    from pathlib import Path

    from django.utils import translation
    from django.utils.translation import gettext

    po = Path(__file__).resolve().parents[2] / "motions" / "locale" / "en" / "LC_MESSAGES" / "django.po"
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', po.read_text(encoding="utf-8"), flags=re.M)
    assert len(pairs) > 100
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1, "compile the catalogue (msgfmt)"
    with translation.override("en"):
        for msgid, msgstr in pairs:
            assert msgstr and not re.search(r"[\u4e00-\u9fff]", msgstr), msgid
            # served in English (a message the project catalogue already has may read its way)
            assert not re.search(r"[\u4e00-\u9fff]", gettext(msgid)), msgid
