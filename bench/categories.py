"""意见建议分类统计: read from the source (one grouped query per breakdown, on the covering
index) against a rollup with a category and tier dimension (station × month × category ×
tier × month closed), at the seeded scale. Prints the rollup's rows and build time, and
each read's time, best of five.

    DATABASE_URL=… python bench/categories.py [--year 2023]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from reports.categories import category_stats  # noqa: E402
from reports.periods import Period, Scope  # noqa: E402
from stations.models import Region  # noqa: E402
from suggestions.models import Ticket  # noqa: E402


def best(fn, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


ROLLUP_SQL = """
CREATE TEMP TABLE bench_category_rollup AS
SELECT t.station_id, r.path AS area_path,
       date_trunc('month', t.received_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
       t.category_id, t.tier,
       date_trunc('month', t.closed_at AT TIME ZONE 'Asia/Shanghai')::date AS closed_month,
       count(*) AS collected
FROM suggestions_ticket t JOIN stations_station s ON s.id = t.station_id JOIN stations_region r ON r.id = s.region_id
WHERE t.status <> 'merged'
GROUP BY 1, 2, 3, 4, 5, 6
"""

READ_SQL = """
SELECT category_id, sum(collected), sum(collected) FILTER (WHERE closed_month <= %s)
FROM bench_category_rollup WHERE area_path LIKE %s AND month >= %s AND month <= %s GROUP BY 1
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2023)
    args = parser.parse_args()
    city = Region.objects.filter(depth=1).order_by("path").first()
    county = Region.objects.filter(depth=2, path__startswith=city.path).order_by("path").first()
    period = Period.year(args.year)
    print(f"tickets: {Ticket.objects.count():,}; city {city.name}, county {county.name}, {period.label}")
    for region in (city, county):
        children = {
            r.path: r.name
            for r in Region.objects.filter(path__startswith=region.path, depth=region.depth + 1)
        }
        secs = best(
            lambda region=region, children=children: category_stats(
                scope=Scope(region=region), period=period, children=children
            )
        )
        print(f"source, whole page (4 grouped queries + names), {region.name}: {secs * 1000:.1f} ms")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_category_rollup")
        t = time.perf_counter()
        cursor.execute(ROLLUP_SQL)
        build = time.perf_counter() - t
        cursor.execute("CREATE INDEX ON bench_category_rollup (area_path)")
        cursor.execute("ANALYZE bench_category_rollup")
        cursor.execute("SELECT count(*) FROM bench_category_rollup")
        rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM reports_stationtickets")
        base = cursor.fetchone()[0]
        print(
            f"rollup with category × tier: {rows:,} rows (the station × month ticket rollup: {base:,}), built in {build * 1000:.0f} ms"
        )
        for region in (city, county):
            params = [period.end, region.path + "%", period.start, period.end]
            secs = best(lambda params=params: cursor.execute(READ_SQL, params) or cursor.fetchall())
            print(f"rollup, by category only, {region.name}: {secs * 1000:.1f} ms")
            from reports.categories import category_counts

            secs = best(
                lambda region=region: category_counts(
                    scope=Scope(region=region), period=period, by="category"
                )
            )
            print(f"source, by category only, {region.name}: {secs * 1000:.1f} ms")
        cursor.execute("DROP TABLE bench_category_rollup")


if __name__ == "__main__":
    main()
