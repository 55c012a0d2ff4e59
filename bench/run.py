"""Every benchmark in ``bench/`` in one run, one table: ``make bench``.

    make bench                  # the scales each benchmark names (scale 1 and 30; ~1 hour here)
    BENCH_SCALES="1 5 30" make bench   # other scales (docs/scale.md uses three)
    # smaller runs: BENCH_REPS, BENCH_BATCH_ROUNDS, BENCH_ESCALATION_TICKETS,
    # BENCH_SEARCH_SCALES / BENCH_SYNC_SCALES (the scales of those two; default BENCH_SCALES)
    BENCH_QUICK=1 make bench    # scale 1 only, smaller counts (a few minutes)
    .venv/bin/python bench/run.py [--quick] [--only reports dashboard] [--no-write]

Each benchmark runs as its own process (each binds Django to its own database) and keeps
its own output (saved under ``bench/out/``, not committed); each prints ``BENCH_RESULT``
lines (``bench/_result.py``) that this runner gathers into one table: the figure, the
scale, the value, its baseline measured in the same run, the ratio, the goal and whether
it is met. The table goes to stdout and to ``docs/benchmarks.md`` with the date, the
machine's core count and its load.

The seeded databases are ``<prefix>_s1`` and ``<prefix>_s30`` (``BENCH_DB_PREFIX``, default
``liaison_bench``) on ``BENCH_PG`` (default ``postgres://postgres@127.0.0.1:5432``): built by
the first benchmark that needs them (scale 30 takes several minutes) and reused after.
The escalation sweep builds ``<prefix>_escalation`` afresh each run. The load run under
faults (``bench/load_faults.py``) needs root and its own PostgreSQL cluster and runs for
minutes: it is included only with ``BENCH_LOAD_FAULTS=1``.

Nothing here is collected by pytest (``testpaths = ["tests"]``, and no file is named
``test_*``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._result import PREFIX  # noqa: E402

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "liaison_bench")


def db(suffix: str) -> str:
    return f"{SERVER}/{DB_PREFIX}_{suffix}"


@dataclass
class Bench:
    name: str
    script: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    label: str = ""


def plan(quick: bool) -> list[Bench]:
    """Each benchmark at the scales it names; ``quick``: scale 1 and smaller counts."""
    scales = ["1"] if quick else os.environ.get("BENCH_SCALES", "1 30").split()
    benches = [
        Bench(
            "reports",
            "bench/reports.py",
            ["--scales", *scales, "--reuse", "--db-prefix", DB_PREFIX],
            {"BENCH_PG": SERVER},
        ),
        Bench(
            "dashboard",
            "bench/dashboard.py",
            ["--scales", *scales, "--reps", os.environ.get("BENCH_REPS", "20" if quick else "50")]
            + ["--db-prefix", db("s")],
        ),
    ]
    for scale in os.environ.get("BENCH_SEARCH_SCALES", " ".join(scales)).split():
        benches.append(
            Bench(
                "search",
                "bench/search.py",
                ["--scale", scale, "--reps", "10" if quick else "30"],
                {"DATABASE_URL": db(f"s{scale}")},
                f"search s{scale}",
            )
        )
    benches += [
        Bench("api_sync", "bench/api_sync.py", ["1"], {"BENCH_DATABASE_URL": db("s1")}, "api_sync s1"),
        Bench(
            "api_batch",
            "bench/api_batch.py",
            [os.environ.get("BENCH_BATCH_ROUNDS", "3" if quick else "10")],
            {"BENCH_DATABASE_URL": db("s1")},
        ),
        Bench(
            "escalation",
            "bench/escalation.py",
            ["--tickets", os.environ.get("BENCH_ESCALATION_TICKETS", "50000" if quick else "1000000")]
            + ["--naive", "1000" if quick else "5000"],
            {"BENCH_DATABASE_URL": db("escalation")},
        ),
    ]
    for scale in os.environ.get("BENCH_SYNC_SCALES", " ".join(scales)).split()[1:]:
        benches.insert(
            -2,
            Bench(
                "api_sync",
                "bench/api_sync.py",
                [scale],
                {"BENCH_DATABASE_URL": db(f"s{scale}")},
                f"api_sync s{scale}",
            ),
        )
    if os.environ.get("BENCH_LOAD_FAULTS") == "1":
        benches.append(Bench("load_faults", "bench/load_faults.py", ["--minutes", "2" if quick else "8"]))
    return benches


def run(bench: Bench, out_dir: Path) -> tuple[list[dict], float, int]:
    """Run one benchmark, echo and save its output, return its result rows."""
    env = {**os.environ, **bench.env}
    env.pop("REDIS_URL", None)  # tasks in-process: the benchmarks measure the web and SQL side
    log = out_dir / f"{(bench.label or bench.name).replace(' ', '_')}.log"
    rows: list[dict] = []
    started = time.monotonic()
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, bench.script, *bench.args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            sink.write(line)
            if line.startswith(PREFIX):
                rows.append(json.loads(line[len(PREFIX) :]))
            else:
                print(f"  [{bench.label or bench.name}] {line}", end="", flush=True)
        code = proc.wait()
    return rows, time.monotonic() - started, code


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "×":
        return f"{value:,.1f}×"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| benchmark | figure | scale | value | baseline (same run) | ratio | goal | met? |",
        "|---|---|---:|---:|---|---:|---|:---:|",
    ]
    for r in rows:
        base = ""
        if r.get("baseline") is not None:
            base = fmt(r["baseline"], r["unit"]) + (
                f" ({r['baseline_label']})" if r.get("baseline_label") else ""
            )
        elif r.get("baseline_label"):
            base = r["baseline_label"]
        met = {True: "yes", False: "**no**", None: ""}[r.get("met")]
        lines.append(
            f"| {r['bench']} | {r['figure']} | {r['scale']} | {fmt(r['value'], r['unit'])} | {base} | "
            f"{fmt(r.get('ratio'), '×')} | {r.get('goal', '')} | {met} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    parser.add_argument("--only", nargs="+", help="benchmark names (reports, dashboard, search, …)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument(
        "--from-logs", action="store_true", help="no run: the table from the saved outputs in bench/out/"
    )
    args = parser.parse_args()
    benches = [b for b in plan(args.quick) if not args.only or b.name in args.only]
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    started_at = dt.datetime.now(dt.UTC)
    rows: list[dict] = []
    summary: list[str] = []
    if args.from_logs:
        summary.append("table rebuilt from the saved outputs (`--from-logs`)")
        for bench in benches:
            log = out_dir / f"{(bench.label or bench.name).replace(' ', '_')}.log"
            if log.exists():
                rows += [
                    json.loads(x[len(PREFIX) :]) for x in log.read_text().splitlines() if x.startswith(PREFIX)
                ]
        benches = []
    for bench in benches:
        label = bench.label or bench.name
        print(f"==> {label}: {bench.script} {' '.join(bench.args)}", flush=True)
        got, seconds, code = run(bench, out_dir)
        summary.append(f"{label}: {seconds:.0f} s" + ("" if code == 0 else f" (exit {code}: see bench/out/)"))
        if code != 0:
            rows.append(
                {
                    "bench": bench.name,
                    "figure": f"{label} failed (exit {code})",
                    "scale": "",
                    "value": None,
                    "unit": "",
                    "met": False,
                }
            )
        rows += got
    lines = table(rows)
    print()
    print("\n".join(lines))
    met = sum(1 for r in rows if r.get("met") is True)
    goals = sum(1 for r in rows if r.get("met") is not None)
    print(f"\n{met} of {goals} goals met")
    if args.no_write:
        return
    load = os.getloadavg()
    knobs = ", ".join(f"`{k}={v}`" for k, v in sorted(os.environ.items()) if k.startswith("BENCH_"))
    doc = [
        "# Benchmarks",
        "",
        f"Written by `make bench` ({'`BENCH_QUICK=1`, scale 1 only' if args.quick else 'full run'}) on "
        f"{started_at:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (the machine is shared: read the ratios, "
        "not the seconds). Each baseline is measured in the same run as its figure; the ratio is "
        "baseline ÷ value (how many times better), except for the dashboard, where it is the "
        "larger scale's time ÷ scale 1's (how the cost grows; the goal is ≤ 1.2).",
        "",
        f"Settings: {knobs or 'the defaults'}.",
        "",
        *lines,
        "",
        f"{met} of {goals} goals met. Time per benchmark: {'; '.join(summary)}.",
        "",
        "Each benchmark's own output is in `bench/out/<name>.log` after a run (not committed). "
        "How each figure is measured: the docstring at the top of each `bench/*.py`. How the "
        "costs grow with the scale and what comes after one machine: `docs/scale.md`.",
        "",
    ]
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(doc))
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
