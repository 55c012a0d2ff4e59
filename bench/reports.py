"""Benchmark: the full refresh of the report rollups, against Python-side counting, in the
same run, at seed_demo scale 1 and scale 30.

    .venv/bin/python bench/reports.py [--scales 1 30] [--reuse]

For each scale, a database ``bench_reports_s<N>`` on 127.0.0.1 (``BENCH_PG`` overrides
the server URL, default ``postgres://postgres@127.0.0.1:5432``) is built with migrate +
seed_demo (scale 30 takes about 5 minutes; ``--reuse`` keeps a database that is already
seeded). Then, timed:

- the rollups' full refresh (``reports.services.rollups_refresh(full=True)``: GROUP BY in
  PostgreSQL, a few thousand grouped rows inserted);
- the naive version: fetch every ticket, session and attendance row into Python and
  count per station and month in dictionaries (what a first version of a report does);
- the incremental refresh after 1,000 tickets change (only their groups are recomputed);
- the city report read from the rollups (``reports.selectors.figures``).

Prints source rows per second for both and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def prepare(scale: int, reuse: bool) -> str:
    import psycopg

    name = f"bench_reports_s{scale}"
    url = f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.monotonic()
    subprocess.run(
        [python, "manage.py", "seed_demo", "--scale", str(scale), "--no-progress"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  seeded {name} in {time.monotonic() - started:.0f} s", flush=True)
    return url


def measure(url: str) -> dict:
    """Run in a fresh interpreter per database (Django binds to one database at setup)."""
    code = f"""
import json, os, sys, time, statistics
sys.path.insert(0, {str(ROOT)!r})
os.environ["DATABASE_URL"] = {url!r}
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
import django; django.setup()
from bench.reports import naive_count, timed_refresh, timed_incremental, timed_read
print(json.dumps({{**timed_refresh(), **naive_count(), **timed_incremental(), **timed_read()}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def source_rows() -> int:
    from suggestions.models import Ticket
    from visits.models import Attendance, ReceptionSession

    return Ticket.objects.count() + ReceptionSession.objects.count() + Attendance.objects.count()


def timed_refresh() -> dict:
    from reports.services import rollups_refresh

    rows = source_rows()
    runs = []
    for _ in range(2):
        started = time.monotonic()
        result = rollups_refresh(full=True)
        runs.append(time.monotonic() - started)
    return {"source_rows": rows, "refresh_s": min(runs), "rollup_rows": result.rows}


def naive_count() -> dict:
    """Every source row into Python, counted per station and month."""
    from django.utils import timezone

    from suggestions.models import Ticket
    from visits.models import Attendance, ReceptionSession

    started = time.monotonic()
    counts: Counter = Counter()
    for st, received, closed, status, dep, cad in Ticket.objects.values_list(
        "station_id", "received_at", "closed_at", "status", "received_by_deputy_id", "received_by_cadre_id"
    ).iterator(chunk_size=5000):
        if status == "merged":
            continue
        month = timezone.localtime(received).date().replace(day=1)
        group = "deputies" if dep else "cadres" if cad else "other"
        counts[(st, month, group, "collected")] += 1
        if closed:
            counts[(st, month, group, timezone.localtime(closed).date().replace(day=1))] += 1
    held = {}
    for pk, st, starts, citizens, status in ReceptionSession.objects.values_list(
        "pk", "station_id", "starts_at", "citizens_received", "status"
    ).iterator(chunk_size=5000):
        if status == "done":
            month = timezone.localtime(starts).date().replace(day=1)
            held[pk] = (st, month)
            counts[(st, month, "citizens")] += citizens
    for session, role, present in Attendance.objects.values_list("session_id", "role", "present").iterator(
        chunk_size=5000
    ):
        if present and session in held:
            counts[(*held[session], role)] += 1
    return {"naive_s": time.monotonic() - started, "naive_groups": len(counts)}


def timed_incremental() -> dict:
    from django.db.models import F

    from reports.services import rollups_refresh
    from suggestions.models import Ticket

    ids = list(Ticket.objects.order_by("received_at").values_list("pk", flat=True)[::50][:1000])
    Ticket.objects.filter(pk__in=ids).update(version=F("version") + 1)
    started = time.monotonic()
    result = rollups_refresh()
    return {
        "incremental_s": time.monotonic() - started,
        "incremental_groups": result.groups,
        "changed": len(ids),
    }


def timed_read() -> dict:
    from reports.periods import Period, Scope
    from reports.selectors import figures
    from stations.models import Region

    city = Region.objects.get(name="吕梁市")
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        f = figures(scope=Scope(region=city), period=Period.year(2023))
        runs.append(time.perf_counter() - started)
    return {"read_ms": statistics.median(runs) * 1000, "city_closed": f.closed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    args = parser.parse_args()
    results = {}
    for scale in args.scales:
        print(f"scale {scale}: preparing …", flush=True)
        url = prepare(scale, args.reuse)
        results[scale] = measure(url)
        print(f"  {results[scale]}", flush=True)
    print()
    print(
        "| scale | source rows | full refresh s | rows/s | naive Python s | rows/s | ratio | incremental (1,000 changed) s | city report ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scale, r in results.items():
        fast, slow = r["source_rows"] / r["refresh_s"], r["source_rows"] / r["naive_s"]
        print(
            f"| {scale} | {r['source_rows']:,} | {r['refresh_s']:.1f} | {fast:,.0f} | {r['naive_s']:.1f} | "
            f"{slow:,.0f} | {fast / slow:.1f}x | {r['incremental_s']:.2f} ({r['incremental_groups']} groups) | "
            f"{r['read_ms']:.1f} |"
        )
    if len(results) > 1:
        lo, hi = min(results), max(results)
        print(
            f"\ncity report read, scale {hi} / scale {lo}: {results[hi]['read_ms'] / results[lo]['read_ms']:.2f}"
        )


if __name__ == "__main__":
    main()
