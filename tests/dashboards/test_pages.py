"""The dashboard pages: numbers from the report, drill-down, the period picker, lists,
access, and a constant number of queries."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from reports.periods import Period, Scope
from reports.selectors import figures
from tests.dashboards.conftest import H1, page_figures, shown

pytestmark = pytest.mark.django_db

CARD_FIELDS = (
    "stations_active",
    "deputy_entries",
    "cadre_entries",
    "citizens_received",
    "collected",
    "closed",
    "closure_rate",
    "on_time_rate",
    "reply_rate",
    "satisfaction_rate",
    "overdue",
    "due_soon",
)


def _get(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params or {})


def test_township_numbers_match_the_report(client, world):
    township = world.tree.townships[0]
    response = _get(client, world.users["chair"], reverse("dashboards:region", args=[township.pk]), H1)
    assert response.status_code == 200
    html = response.content.decode()
    report = figures(scope=Scope(region=township), period=Period.half(2024, 1))
    assert report.collected > 0 and report.closed > 0 and report.overdue > 0  # the world is not empty
    on_page = page_figures(html)
    for name in CARD_FIELDS:
        assert on_page[name] == shown(getattr(report, name)), name
    # the groups table: deputies' and cadres' rows
    deputies = re.search(r'data-group="deputies">(.*?)</tr>', html, re.S)[1]
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', deputies)
    w = report.deputies
    assert cells[:4] == [
        shown(w.entries),
        shown(w.citizens_received),
        shown(w.issues_collected),
        shown(w.issues_closed),
    ]
    # the chair's dashboard is the township's own: the city's total is larger
    city = figures(scope=Scope(region=world.tree.city), period=Period.half(2024, 1))
    assert city.collected > report.collected


def test_the_chair_starts_at_the_township(client, world):
    response = _get(client, world.users["chair"], reverse("dashboards:index"), H1)
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲县1镇" in html
    report = figures(scope=Scope(region=world.tree.townships[0]), period=Period.half(2024, 1))
    assert page_figures(html)["collected"] == shown(report.collected)
    # the stations of the township, with drill-down links to their dashboards
    assert reverse("dashboards:station", args=[world.stations[0].pk]) in html


def _drill_links(html: str) -> list[str]:
    return [a.replace("&amp;", "&") for a in re.findall(r'<a href="([^"]+)" data-drill>', html)]


def test_drill_down_keeps_the_period(client, world):
    quarter = {"period": "quarter", "on": "2024-04-01"}
    client.force_login(world.users["city"])
    url = reverse("dashboards:region", args=[world.tree.city.pk])
    path = []
    for expected_label in ("县（市、区）", "乡镇（街道）", "联络站（点）"):
        response = client.get(url, quarter if not path else None)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "2024年第2季度" in html
        assert f"{expected_label}排名" in html
        links = _drill_links(html)
        assert links, "no drill-down links"
        for link in links:
            assert parse_qs(urlsplit(link).query) == {"period": ["quarter"], "on": ["2024-04-01"]}
        url = links[0]
        path.append(url)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2024年第2季度" in html and "联络站数据看板" in html
    assert "/dashboards/stations/" in path[-1]
    # the breadcrumbs lead back up, with the period
    assert (
        f'href="{reverse("dashboards:region", args=[world.tree.city.pk])}?period=quarter&amp;on=2024-04-01"'
        in html
    )


def test_the_chair_cannot_climb_above_the_township(client, world):
    client.force_login(world.users["chair"])
    county = world.tree.counties[0]
    assert client.get(reverse("dashboards:region", args=[county.pk])).status_code == 404
    other = world.tree.townships[1]
    assert client.get(reverse("dashboards:region", args=[other.pk])).status_code == 404
    html = client.get(reverse("dashboards:region", args=[world.tree.townships[0].pk])).content.decode()
    assert f'href="{reverse("dashboards:region", args=[county.pk])}' not in html  # shown, not linked
    assert "甲县" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "start": "2024-13", "end": "2024-06"}, "自定义期间请填写起止月份"),
        ({"period": "custom", "start": "2024-06", "end": "2024-01"}, "截止月不能早于起始月"),
        ({"period": "week"}, "期间类型应为"),
        ({"period": "month", "year": "二〇二四", "month": "5"}, "年份应为"),
        ({"period": "quarter", "year": "2024", "quarter": "5"}, "季度应为"),
        ({"period": "half", "on": "2024-02-30"}, "日期格式应为"),
        ({"period": "custom", "start": "2000-01", "end": "2024-12"}, "自定义期间最长"),
    ],
)
def test_bad_period_input_is_a_message_not_an_error(client, world, params, message):
    response = _get(
        client, world.users["city"], reverse("dashboards:region", args=[world.tree.city.pk]), params
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert "2024年" in html  # the current year is shown instead (today is fixed in 2024)


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"period": "month", "year": "2024", "month": "5"}, "2024年5月"),
        ({"period": "quarter", "year": "2024", "quarter": "2"}, "2024年第2季度"),
        ({"period": "half", "year": "2024", "half": "1"}, "2024年上半年"),
        ({"period": "year", "year": "2023"}, "2023年"),
        ({"period": "custom", "start": "2024-02", "end": "2024-05"}, "2024年2月—2024年5月"),
        ({}, "2024年"),
    ],
)
def test_the_period_picker(client, world, params, label):
    response = _get(
        client, world.users["city"], reverse("dashboards:region", args=[world.tree.city.pk]), params
    )
    assert response.status_code == 200
    assert f"<strong data-period-label>{label}</strong>" in response.content.decode()


def test_ranking_flags_the_laggards(client, world):
    html = _get(
        client, world.users["county"], reverse("dashboards:region", args=[world.tree.counties[0].pk]), H1
    ).content.decode()
    table = re.search(r'<table class="table[^"]*ranking-table[^"]*".*?</table>', html, re.S)[0]
    rows = re.findall(r"<tr( class=\"lagging\")?", table)
    assert len(rows) == 1 + 2  # header and the county's two townships
    assert 'id="rate-chart"' in html and 'id="activity-chart"' in html
    data = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1]
    assert '"trend"' in data and '"rate"' in data and '"activity"' in data


def test_deputies_with_no_station_entry_page_by_keyset(client, world):
    world.grow(4)  # 5 rounds × 4 townships × 2 idle deputies = 40 in the city
    url = reverse("dashboards:region", args=[world.tree.city.pk])
    client.force_login(world.users["city"])
    html = client.get(url, H1).content.decode()
    assert re.search(r'data-figure="idle_total">40<', html)
    first = re.findall(r'<a href="/dashboards/deputies/[^"]+">([^<]+)</a>', html)
    assert len(first) == 20 and all("未进站" in n for n in first)
    after = re.search(r'after=([^"#&]+)#idle" rel="next"', html)[1]
    html2 = client.get(url, {**H1, "after": after}).content.decode()
    second = re.findall(r'<a href="/dashboards/deputies/[^"]+">([^<]+)</a>', html2)
    assert len(second) == 20 and not set(first) & set(second)
    assert 'rel="next"' not in html2  # 40 in all: no third page
    assert client.get(url, {**H1, "after": "not-a-cursor"}).status_code == 200  # first page again


def test_a_long_list_is_counted_up_to_a_cap(client, world, monkeypatch):
    from dashboards import selectors

    monkeypatch.setattr(selectors, "IDLE_COUNT_CAP", 5)  # the city has 8 deputies with no entry
    client.force_login(world.users["city"])
    html = client.get(reverse("dashboards:region", args=[world.tree.city.pk]), H1).content.decode()
    assert re.search(r'data-figure="idle_total">5\+<', html)
    assert "完整名单请导出" in html
    assert len(re.findall(r'<a href="/dashboards/deputies/[^"]+">', html)) == 8  # the page is not capped
    html = client.get(reverse("dashboards:region", args=[world.tree.townships[0].pk]), H1).content.decode()
    assert re.search(r'data-figure="idle_total">2<', html)  # under the cap: exact


def test_overdue_tickets_are_listed_most_overdue_first(client, world):
    html = _get(
        client, world.users["county"], reverse("dashboards:region", args=[world.tree.counties[0].pk]), H1
    ).content.decode()
    table = re.search(r'<table class="table[^"]*" id="overdue-table">.*?</table>', html, re.S)[0]
    assert table.count("deadline-red") == 2  # the two townships' overdue tickets (due 2024-06-03)
    assert "逾期" in table


def test_a_station_dashboard_covers_its_points(client, world):
    station, point = world.stations[0], world.points[0]
    html = _get(
        client, world.users["officer"], reverse("dashboards:station", args=[station.pk]), H1
    ).content.decode()
    report = figures(scope=Scope(station=station), period=Period.half(2024, 1))
    assert page_figures(html)["collected"] == shown(report.collected)
    assert point.name in html and station.name in html
    # a station's keepers may not open the township dashboard above it
    client.force_login(world.users["officer"])
    assert client.get(reverse("dashboards:region", args=[station.region.pk])).status_code == 403


def test_a_deputys_dashboard(client, world, settings):
    settings.DEPUTY_ENTRIES_EXPECTED_PER_YEAR = 5
    deputy = world.deputies[0]  # present at all three sessions, received three opinions
    response = _get(client, world.users["deputy"], reverse("dashboards:index"), H1)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{deputy.name}代表" in html
    assert re.search(r'data-figure="year_entries">3<', html)
    assert re.search(r'data-figure="expected_entries">5<', html)
    assert "还差 2 次" in html
    report = figures(scope=Scope(deputy=deputy), period=Period.half(2024, 1))
    assert page_figures(html)["collected"] == shown(report.collected) == "3"
    table = re.search(r'id="deputy-tickets-table">.*?</table>', html, re.S)[0]
    assert table.count("已办结") == 3
    settings.DEPUTY_ENTRIES_EXPECTED_PER_YEAR = 2
    html = client.get(reverse("dashboards:deputy", args=[deputy.pk]), H1).content.decode()
    assert "已完成" in html


def test_a_user_with_several_dashboards_gets_tabs(client, world, user_with_role):
    user = world.users["county"]
    user_with_role("deputy", user=user, deputy=world.deputies[0])
    html = _get(client, user, reverse("dashboards:index"), H1).content.decode()
    assert 'aria-label="我的看板"' in html
    assert "甲县" in html and f"{world.deputies[0].name}代表" in html


def test_a_handling_unit_has_no_dashboard(client, world):
    response = _get(client, world.users["unit"], reverse("dashboards:index"))
    assert response.status_code == 200
    assert "暂无可查看的数据看板" in response.content.decode()


# --- a constant number of queries ------------------------------------------------------------


def _count(client, url, params, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("user", "target", "limit"),
    [
        ("city", "city", 23),  # a root region has no breadcrumbs to read; +3: the motions block
        ("county", "county", 24),
        ("chair", "township", 21),
        ("officer", "station", 21),
        ("deputy", "deputy", 20),
    ],
)
def test_queries_do_not_grow_with_the_data(client, world, django_assert_max_num_queries, user, target, limit):
    urls = {
        "city": reverse("dashboards:region", args=[world.tree.city.pk]),
        "county": reverse("dashboards:region", args=[world.tree.counties[0].pk]),
        "township": reverse("dashboards:region", args=[world.tree.townships[0].pk]),
        "station": reverse("dashboards:station", args=[world.stations[0].pk]),
        "deputy": reverse("dashboards:deputy", args=[world.deputies[0].pk]),
    }
    client.force_login(world.users[user])
    small = _count(client, urls[target], H1, django_assert_max_num_queries, limit)
    world.grow(3)  # four times the stations, deputies, sessions and tickets
    client.force_login(world.users[user])
    large = _count(client, urls[target], H1, django_assert_max_num_queries, limit)
    assert small == large
