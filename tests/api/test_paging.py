"""Every list pages to its end over a unique total order, whatever the data: rows sharing one
``created_at`` (as seeded data does), one date or neighbouring paths come exactly once, the
walk terminates, and no page uses OFFSET (or COUNT)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deputies.models import Deputy, DeputyGroup, Mandate
from stations.models import Region, Station
from suggestions.models import CalendarDay, Category, HandlingUnit, Ticket
from tests.factories import (
    AttendanceFactory,
    CategoryFactory,
    DeputyFactory,
    DeputyGroupFactory,
    HandlingUnitFactory,
    MandateFactory,
    PointFactory,
    ReceptionSessionFactory,
    TicketFactory,
    make_region,
)
from visits.models import Attendance, ReceptionSession

pytestmark = pytest.mark.django_db

ONE_MOMENT = dt.datetime(2023, 3, 1, 8, 0, tzinfo=dt.UTC)


def walk(
    client,
    url: str,
    *,
    page_size: int,
    direction: str = "next",
    start: str | None = None,
    max_pages: int = 1_000,
):
    """Follow ``next`` (or ``previous``) links to the end: (ids in order of arrival, SQL run)."""
    seen: list = []
    queries: list[str] = []
    link = start or f"{url}?page_size={page_size}"
    for _ in range(max_pages):  # bounded: a looping cursor fails the test instead of hanging it
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(link)
        assert response.status_code == 200, response.content
        queries += [q["sql"].upper() for q in ctx.captured_queries]
        body = response.json()
        assert len(body["results"]) <= page_size
        seen += [r["id"] for r in body["results"]]
        link = body[direction]
        if link is None:
            return seen, queries
    pytest.fail(f"{url}: the walk did not end")


def assert_walks_everything(client, url: str, expected: set, *, page_size: int):
    ids, queries = walk(client, url, page_size=page_size, max_pages=len(expected) // page_size + 3)
    assert len(ids) == len(set(ids)), f"{url}: {len(ids) - len(set(ids))} rows came twice"
    assert set(ids) == expected, f"{url}: {len(expected - set(ids))} rows never came"
    assert not any("OFFSET" in q for q in queries), f"{url}: OFFSET used"
    assert not any("COUNT(" in q for q in queries), f"{url}: COUNT used"
    return ids


def same_moment(model, **filters) -> None:
    model.objects.filter(**filters).update(created_at=ONE_MOMENT)


@pytest.mark.parametrize("resource", ["tickets", "deputies", "mandates"])
def test_more_than_1500_rows_sharing_one_created_at_page_to_the_end(api_world, resource):
    """The issue's case: 1,500+ rows with one ``created_at``, pages of 500. Before, ``next``
    returned the same page forever after 1,000 (DRF's cursor: first field + OFFSET)."""
    station = api_world["station"]
    n = 1_601
    if resource == "tickets":
        Ticket.objects.bulk_create(
            TicketFactory.build(station=station, category=api_world["category"]) for _ in range(n)
        )
    else:
        deputies = Deputy.objects.bulk_create(DeputyFactory.build(home_station=station) for _ in range(n))
        if resource == "mandates":
            Mandate.objects.bulk_create(MandateFactory.build(deputy=d) for d in deputies)
    model = {"tickets": Ticket, "deputies": Deputy, "mandates": Mandate}[resource]
    same_moment(model)
    expected = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
    assert len(expected) >= n
    ids = assert_walks_everything(api_world["admin_api"], f"/api/v1/{resource}/", expected, page_size=500)
    # newest first, ties broken by id (descending): one total order
    assert ids == sorted(ids, reverse=True)


def fill_small_lists(w, n: int) -> None:
    station = w["station"]
    for _ in range(n):
        point = PointFactory(parent=station, region=w["tree"].villages[0])
        deputy = DeputyFactory(home_station=station)
        session = ReceptionSessionFactory(station=station)
        AttendanceFactory(session=session, deputy=deputy)
        DeputyGroupFactory(station=station)
        HandlingUnitFactory(region=w["tree"].counties[0])
        assert point.pk


@pytest.mark.parametrize(
    ("resource", "model"),
    [
        ("stations", Station),
        ("deputy-groups", DeputyGroup),
        ("receptions", ReceptionSession),
        ("attendances", Attendance),
        ("handling-units", HandlingUnit),
    ],
)
def test_every_created_at_list_pages_through_ties(api_world, resource, model):
    fill_small_lists(api_world, 23)
    same_moment(model)
    expected = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
    assert_walks_everything(api_world["admin_api"], f"/api/v1/{resource}/", expected, page_size=4)


def test_the_path_ordered_region_list_pages_to_the_end(api_world):
    township = api_world["tree"].townships[0]
    for i in range(25):
        make_region(parent=township, name=f"新村{i}")
    expected = set(Region.objects.values_list("pk", flat=True))
    ids = assert_walks_everything(api_world["admin_api"], "/api/v1/regions/", expected, page_size=6)
    paths = dict(Region.objects.values_list("pk", "path"))
    assert [paths[i] for i in ids] == sorted(paths[i] for i in ids)


def test_the_id_ordered_category_list_pages_to_the_end(api_world):
    for i in range(30):
        CategoryFactory(code=f"extra-{i}")
    expected = set(Category.objects.values_list("pk", flat=True))
    ids = assert_walks_everything(api_world["admin_api"], "/api/v1/categories/", expected, page_size=7)
    assert ids == sorted(ids)


def test_the_date_ordered_calendar_pages_to_the_end(api_world):
    """The calendar is seeded for 2023–2026 (1,461 days): all of them in pages of 500."""
    expected = set(CalendarDay.objects.values_list("pk", flat=True))
    assert len(expected) > 1_000
    assert_walks_everything(api_world["admin_api"], "/api/v1/calendar-days/", expected, page_size=500)


def test_previous_links_walk_back_to_the_first_page(api_world):
    fill_small_lists(api_world, 11)
    same_moment(Deputy)
    client = api_world["admin_api"]
    forward, _ = walk(client, "/api/v1/deputies/", page_size=3)
    # from the last page, back along ``previous`` links: the same rows, the other way round
    last = "/api/v1/deputies/?page_size=3"
    while (body := client.get(last).json())["next"]:
        last = body["next"]
    tail = [r["id"] for r in body["results"]]
    back, queries = walk(client, "", page_size=3, direction="previous", start=last)
    assert back[: len(tail)] == tail
    pages_back = back[len(tail) :]
    assert len(back) == len(forward) and sorted(back) == sorted(forward)
    assert pages_back  # more than one page
    assert not any("OFFSET" in q for q in queries)


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "1", "eyJwIjpbIjAuNSJdfQ:1abcde:xyz", "cD0yMDIzLTAxLTAx"],
)
@pytest.mark.parametrize("resource", ["tickets", "categories", "regions", "calendar-days"])
def test_a_bad_cursor_is_a_400_with_a_field_message(api_world, resource, cursor):
    """Before: 404 "无效游标", or a 500 for ``categories/?cursor=`` with a non-integer
    position (DRF's cursor is base64 of ``p=…``, unsigned)."""
    response = api_world["admin_api"].get(f"/api/v1/{resource}/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["cursor"]


def test_a_drf_style_cursor_with_a_text_position_is_refused(api_world):
    """The issue's ValueError: ``categories/?cursor=`` whose decoded position is not an
    integer (``p=abc``, as DRF's CursorPagination would encode it)."""
    import base64

    token = base64.b64encode(b"o=0&r=0&p=abc").decode()
    response = api_world["admin_api"].get("/api/v1/categories/", {"cursor": token})
    assert response.status_code == 400 and "cursor" in response.json()


def test_a_cursor_from_another_list_is_refused(api_world):
    fill_small_lists(api_world, 3)
    client = api_world["admin_api"]
    next_link = client.get("/api/v1/deputies/", {"page_size": 1}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]
    from urllib.parse import unquote

    response = client.get("/api/v1/stations/", {"cursor": unquote(cursor)})
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.parametrize(
    "page_size", ["0", "-1", "501", "1.5", "abc", "²", "١٠", "", "99999999999999999999999"]
)
def test_page_size_is_an_integer_from_1_to_500(api_world, page_size):
    """Before: negative, zero, oversize and non-integer values were silently replaced."""
    response = api_world["admin_api"].get(f"/api/v1/tickets/?page_size={page_size}")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["page_size"]


@pytest.mark.parametrize("page_size", ["1", "500"])
def test_page_size_bounds_are_accepted(api_world, page_size):
    assert api_world["admin_api"].get("/api/v1/tickets/", {"page_size": page_size}).status_code == 200
