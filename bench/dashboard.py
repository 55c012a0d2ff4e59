"""Benchmark: the city dashboard's server time at seed_demo scale 1 and scale 30.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/dashboard.py                 # both scales, 50 timed requests each
    .venv/bin/python bench/dashboard.py --reps 200 --scales 1 30
    .venv/bin/python bench/dashboard.py --refresh       # recompute the rollups even if present

For each scale it uses the database ``bench8_s<scale>`` (``--db-prefix`` to change it):
creates it if missing, migrates, seeds ``seed_demo(scale=N)`` unless the demo is already
there (scale 30 takes about five minutes the first time), fills the report rollups
(``rollups_refresh(full=True)``) when they are empty or ``--refresh`` is given, and runs
``ANALYZE`` (as autovacuum would after a bulk load). Then, in a fresh process per scale,
it signs in as the ``city`` user (吕梁市 city staff) with Django's test ``Client`` and
times ``GET /dashboards/regions/<吕梁市>/?period=half&on=2023-01-01`` (the full request:
middleware, session, scoping, selectors, template) ``--warmup`` times untimed and
``--reps`` times timed, and prints the median and the 95th percentile of each scale, the
query count, and the ratio scale 30 / scale 1. Scale N is N city trees; the city user's
dashboard reads Lüliang's rows only, so the goal is the same time at both scales
(under 100 ms, ratio near 1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PERIOD = "period=half&on=2023-01-01"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def worker(args) -> None:
    """In a process of its own (DATABASE_URL already set): prepare, then time."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    # the page is measured, not the sign-in: a forced login has no second factor
    os.environ.setdefault("TWO_FACTOR_REQUIRED", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from liaison.demo.seed import LULIANG_CODE, seed_demo
    from reports.models import StationActivity
    from reports.services import rollups_refresh
    from stations.models import Region

    prep: dict = {}
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    result = seed_demo(scale=args.scale, progress=False)
    prep["seeded"] = result.created
    if result.created or args.refresh or not StationActivity.objects.exists():
        prep["rollup_rows"] = rollups_refresh(full=True).rows
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    prep["prepare_seconds"] = round(time.monotonic() - started, 1)

    city = Region.objects.get(code=LULIANG_CODE)
    url = f"{reverse('dashboards:region', args=[city.pk])}?{PERIOD}"
    client = Client()
    client.force_login(User.objects.get(username="city"))
    for _ in range(args.warmup):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    html = response.content.decode()
    assert "7,164" in html and "14,349" in html, "the deputies' row of the figures table is missing"
    print(
        json.dumps(
            {
                "scale": args.scale,
                "median_ms": statistics.median(times),
                "p95_ms": _percentile(times, 0.95),
                "min_ms": min(times),
                "queries": len(ctx.captured_queries),
                "sql_ms": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
                "stations": StationActivity.objects.values("station").distinct().count(),
                **prep,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--refresh", action="store_true", help="recompute the rollups even when present")
    parser.add_argument("--db-prefix", default="postgres://postgres@127.0.0.1:5432/bench8_s")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    results = {}
    for scale in args.scales:
        url = f"{args.db_prefix}{scale}"
        _ensure_database(url)
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "REDIS_URL": "", "LOG_LEVEL": "ERROR"}
        env["CELERY_TASK_ALWAYS_EAGER"] = "1"
        print(f"scale {scale}: preparing {url.rsplit('/', 1)[1]} and timing …", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--worker", "--scale", str(scale)]
        command += ["--reps", str(args.reps), "--warmup", str(args.warmup)]
        if args.refresh:
            command.append("--refresh")
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=ROOT)
        results[scale] = json.loads(out.stdout.strip().splitlines()[-1])

    print(
        f"City dashboard (吕梁市, {PERIOD}), {args.reps} requests after {args.warmup} warm-up, server time:"
    )
    print(f"{'scale':>6} {'median':>9} {'p95':>9} {'min':>9} {'SQL':>8} {'queries':>8}  prepared")
    for scale, r in results.items():
        prep = "seeded now" if r.get("seeded") else "reused"
        if "rollup_rows" in r:
            prep += f", rollups {r['rollup_rows']:,} rows"
        print(
            f"{scale:>6} {r['median_ms']:>7.1f}ms {r['p95_ms']:>7.1f}ms {r['min_ms']:>7.1f}ms "
            f"{r['sql_ms']:>6.1f}ms {r['queries']:>8}  {prep} ({r['prepare_seconds']} s)"
        )
    if len(results) >= 2:
        lo, hi = min(results), max(results)
        ratio = results[hi]["median_ms"] / results[lo]["median_ms"]
        p95 = results[hi]["p95_ms"] / results[lo]["p95_ms"]
        print(f"ratio scale {hi} / scale {lo}: median {ratio:.2f}, p95 {p95:.2f}")
    from bench._result import emit

    lo = min(results)
    for scale, r in results.items():
        ratio = r["median_ms"] / results[lo]["median_ms"] if scale != lo else None
        goal = "< 100 ms" + (f"; ÷ scale {lo} ≤ 1.2" if ratio is not None else "")
        met = r["median_ms"] < 100 and (ratio is None or ratio <= 1.2)
        emit(
            "dashboard",
            "city dashboard, median request",
            scale=scale,
            value=r["median_ms"],
            unit="ms",
            baseline=results[lo]["median_ms"] if ratio is not None else None,
            baseline_label=f"scale {lo}, same run" if ratio is not None else "",
            ratio=ratio,
            goal=goal,
            met=met,
        )


if __name__ == "__main__":
    main()
