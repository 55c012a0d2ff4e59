"""Benchmark: the annual evaluation of every deputy and the stars of every station.

The evaluation of every deputy of a city (set-based: ``oversight.services.evaluation_run``) against a per-deputy loop (the file's figures read
deputy by deputy, ``oversight.selectors.file_measures`` for one id, then scored), in the
same run, on ``seed_demo`` data.

    .venv/bin/python bench/oversight.py [--scales 1] [--reuse] [--db-prefix bench_oversight]
                                        [--loop-sample N]

For each scale a database ``<prefix>_s<N>`` on 127.0.0.1 (``BENCH_PG`` overrides the
server URL) is built with migrate + seed_demo (``--reuse`` keeps one already seeded). A
scheme with six indicators is set on the root region for the year with the most
receptions. Timed: the set-based run over every deputy; the loop over ``--loop-sample``
deputies (default: all of them), extrapolated to all when sampled. Prints deputies per
second for both and the ratio; then the star rating of every open station
(``oversight.stations.station_rating_run``) against a per-station loop, with the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def prepare(scale: int, reuse: bool, prefix: str) -> str:
    import psycopg

    name = f"{prefix}_s{scale}"
    url = f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            env = {**os.environ, "DATABASE_URL": url}
            env.pop("REDIS_URL", None)
            subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--scale", str(scale), "--no-progress"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  seeded {name} in {time.monotonic() - started:.0f} s", flush=True)
    return url


def run_measurements(loop_sample: int | None) -> dict:
    """Inside Django (a fresh interpreter per database)."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from oversight import scoring
    from oversight.models import EvaluationRun, EvaluationScheme, Indicator, Measure
    from oversight.selectors import empty_measures, evaluated_deputies, file_measures
    from oversight.services import evaluation_run
    from stations.models import Region
    from visits.models import ReceptionSession

    root = Region.objects.get_root_nodes().first()
    year = (
        ReceptionSession.objects.annotate(y=ExtractYear("starts_at"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["y"]
    )
    EvaluationRun.objects.filter(region=root, year=year).delete()
    scheme, _created = EvaluationScheme.objects.get_or_create(
        region=root, year=year, defaults={"name": "bench"}
    )
    scheme.indicators.all().delete()
    for i, (m, target, weight, required) in enumerate(
        [
            (Measure.STATION_ENTRIES, 2, 30, True),
            (Measure.DOOR_TO_DOOR, 1, 10, False),
            (Measure.CITIZENS_RECEIVED, 10, 10, False),
            (Measure.CLOSURE_RATE, "0.8", 20, False),
            (Measure.SATISFACTION_RATE, "0.9", 15, False),
            (Measure.REPORT_TO_VOTERS, 1, 15, True),
        ]
    ):
        Indicator.objects.create(
            scheme=scheme, measure=m, target=target, weight=weight, required=required, sort_order=i
        )

    started = time.perf_counter()
    run = evaluation_run(region=root, year=year, actor=None)
    set_seconds = time.perf_counter() - started
    deputies = run.results.count()

    rule = scheme.snapshot()
    ids = list(evaluated_deputies(region=root, year=year).order_by("pk").values_list("pk", flat=True))
    sample = ids if not loop_sample else ids[:loop_sample]
    started = time.perf_counter()
    loop_scores = {}
    for pk in sample:
        inputs = file_measures(deputies=[pk], year=year).get(pk) or empty_measures()
        loop_scores[pk] = scoring.score(inputs, rule)["score"]
    loop_seconds = time.perf_counter() - started
    stored = dict(run.results.filter(deputy_id__in=sample).values_list("deputy_id", "score"))
    assert all(stored[pk] == loop_scores[pk] for pk in sample), "the loop and the run disagree"
    loop_all = loop_seconds * len(ids) / len(sample)
    stars = _stars(root, year)
    return {
        **stars,
        "year": year,
        "deputies": deputies,
        "set_seconds": set_seconds,
        "loop_sampled": len(sample),
        "loop_seconds": loop_seconds,
        "loop_all_seconds": loop_all,
    }


def _stars(root, year: int) -> dict:
    """The star rating of every open station, set-based against a per-station loop."""
    from oversight import stations as st
    from oversight.models import StarCriterion, StarRule, StationMeasure

    rule, _created = StarRule.objects.get_or_create(region=root, year=year, defaults={"name": "bench"})
    rule.criteria.all().delete()
    for i, (m, t) in enumerate(
        [
            (StationMeasure.RECEPTION_DAYS, (1, 2, 4, 8, 12)),
            (StationMeasure.ENTRIES_PER_DEPUTY, (0.5, 1, 1.5, 2, 3)),
            (StationMeasure.CLOSURE_RATE, (0.3, 0.5, 0.6, 0.8, 0.9)),
            (StationMeasure.ON_TIME_RATE, (0.3, 0.5, 0.6, 0.8, 0.9)),
            (StationMeasure.SATISFACTION_RATE, (0.5, 0.6, 0.7, 0.8, 0.9)),
            (StationMeasure.LEDGER_COMPLETE, (0.5, 0.6, 0.7, 0.8, 0.9)),
        ]
    ):
        names = ("one_star", "two_stars", "three_stars", "four_stars", "five_stars")
        StarCriterion.objects.create(rule=rule, measure=m, sort_order=i, **dict(zip(names, t, strict=True)))
    started = time.perf_counter()
    ratings = st.station_rating_run(region=root, year=year)
    set_seconds = time.perf_counter() - started
    snapshot = rule.snapshot()
    pks = list(st.rated_stations(region=root).order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    loop = {}
    for pk in pks:
        one = st.station_measures(stations=st.Station.objects.filter(pk=pk), year=year)
        loop[pk] = st.stars_for(one.get(pk) or st.empty_station_measures(), snapshot)[0]
    loop_seconds = time.perf_counter() - started
    assert all(loop[r.station_id] == r.computed_stars for r in ratings), "the loop and the run disagree"
    return {"stations": len(ratings), "stars_set_seconds": set_seconds, "stars_loop_seconds": loop_seconds}


def measure(url: str, loop_sample: int | None) -> dict:
    code = f"""
import json, os, sys
sys.path.insert(0, {str(ROOT)!r})
os.environ["DATABASE_URL"] = {url!r}
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
import django; django.setup()
from bench.oversight import run_measurements
print(json.dumps(run_measurements({loop_sample!r})))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1])
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--db-prefix", default="bench_oversight")
    parser.add_argument("--loop-sample", type=int, default=None)
    args = parser.parse_args()
    for scale in args.scales:
        print(f"scale {scale}", flush=True)
        url = prepare(scale, args.reuse, args.db_prefix)
        r = measure(url, args.loop_sample)
        sampled = (
            "" if r["loop_sampled"] == r["deputies"] else f" (timed on {r['loop_sampled']:,}, extrapolated)"
        )
        print(f"  year {r['year']}: {r['deputies']:,} deputies evaluated")
        print(
            f"  set-based run : {r['set_seconds']:8.2f} s  ({r['deputies'] / r['set_seconds']:,.0f} deputies/s)"
        )
        print(f"  per-deputy loop: {r['loop_all_seconds']:8.2f} s{sampled}")
        print(f"  ratio (loop / set-based): {r['loop_all_seconds'] / r['set_seconds']:.1f}x")
        print(f"  stars of {r['stations']:,} stations: set-based {r['stars_set_seconds']:.2f} s, ", end="")
        print(f"per-station loop {r['stars_loop_seconds']:.2f} s")
        print(
            f"  ratio (loop / set-based): {r['stars_loop_seconds'] / r['stars_set_seconds']:.1f}x", flush=True
        )


if __name__ == "__main__":
    main()
