"""Benchmark: the deputy-suggestion figures and the supervision list at a city's scale.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_motions \\
        .venv/bin/python bench/motions_figures.py [--suggestions 20000] [--units 60] [--items 650]

Builds a fresh database (migrate), one city with 13 counties, each with three congress
sessions; adds ``--suggestions`` assigned and replied suggestions spread over the
counties' ``--units`` lead units and ``--items`` supervision items (not timed), then times
``motions.selectors.suggestion_figures`` (per unit and per session) for a county office
and for the city, and ``supervision_year`` for the city. Prints the best of five runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(url: str) -> None:
    import psycopg

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def best(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suggestions", type=int, default=20000)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--items", type=int, default=650)
    args = parser.parse_args()
    setup(os.environ["BENCH_DATABASE_URL"])

    from accounts.models import Role
    from motions import selectors
    from motions.models import CongressSession, DeputySuggestion, SupervisionItem
    from tests.factories import DeputyFactory, HandlingUnitFactory, StationFactory, UserFactory, make_region

    rng = random.Random(19)
    city = make_region(name="吕梁市")
    counties = [make_region(parent=city, name=f"县{i}") for i in range(13)]
    sessions, units, deputies = [], [], []
    for c in counties:
        station = StationFactory(region=make_region(parent=c, name=f"{c.name}镇"))
        deputies.append(DeputyFactory(home_station=station))
        for year in (2024, 2025, 2026):
            sessions.append(
                CongressSession.objects.create(
                    region=c,
                    name=f"{c.name}{year}年会议",
                    opens_on=dt.date(year, 1, 10),
                    closes_on=dt.date(year, 1, 13),
                )
            )
        units += [HandlingUnitFactory(region=c, name=f"{c.name}单位{u}") for u in range(args.units // 13 + 1)]
    by_county = {c.pk: [u for u in units if u.region_id == c.pk] for c in counties}
    rows = []
    for n in range(args.suggestions):
        session = rng.choice(sessions)
        due = session.opens_on + dt.timedelta(days=100)
        rows.append(
            DeputySuggestion(
                session=session,
                number=n + 1,
                title="建议",
                content="内容",
                submitted_by=deputies[counties.index(next(c for c in counties if c.pk == session.region_id))],
                lead_unit=rng.choice(by_county[session.region_id]),
                assigned_on=session.opens_on,
                due_on=due,
                replied_on=due + dt.timedelta(days=rng.randint(-60, 10)),
                reply_class=rng.choice("AABBC"),
                satisfaction=rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"]),
                status=DeputySuggestion.Status.CLOSED,
            )
        )
    DeputySuggestion.objects.bulk_create(rows, batch_size=2000)
    items = [
        SupervisionItem(
            region=counties[i % 13],
            year=2026,
            number=i // 13 + 1,
            title=f"事项{i}",
            problems="问题",
            report_due=dt.date(2026, 6, 1),
            reported_on=dt.date(2026, 6, 1) + dt.timedelta(days=rng.randint(-20, 5)),
            outcome=rng.choice(["satisfied", "basic", "unsatisfied"]),
        )
        for i in range(args.items)
    ]
    SupervisionItem.objects.bulk_create(items)
    through = SupervisionItem.departments.through
    through.objects.bulk_create(
        [
            through(supervisionitem_id=i.pk, handlingunit_id=rng.choice(by_county[i.region_id]).pk)
            for i in items
        ]
    )
    county_office = UserFactory(username="county")
    county_office.roles.create(role=Role.COUNTY_STAFF, region=counties[0])
    city_office = UserFactory(username="city")
    city_office.roles.create(role=Role.CITY_STAFF, region=city)

    for label, user in (("county office", county_office), ("city office", city_office)):
        t = best(lambda user=user: selectors.suggestion_figures(user=user))
        f = selectors.suggestion_figures(user=user)
        print(
            f"suggestion_figures, {label}: {t * 1000:.0f} ms ({len(f['units'])} units, {len(f['sessions'])} sessions)"
        )
    t = best(lambda: selectors.supervision_year(user=city_office, year=2026))
    print(f"supervision_year, city office, {args.items} items: {t * 1000:.0f} ms")

    # the dashboards' block and the circulars' section (helper h19): one county, the city
    from reports.periods import Period

    for label, region in (("county", counties[0]), ("city", city)):
        t = best(
            lambda region=region: selectors.region_motion_figures(region=region, period=Period.year(2026))
        )
        f = selectors.region_motion_figures(region=region, period=Period.year(2026))
        print(
            f"region_motion_figures, {label}, 2026: {t * 1000:.0f} ms "
            f"({f.total.assigned} suggestions, {len(f.units)} units, {f.supervision.total} items)"
        )

    # the sync feed: the city office walks every suggestion, 500 a page (as the API does)
    from liaison import sync
    from liaison.scoping import scoped, scoped_tombstones
    from motions.api import DeputySuggestionViewSet

    view = DeputySuggestionViewSet()

    def walk() -> tuple[int, int]:
        cursor, rows, pages = None, 0, 0
        while True:
            page = sync.sync_page(
                queryset=scoped(city_office, DeputySuggestion.objects.all()),
                resource=view.sync_resource,
                tombstones=scoped_tombstones(city_office, view.sync_resource),
                fields=view.sync_fields,
                cursor=cursor,
                limit=500,
                transform=view.sync_transform,
            )
            rows, pages, cursor = rows + len(page.results), pages + 1, page.next_cursor
            if not page.has_more:
                return rows, pages

    t = best(walk, runs=3)
    rows, pages = walk()
    print(
        f"deputy-suggestions sync, city office, {rows} rows in {pages} pages: {t * 1000:.0f} ms ({t * 1000 / pages:.0f} ms a page)"
    )


if __name__ == "__main__":
    main()
