"""Benchmark: the full refresh of the report rollups, against Python-side counting, in the
same run, at seed_demo scale 1 and scale 30.

    .venv/bin/python bench/reports.py [--scales 1 30] [--reuse] [--db-prefix bench_reports]

For each scale, a database ``<prefix>_s<N>`` (default ``bench_reports_s<N>``) on 127.0.0.1
(``BENCH_PG`` overrides the server URL, default ``postgres://postgres@127.0.0.1:5432``) is
built with migrate + seed_demo (scale 30 takes about 5 minutes; ``--reuse`` keeps a
database that is already seeded). Then, timed:

- the rollups' full refresh (``reports.services.rollups_refresh(full=True)``: GROUP BY in
  PostgreSQL, a few thousand grouped rows inserted), and the longest single transaction
  it holds open (a second connection samples ``pg_stat_activity.xact_start`` of the
  refresher's backend every few milliseconds; the closing ``VACUUM`` and the staging
  statements ``CREATE TEMP TABLE … AS SELECT`` are left out: they take no lock a write
  needs);
- the naive version: fetch every ticket, session and attendance row into Python, count the
  same rollup rows in dictionaries and write them with ``bulk_create`` (what a first
  version does);
- the incremental refresh after 1,000 tickets change (only their groups are recomputed);
- the city report read from the rollups (``reports.selectors.figures``), and the same two
  rows counted live over the source tables (``suggestions.selectors.work_figures``).

Prints source rows per second for both and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._result import emit  # noqa: E402

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def prepare(scale: int, reuse: bool, prefix: str) -> str:
    import psycopg

    name = f"{prefix}_s{scale}"
    url = f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (exists and reuse):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.monotonic()
    # (seed_demo itself leaves a database that already holds the demo as it is)
    subprocess.run(
        [python, "manage.py", "seed_demo", "--scale", str(scale), "--no-progress"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  seed_demo (or reuse) of {name}: {time.monotonic() - started:.0f} s", flush=True)
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
from bench.reports import naive_count, timed_floor, timed_refresh, timed_incremental, timed_read
print(json.dumps({{**timed_refresh(), **timed_floor(), **naive_count(), **timed_incremental(), **timed_read()}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def source_rows() -> int:
    from suggestions.models import Ticket
    from visits.models import Attendance, ReceptionSession

    return Ticket.objects.count() + ReceptionSession.objects.count() + Attendance.objects.count()


class LongestTransaction:
    """Samples, from a connection of its own, how long the backend ``pid`` has been inside
    its current transaction; ``seconds`` is the longest seen (VACUUM left out)."""

    def __init__(self, pid: int, url: str, interval: float = 0.002):
        import threading

        self.pid, self.url, self.interval = pid, url, interval
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT extract(epoch FROM clock_timestamp() - xact_start), query "
                    "FROM pg_stat_activity WHERE pid = %s AND xact_start IS NOT NULL",
                    [self.pid],
                ).fetchone()
                # VACUUM and the staging statements (CREATE TEMP TABLE … AS SELECT: reads
                # of the source, writes to its own temporary table) hold no lock a write needs
                if row and not row[1].lstrip().upper().startswith(("VACUUM", "CREATE TEMP TABLE")):
                    self.seconds = max(self.seconds, float(row[0]))
                time.sleep(self.interval)

    def __enter__(self) -> LongestTransaction:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed_refresh() -> dict:
    from django.db import connection

    from reports.services import rollups_refresh

    rows = source_rows()
    runs, longest = [], []
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    for _ in range(2):
        with LongestTransaction(pid, os.environ["DATABASE_URL"]) as probe:
            started = time.monotonic()
            result = rollups_refresh(full=True)
            runs.append(time.monotonic() - started)
        longest.append(probe.seconds)
    return {
        "source_rows": rows,
        "refresh_s": min(runs),
        "longest_txn_s": max(longest),
        "rollup_rows": result.rows,
    }


def timed_floor() -> dict:
    """The SQL floor: the full refresh's own aggregate SELECT … GROUP BY statements over
    every source row, their rows fetched, nothing written (best of two)."""
    from reports.services import rollup_floor

    runs = []
    for _ in range(2):
        started = time.monotonic()
        statements, rows = rollup_floor()
        runs.append(time.monotonic() - started)
    return {"floor_s": min(runs), "floor_statements": statements, "floor_rows": rows}


def naive_count() -> dict:
    """The naive refresh: every source row into Python, the same rollup rows counted in
    dictionaries, written with bulk_create (what a first version does). Timed, then the
    real refresh puts the tables back."""
    from collections import defaultdict

    from django.db import transaction
    from django.utils import timezone

    from reports.models import StationActivity, StationTickets
    from reports.services import rollups_refresh
    from stations.models import Station
    from suggestions.models import Ticket
    from visits.models import Attendance, ReceptionSession

    def month(t):
        return timezone.localtime(t).date().replace(day=1) if t else None

    started = time.monotonic()
    paths = dict(Station.objects.values_list("pk", "region__path"))
    sessions = {
        pk: (st, month(at), kind, citizens)
        for pk, st, at, kind, citizens, status in ReceptionSession.objects.values_list(
            "pk", "station_id", "starts_at", "kind", "citizens_received", "status"
        ).iterator(chunk_size=5000)
        if status == "done"
    }
    at_station = set(ReceptionSession.AT_STATION_KINDS)
    # sessions, entries, citizens, deputy entries, deputy citizens, cadre entries, cadre citizens
    act = defaultdict(lambda: [0] * 7)
    present_groups = defaultdict(set)
    for session, role, present in Attendance.objects.values_list("session_id", "role", "present").iterator(
        chunk_size=5000
    ):
        if not present or session not in sessions or role not in ("deputy", "leading_cadre"):
            continue
        st, m, kind, _citizens = sessions[session]
        present_groups[session].add(role)
        if kind in at_station:
            cell = act[(st, m)]
            cell[1] += 1
            cell[3 if role == "deputy" else 5] += 1
    for pk, (st, m, _kind, citizens) in sessions.items():
        cell = act[(st, m)]
        cell[0] += 1
        cell[2] += citizens
        roles = present_groups.get(pk, ())
        cell[4] += citizens if "deputy" in roles else 0
        cell[6] += citizens if "leading_cadre" in roles else 0
    tickets = defaultdict(lambda: [0] * 12)
    for st, received, closed, due, status, dep, cad, sat, no_eval, days in Ticket.objects.values_list(
        "station_id",
        "received_at",
        "closed_at",
        "due_on",
        "status",
        "received_by_deputy_id",
        "received_by_cadre_id",
        "satisfaction",
        "no_evaluation",
        "working_days_to_close",
    ).iterator(chunk_size=5000):
        if status == "merged":
            continue
        c = tickets[(st, month(received), month(closed))]
        c[0] += 1
        c[1] += bool(closed) and (due is None or timezone.localtime(closed).date() <= due)
        c[2] += status not in Ticket.UNHANDLED_STATUSES
        c[3] += status in Ticket.REPLY_DELIVERED_STATUSES
        c[4] += sat != ""
        c[5] += sat in ("satisfied", "basically")
        c[6] += no_eval == "refused"
        c[7] += no_eval == "unreachable"
        c[8] += days or 0
        c[9] += days is not None
        c[10] += dep is not None
        c[11] += cad is not None
    activity = ("sessions", "entries", "citizens_received", "deputy_entries", "deputy_citizens")
    activity += ("cadre_entries", "cadre_citizens")
    measures = ("collected", "on_time", "handled", "replied", "rated", "satisfied", "evaluation_refused")
    measures += ("unreachable", "close_days_sum", "close_days_count", "deputy_collected", "cadre_collected")
    with transaction.atomic():
        for model in (StationActivity, StationTickets):
            model.objects.all().delete()
        StationActivity.objects.bulk_create(
            StationActivity(
                station_id=st, area_path=paths[st], month=m, **dict(zip(activity, v, strict=True))
            )
            for (st, m), v in act.items()
        )
        StationTickets.objects.bulk_create(
            StationTickets(
                station_id=st,
                area_path=paths[st],
                month=m,
                closed_month=cm,
                **dict(zip(measures, v, strict=True)),
            )
            for (st, m, cm), v in tickets.items()
        )
    naive_s = time.monotonic() - started
    rollups_refresh(full=True)
    return {"naive_s": naive_s, "naive_rows": len(act) + len(tickets)}


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
    from suggestions.selectors import work_figures

    city = Region.objects.get(name="吕梁市")
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        f = figures(scope=Scope(region=city), period=Period.year(2023))
        runs.append(time.perf_counter() - started)
    live = []
    for _ in range(5):
        started = time.perf_counter()
        work_figures(group="deputies", start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31), region=city)
        work_figures(group="cadres", start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31), region=city)
        live.append(time.perf_counter() - started)
    # a single deputy's and a single handling unit's report: read from the source, indexed
    from deputies.models import Deputy
    from suggestions.models import HandlingUnit, Ticket

    deputy = Deputy.objects.get(
        pk=Ticket.objects.values("received_by_deputy")
        .exclude(received_by_deputy=None)
        .order_by("received_by_deputy")
        .first()["received_by_deputy"]
    )
    unit = HandlingUnit.objects.get(
        pk=Ticket.objects.exclude(handling_unit=None)
        .order_by("received_at")
        .values_list("handling_unit", flat=True)[0]
    )
    single = {}
    for name, scope in (("deputy", Scope(deputy=deputy)), ("unit", Scope(handling_unit=unit))):
        times = []
        for _ in range(20):
            started = time.perf_counter()
            figures(scope=scope, period=Period.year(2023))
            times.append(time.perf_counter() - started)
        single[f"{name}_read_ms"] = statistics.median(times) * 1000
    return {
        "read_ms": statistics.median(runs) * 1000,
        "live_ms": statistics.median(live) * 1000,
        "city_closed": f.closed,
        **single,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--db-prefix", default="bench_reports", help="databases <prefix>_s<scale>")
    args = parser.parse_args()
    results = {}
    for scale in args.scales:
        print(f"scale {scale}: preparing …", flush=True)
        url = prepare(scale, args.reuse, args.db_prefix)
        results[scale] = measure(url)
        print(f"  {results[scale]}", flush=True)
    print()
    print(
        "| scale | source rows | rollup rows | rows ÷ source | full refresh s | SQL floor (SELECT … GROUP BY) s | "
        "refresh ÷ floor | longest transaction s | naive Python refresh s | naive ÷ refresh | "
        "incremental (1,000 changed) s | city report ms | live SQL (work_figures) ms | deputy report ms | unit report ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scale, r in results.items():
        print(
            f"| {scale} | {r['source_rows']:,} | {r['rollup_rows']:,} | {r['rollup_rows'] / r['source_rows']:.1%} | "
            f"{r['refresh_s']:.2f} | {r['floor_s']:.2f} | {r['refresh_s'] / r['floor_s']:.2f}× | "
            f"{r['longest_txn_s']:.2f} | {r['naive_s']:.1f} | {r['naive_s'] / r['refresh_s']:.1f}× | "
            f"{r['incremental_s']:.2f} ({r['incremental_groups']} groups) | {r['read_ms']:.1f} | {r['live_ms']:.1f} | "
            f"{r['deputy_read_ms']:.1f} | {r['unit_read_ms']:.1f} |"
        )
    for scale, r in results.items():
        ratio = r["refresh_s"] / r["floor_s"]
        emit(
            "reports",
            "rollups full refresh",
            scale=scale,
            value=r["refresh_s"],
            unit="s",
            baseline=r["floor_s"],
            baseline_label="the same SELECT … GROUP BY, nothing written",
            ratio=ratio,
            goal="≤ 3× the floor",
            met=ratio <= 3,
        )
        share = r["rollup_rows"] / r["source_rows"]
        emit(
            "reports",
            f"rollup rows ({r['rollup_rows']:,}) ÷ source rows ({r['source_rows']:,})",
            scale=scale,
            value=share * 100,
            unit="%",
            goal="a small fraction (≤ 25 %)",
            met=share <= 0.25,
        )
        emit(
            "reports",
            "rollups full refresh vs naive Python refresh",
            scale=scale,
            value=r["refresh_s"],
            unit="s",
            baseline=r["naive_s"],
            baseline_label="every row into Python, same run",
            ratio=r["naive_s"] / r["refresh_s"],
        )
        emit(
            "reports",
            "longest refresh transaction writing rollup rows",
            scale=scale,
            value=r["longest_txn_s"],
            unit="s",
            goal="short (< 1 s): no write waits on it",
            met=r["longest_txn_s"] < 1,
        )
        emit(
            "reports",
            "city report (year) from the rollups",
            scale=scale,
            value=r["read_ms"],
            unit="ms",
            baseline=r["live_ms"],
            baseline_label="work_figures live over the source",
            ratio=r["live_ms"] / r["read_ms"],
        )
    lo = min(results)
    for scale, r in results.items():
        if scale == lo:
            continue
        for name, what in (
            ("read", "the city's report, from the rollups"),
            ("deputy_read", "one deputy's report, from the source"),
            ("unit_read", "one unit's report, from the source"),
        ):
            ratio = r[f"{name}_ms"] / results[lo][f"{name}_ms"]
            emit(
                "reports",
                f"{what} (year): scale {scale} ÷ scale {lo}",
                scale=scale,
                value=r[f"{name}_ms"],
                unit="ms",
                baseline=results[lo][f"{name}_ms"],
                baseline_label=f"scale {lo}, same run",
                ratio=ratio,
                goal="≤ 1.2 (flat)",
                met=ratio <= 1.2,
            )
    if len(results) > 1:
        lo, hi = min(results), max(results)
        print(
            f"\ncity report read, scale {hi} / scale {lo}: {results[hi]['read_ms'] / results[lo]['read_ms']:.2f}"
        )


if __name__ == "__main__":
    main()
