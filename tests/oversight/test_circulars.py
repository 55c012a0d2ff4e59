"""Circulars: the numbers equal the dashboard's for the same period and region; the draft
is edited, then issued and kept; Word and PDF in the official layout."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from oversight import circulars
from oversight.models import Circular
from reports.periods import Period
from reports.services import rollups_refresh
from tests.oversight.world import YEAR, build_world


@pytest.fixture
def world(db):
    w = build_world()
    rollups_refresh(full=True)
    return w


def dashboard_figures(client, region) -> dict:
    html = client.get(
        reverse("dashboards:region", args=[region.pk]), {"period": "year", "year": YEAR}
    ).content.decode()
    cards = html[html.index('class="dash-cards"') :]
    return {
        name: int(value.replace(",", ""))
        for name, value in re.findall(r'data-figure="(\w+)">([\d,]+)<', cards)
    }


def test_the_circular_states_the_dashboards_numbers(client, world, user_with_role):
    staff = user_with_role(Role.CITY_STAFF, region=world.city)
    client.force_login(staff)
    c = circulars.circular_draft(
        region=world.city, period=Period.year(YEAR), actor=staff, issuing_office="市人大常委会"
    )
    dash = dashboard_figures(client, world.city)
    for name in ("citizens_received", "collected", "closed"):
        assert c.figures["whole"][name] == dash[name], name
    # the one rule (suggestions.selectors.closed_by): the ticket reopened in 2026 is not closed
    # for 2025, here as in the performance file and the rating (tests/oversight/test_counting_rule.py)
    assert c.figures["whole"]["collected"] == 3 and c.figures["whole"]["closed"] == 1
    # one level below: 甲县 and 乙县, each equal to its own dashboard
    below = {r["name"]: r for r in c.figures["below"]}
    for county in (world.county_a, world.county_b):
        d = dashboard_figures(client, county)
        if county.name in below:
            assert below[county.name]["collected"] == d.get("collected", 0)
    assert f"收集意见建议{c.figures['whole']['collected']}件" in c.body


def test_edit_issue_and_keep(client, world, user_with_role):
    staff = user_with_role(Role.COUNTY_STAFF, region=world.county_a)
    client.force_login(staff)
    r = client.post(
        reverse("oversight:circular_create", args=[world.county_a.pk]),
        {"year": YEAR, "part": "h1", "issuing_office": "甲县人大常委会代表工委"},
    )
    c = Circular.objects.get()
    assert r.status_code == 302 and c.period_start.month == 1 and c.period_end.month == 6
    edit = f"{reverse('oversight:circular_edit', args=[world.county_a.pk])}?c={c.pk}"
    with pytest.raises(ValidationError, match="文号"):
        circulars.circular_issue(circular_id=c.pk, actor=staff)
    client.post(
        edit,
        {
            "c": c.pk,
            "title": c.title,
            "number": "甲人常代〔2025〕1号",
            "issuing_office": c.issuing_office,
            "body": "一、总体情况\n改过的正文",
        },
    )
    client.post(reverse("oversight:circular_issue", args=[world.county_a.pk]), {"c": c.pk})
    c.refresh_from_db()
    assert c.status == Circular.Status.ISSUED and c.body.endswith("改过的正文") and c.issued_by == staff
    with pytest.raises(ValidationError):
        circulars.circular_update(circular_id=c.pk, title="x", number="y", issuing_office="z", body="b")
    listing = client.get(reverse("oversight:circulars", args=[world.county_a.pk])).content.decode()
    assert "甲人常代〔2025〕1号" in listing

    docx = client.get(f"{reverse('oversight:circular_docx', args=[world.county_a.pk])}?c={c.pk}")
    from docx import Document

    texts = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert texts[0] == c.title and texts[1] == "甲人常代〔2025〕1号" and "改过的正文" in texts
    assert texts[-2] == "甲县人大常委会代表工委" and texts[-1].endswith("日")
    pdf = client.get(f"{reverse('oversight:circular_pdf', args=[world.county_a.pk])}?c={c.pk}")
    assert pdf.content.startswith(b"%PDF")


def test_another_countys_circular_is_404(client, world, user_with_role):
    c = circulars.circular_draft(
        region=world.county_b, period=Period.year(YEAR), actor=None, issuing_office="乙县"
    )
    staff = user_with_role(Role.COUNTY_STAFF, region=world.county_a)
    client.force_login(staff)
    assert (
        client.get(f"{reverse('oversight:circular_edit', args=[world.county_a.pk])}?c={c.pk}").status_code
        == 404
    )


def test_other_sections_follow_the_circulars_own(world, monkeypatch):
    def motions_section(*, region, period):
        return circulars.CircularSection(
            key="motions", heading="代表建议办理情况", lines=["共交办代表建议3件。"], figures={"assigned": 3}
        )

    monkeypatch.setattr(circulars, "OTHER_SECTIONS", [motions_section, lambda **_: None])
    c = circulars.circular_draft(region=world.city, period=Period.year(YEAR), actor=None, issuing_office="市")
    assert "五、代表建议办理情况\n共交办代表建议3件。" in c.body
    assert c.figures["other"] == {"motions": {"assigned": 3}}
