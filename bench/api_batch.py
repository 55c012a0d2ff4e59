"""Benchmark: ``tickets/batch/`` of 100 records against the per-record path it replaced.

Run (PostgreSQL; the database is created, migrated and seeded when needed, then reused):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_batch .venv/bin/python bench/api_batch.py [ROUNDS]

On the scale-1 demo (``seed_demo``), through the whole Django stack (URL routing, token
authentication, scoping, JSON), as a liaison officer of one station, ROUNDS (default 10)
batches of 100 records each way, in one run:

1. 100 new tickets: ``POST /api/v1/tickets/batch/`` (one transaction, references
   resolved once per kind, the creates inserted in two statements) vs the baseline, the
   old endpoint defined below: each record through ``ticket_upsert`` (the PUT path:
   scoped lookups, ``ticket_register`` with ``full_clean``) in its own transaction;
2. the same 100 records again (identical repeats, every record "unchanged"), both ways;
3. the same 100 records with their content corrected and ``version`` 1 ("updated");
4. for scale, 100 separate ``PUT /api/v1/tickets/<id>/`` requests of new tickets.

Prints the median time of a batch, records per second, queries per batch and the ratio
(baseline ÷ batch). Both ways give the same answers (checked on every round).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._result import emit  # noqa: E402

url = os.environ.get("BENCH_DATABASE_URL")
if not url:
    sys.exit("Set BENCH_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/bench_batch")
os.environ["DATABASE_URL"] = url
os.environ.pop("REDIS_URL", None)  # tasks in-process; registering a ticket queues none
os.environ["API_THROTTLE_RATE"] = "100000000/minute"  # measure the API, not the throttle
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
os.environ.setdefault("DEBUG", "0")

BATCH = 100


def ensure_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database(url)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from stations.models import Station  # noqa: E402
from suggestions.api import _batch_answer, _batch_shape, ticket_upsert  # noqa: E402
from suggestions.models import Category, Ticket  # noqa: E402

# --- the baseline: the endpoint as it was, one record after another ---------------------------


class BaselineBatchView(APIView):
    """The old ``tickets/batch/`` (mode "each"): every record through the PUT path, each in
    its own transaction."""

    def post(self, request):
        results = []
        for record in request.data["records"]:
            shaped = _batch_shape(record)
            if isinstance(shaped, dict):
                results.append(shaped)
                continue
            with transaction.atomic():
                results.append(
                    _batch_answer(
                        shaped.rid,
                        lambda r=shaped: ticket_upsert(
                            request, r.ticket_id, r.data, expected_version=r.version
                        ),
                    )[0]
                )
        return Response({"mode": "each", "applied": True, "results": results})


urlpatterns = [
    path("api/v1/", include("liaison.api_urls")),
    path("baseline/batch/", BaselineBatchView.as_view()),
]


def timed(call) -> tuple[object, float, int]:
    connection.queries_log.clear()  # the log keeps 9,000 queries: count from empty
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - started
    assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    return response, elapsed, len(queries)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(f"database: {url}  rounds: {rounds}  records per batch: {BATCH}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", scale=1, no_progress=True, verbosity=0)
    print(f"seed_demo (or reuse): {time.perf_counter() - started:.1f} s; tickets: {Ticket.objects.count():,}")

    station = Station.objects.filter(kind=Station.Kind.STATION, status=Station.Status.ACTIVE).order_by("pk")[
        0
    ]
    user, _ = User.objects.get_or_create(username="bench-batch-officer")
    user.roles.get_or_create(role=Role.LIAISON_OFFICER, station=station)
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    category = Category.objects.filter(is_active=True).order_by("pk")[0]

    def records() -> list[dict]:
        return [
            {
                "id": str(uuid.uuid4()),
                "station": str(station.pk),
                "category": category.pk,
                "content": f"第{i}件：村口路灯不亮，夜间出行不便",
                "citizen_name": "李四",
                "citizen_phone": "13800001111",
                "received_at": "2024-05-01T09:00:00+08:00",
            }
            for i in range(BATCH)
        ]

    def batch(path_: str, rows: list[dict]):
        return timed(lambda: client.post(path_, {"records": rows}, format="json"))

    runs: dict[str, list[tuple[float, int]]] = {
        k: [] for k in ("new", "new_base", "same", "same_base", "fix", "fix_base", "puts")
    }
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        batch("/api/v1/tickets/batch/", records()[:5])  # warm-up
        batch("/baseline/batch/", records()[:5])
        for _ in range(rounds):
            ours, base = records(), records()
            response, seconds, queries = batch("/api/v1/tickets/batch/", ours)
            runs["new"].append((seconds, queries))
            assert {r["status"] for r in response.json()["results"]} == {"created"}
            response, seconds, queries = batch("/baseline/batch/", base)
            runs["new_base"].append((seconds, queries))
            assert {r["status"] for r in response.json()["results"]} == {"created"}
            # identical repeats: each way answers every record "unchanged"
            for name, rows, path_ in (
                ("same", ours, "/api/v1/tickets/batch/"),
                ("same_base", base, "/baseline/batch/"),
            ):
                response, seconds, queries = batch(path_, rows)
                runs[name].append((seconds, queries))
                assert {r["status"] for r in response.json()["results"]} == {"unchanged"}
            # corrections: every record's content changed, with its version
            for name, rows, path_ in (
                ("fix", ours, "/api/v1/tickets/batch/"),
                ("fix_base", base, "/baseline/batch/"),
            ):
                fixed = [{**row, "content": row["content"] + "（补充）", "version": 1} for row in rows]
                response, seconds, queries = batch(path_, fixed)
                runs[name].append((seconds, queries))
                assert {r["status"] for r in response.json()["results"]} == {"updated"}
        started, queries = time.perf_counter(), 0
        for row in records():
            _, _, n = timed(lambda row=row: client.put(f"/api/v1/tickets/{row['id']}/", row, format="json"))
            queries += n
        runs["puts"].append((time.perf_counter() - started, queries))

    def median(name: str) -> float:
        return statistics.median(s for s, _ in runs[name])

    def line(what: str, base: str, ours: str) -> str:
        b, o = median(base), median(ours)
        return (
            f"| {what:<34} | {b:>8.3f} s | {BATCH / b:>7,.0f} | {runs[base][0][1]:>7} "
            f"| {o:>8.3f} s | {BATCH / o:>7,.0f} | {runs[ours][0][1]:>7} | {b / o:>6.1f}× |"
        )

    print()
    print(
        f"Median of {rounds} batches of {BATCH} records (records/s; queries per batch); ratio = baseline ÷ batch"
    )
    print(
        f"| {'batch of 100':<34} | {'baseline':>10} | {'rec/s':>7} | {'queries':>7} "
        f"| {'batch':>10} | {'rec/s':>7} | {'queries':>7} | {'ratio':>7} |"
    )
    print(f"|{'-' * 36}|{'-' * 12}|{'-' * 9}|{'-' * 9}|{'-' * 12}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    print(line("new tickets (created)", "new_base", "new"))
    print(line("identical repeats (unchanged)", "same_base", "same"))
    print(line("corrections (updated)", "fix_base", "fix"))
    puts_seconds, puts_queries = runs["puts"][0]
    print(f"(100 separate PUTs of new tickets: {puts_seconds:.3f} s, {puts_queries} queries)")
    for what, base, ours in (
        ("tickets/batch/ of 100 new", "new_base", "new"),
        ("tickets/batch/ of 100 repeats", "same_base", "same"),
        ("tickets/batch/ of 100 corrections", "fix_base", "fix"),
    ):
        b, o = median(base), median(ours)
        emit(
            "api_batch",
            what,
            scale=1,
            value=o,
            unit="s",
            baseline=b,
            baseline_label="per-record upsert, same run",
            ratio=b / o,
            goal="< 1 s",
            met=o < 1,
        )


if __name__ == "__main__":
    main()
