"""Benchmark: importing a Lüliang-size roster from Excel, against a naive per-row
``get_or_create`` loop, in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python bench/import_roster.py [--deputies 11386] [--stations 747] [--skip-naive]

Builds a fresh database (migrate only), generates the rosters as xlsx with the templates'
own writer (not timed): a region tree (a city, 13 counties, one township per station, one
village per point), 747 stations and points (167 + 580), and the deputies, one mandate
each. Then, with the audit triggers on as in production:

1. regions and stations: preview + confirm (the deputies' home stations must exist);
2. the naive baseline: the deputy file read and checked by the same parser, then per row
   ``StationKey`` lookup, ``DeputyKey``/``Deputy`` ``get_or_create``, group and mandate
   ``get_or_create``, in one transaction that is rolled back afterwards;
3. the import: preview (``import_preview_run``), confirm (``import_confirm``);
4. the same file again: preview finds every row unchanged.

Prints the seconds of each and the ratio naive ÷ (preview + confirm). ``--profile`` prints
cProfile's top functions of the deputies preview.

Measured (issue 16, this shared 2-core machine at load 8–9, ``--deputies 20000 --skip-naive``,
the code before and after in the same session): preview 30.4 s → 9.8 s, the same file again
41.5 s → 19.1 s, confirm 161.7 s → 132.4 s (see the README's roster-import section).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTIES = (
    "离石区",
    "孝义市",
    "汾阳市",
    "文水县",
    "交城县",
    "兴县",
    "临县",
    "柳林县",
    "石楼县",
    "岚县",
    "方山县",
    "中阳县",
    "交口县",
)


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


def rosters(n_stations: int, n_deputies: int) -> dict[str, list[dict]]:
    """Rows of the three rosters: 22.4 % of the sites are stations (167 of 747), the rest
    points under them; deputies spread over all sites."""
    n_main = max(1, round(n_stations * 167 / 747))
    regions = [{"code": "141100000000", "name": "吕梁市"}]
    stations = []
    county_codes = [f"1411{c + 1:02d}000000" for c in range(len(COUNTIES))]
    regions += [{"code": code, "name": name} for code, name in zip(county_codes, COUNTIES, strict=True)]
    for s in range(n_main):
        county = county_codes[s % len(county_codes)]
        town = county[:6] + f"{s // len(county_codes) + 1:03d}000"
        regions.append({"code": town, "name": f"第{s + 1}镇"})
        stations.append(
            {
                "code": f"ST{s:04d}",
                "name": f"第{s + 1}镇人大代表联络站",
                "kind": "联络站",
                "region_code": town,
            }
        )
    for p in range(n_stations - n_main):
        parent = stations[p % n_main]
        village = parent["region_code"][:9] + f"{p // n_main + 1:03d}"
        regions.append({"code": village, "name": f"第{p + 1}村"})
        stations.append(
            {
                "code": f"PT{p:04d}",
                "name": f"第{p + 1}村联络点",
                "kind": "联络点",
                "parent_code": parent["code"],
                "region_code": village,
            }
        )
    levels = ("县级",) * 5 + ("乡镇级",) * 4 + ("市级",)
    deputies = [
        {
            "code": f"D{i:06d}",
            "name": f"代表{i}",
            "gender": "男女"[i % 2],
            "birth_year": str(1960 + i % 40),
            "phone": f"139{i:08d}",
            "occupation": "村党支部书记",
            "home_station": stations[i % len(stations)]["code"],
            "group": f"第{i % 7 + 1}代表小组",
            "level": levels[i % len(levels)],
            "term": "18",
            "constituency": f"第{i % 50 + 1}选区",
            "started_on": "2021-10-01",
        }
        for i in range(n_deputies)
    ]
    return {"regions": regions, "stations": stations, "deputies": deputies}


def naive_import(content: bytes) -> int:
    """The obvious first version: each row looked up and written on its own."""
    import uuid
    from io import BytesIO

    from deputies.models import Deputy, DeputyGroup, Mandate
    from onboarding.kinds import KINDS
    from onboarding.models import DeputyKey, StationKey
    from onboarding.sheets import parse_row, read_rows

    kind = KINDS["deputies"]
    problems: list = []
    n = 0
    for number, raw in read_rows(BytesIO(content), kind.columns):
        v = parse_row(number, raw, kind.columns, problems)
        station = StationKey.objects.select_related("station").get(code=v["home_station"]).station
        group, _ = DeputyGroup.objects.get_or_create(station=station, name=v["group"])
        key = DeputyKey.objects.filter(code=v["code"]).select_related("deputy").first()
        if key is None:
            deputy = Deputy.objects.create(
                id=uuid.uuid4(),
                name=v["name"],
                gender="M" if v["gender"] == "M" else "F",
                birth_year=v["birth_year"],
                occupation=v["occupation"],
                phone=v["phone"],
                home_station=station,
                group=group,
            )
            DeputyKey.objects.create(deputy=deputy, code=v["code"])
        else:
            deputy = key.deputy
        Mandate.objects.get_or_create(
            deputy=deputy,
            level=v["level"],
            term=v["term"],
            defaults={"constituency": v["constituency"] or "", "started_on": v["started_on"]},
        )
        n += 1
    assert not problems, problems[:3]
    return n


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deputies", type=int, default=11386)
    parser.add_argument("--stations", type=int, default=747)
    parser.add_argument("--skip-naive", action="store_true", help="only the import (e.g. a 20,000-row file)")
    parser.add_argument("--profile", action="store_true", help="cProfile the deputies preview (top 30)")
    args = parser.parse_args()
    setup(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_import"))

    from django.db import transaction

    from accounts.models import User
    from deputies.models import Deputy, Mandate
    from onboarding import services
    from onboarding.kinds import KINDS
    from onboarding.workbook import template_bytes

    services.SYNC_MAX_ROWS = 10**9  # the preview runs here, as the worker would run it
    admin = User.objects.create_superuser("bench_admin", password=None)
    rows = rosters(args.stations, args.deputies)
    t = time.perf_counter()
    files = {kind: template_bytes(KINDS[kind], rows[kind]) for kind in rows}
    print(
        f"generated the xlsx files in {time.perf_counter() - t:.1f} s "
        f"({len(rows['regions'])} regions, {len(rows['stations'])} stations, {len(rows['deputies'])} deputies; "
        f"deputy file {len(files['deputies']) / 1e6:.1f} MB)"
    )

    for kind in ("regions", "stations"):
        t = time.perf_counter()
        job = services.import_start(user=admin, kind=kind, name=f"{kind}.xlsx", content=files[kind])
        assert job.status == "previewed", job.report["problems"][:3]
        job = services.import_confirm(job=job, user=admin)
        print(f"{kind}: {job.created_count} created, preview + confirm {time.perf_counter() - t:.2f} s")

    naive = None
    t = time.perf_counter()
    try:
        if args.skip_naive:
            raise Rollback
        with transaction.atomic():
            n = naive_import(files["deputies"])
            naive = time.perf_counter() - t
            raise Rollback
    except Rollback:
        pass
    assert Deputy.objects.count() == 0
    if naive is not None:
        print(f"naive per-row get_or_create: {n} rows in {naive:.1f} s ({n / naive:.0f} rows/s), rolled back")

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    t = time.perf_counter()
    job = services.import_start(user=admin, kind="deputies", name="deputies.xlsx", content=files["deputies"])
    preview = time.perf_counter() - t
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    assert job.status == "previewed", job.report["problems"][:3]
    t = time.perf_counter()
    job = services.import_confirm(job=job, user=admin)
    confirm = time.perf_counter() - t
    assert Deputy.objects.count() == args.deputies and Mandate.objects.count() == args.deputies
    print(f"import: preview {preview:.1f} s, confirm {confirm:.1f} s ({job.created_count} created)")

    t = time.perf_counter()
    again = services.import_start(
        user=admin, kind="deputies", name="deputies.xlsx", content=files["deputies"]
    )
    repeat = time.perf_counter() - t
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, args.deputies)
    print(f"the same file again: preview {repeat:.1f} s, all {again.unchanged_count} unchanged")
    if naive is not None:
        print(f"ratio naive / (preview + confirm): {naive / (preview + confirm):.1f}x")


if __name__ == "__main__":
    main()
