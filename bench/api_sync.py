"""Benchmark: syncing every ticket through /api/v1/tickets/sync/ against a plain DRF baseline.

Run (PostgreSQL; the database is created, migrated and seeded when needed, then reused):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench7 .venv/bin/python bench/api_sync.py [SCALE]

SCALE is ``seed_demo --scale`` (default 1: 10,667 tickets; 30 takes ~5 minutes to seed).
An existing demo in the database is reused whatever its scale (pass ``--reset`` after
SCALE to rebuild it).

In one run, through the whole Django stack (URL routing, token authentication, scoping,
throttling, JSON rendering), as a system admin:

1. full sync of all tickets, pages of 500: ``/api/v1/tickets/sync/`` (keyset on
   ``(sync_txid, id)``, ``values()`` rows) vs a baseline ``ModelViewSet`` +
   ``ModelSerializer`` + ``PageNumberPagination`` (page_size 500, ``COUNT(*)`` + OFFSET),
   defined below; records/s and the time of the first and the last page;
2. 1,000 tickets changed (set-based UPDATE), then an incremental sync of them: the sync
   cursor from step 1 vs the baseline filtered by ``updated_at__gt`` (the classic
   timestamp cursor, which also has the late-commit hole).

A run's time is the sum of its requests' times (the server's side: from the test client's
request to its response, rendering included); the same with the client's decoding of each
page (``response.json()``, the same work on both sides) is printed beside it and reported
as a second figure. Prints a table with the ratios (baseline time / sync time).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._result import emit  # noqa: E402

url = os.environ.get("BENCH_DATABASE_URL")
if not url:
    sys.exit("Set BENCH_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/bench7")
os.environ["DATABASE_URL"] = url
os.environ.pop("REDIS_URL", None)  # tasks in-process; nothing here queues any
os.environ["API_THROTTLE_RATE"] = "100000000/minute"  # measure the API, not the throttle
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
os.environ.setdefault("DEBUG", "0")

PAGE = 500
CHANGED = 1000


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
from django.db.models import F, Value  # noqa: E402
from django.db.models.functions import Concat, Now  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import pagination, routers, serializers, viewsets  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from suggestions.models import Ticket  # noqa: E402

# --- the baseline: what a plain DRF tutorial would give --------------------------------------


class BaselineTicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = "__all__"


class BaselinePagination(pagination.PageNumberPagination):
    page_size = PAGE


class BaselineTicketViewSet(viewsets.ModelViewSet):
    queryset = Ticket.objects.order_by("created_at", "id")
    serializer_class = BaselineTicketSerializer
    pagination_class = BaselinePagination
    filterset_fields = {"updated_at": ["gt"]}


router = routers.SimpleRouter()
router.register("tickets", BaselineTicketViewSet, basename="baseline-ticket")
urlpatterns = [
    path("api/v1/", include("liaison.api_urls")),
    path("baseline/", include(router.urls)),
]


def timed_get(client: APIClient, path_: str, params: dict | None = None):
    started = time.perf_counter()
    response = client.get(path_, params or {})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (path_, response.status_code, response.content[:300])
    return response.json(), elapsed


def sync_run(client: APIClient, cursor: str | None = None) -> dict:
    pages, count, started = [], 0, time.perf_counter()
    while True:
        params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        body, elapsed = timed_get(client, "/api/v1/tickets/sync/", params)
        pages.append((elapsed, len(body["results"])))
        count += len(body["results"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    return {
        "records": count,
        "seconds": sum(t for t, _n in pages),
        "wall": time.perf_counter() - started,
        "pages": pages,
        "cursor": cursor,
    }


def baseline_run(client: APIClient, params: dict | None = None) -> dict:
    pages, count, page, started = [], 0, 1, time.perf_counter()
    while True:
        body, elapsed = timed_get(client, "/baseline/tickets/", {**(params or {}), "page": page})
        pages.append((elapsed, len(body["results"])))
        count += len(body["results"])
        if not body["next"]:
            break
        page += 1
    return {
        "records": count,
        "seconds": sum(t for t, _n in pages),
        "wall": time.perf_counter() - started,
        "pages": pages,
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    scale = int(args[0]) if args else 1
    print(f"database: {url}  scale requested: {scale}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", scale=scale, reset="--reset" in sys.argv, no_progress=True, verbosity=0)
    print(f"seed_demo (or reuse): {time.perf_counter() - started:.1f} s")
    total = Ticket.objects.count()
    print(f"tickets: {total:,}")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_ticket")

    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        # warm-up (imports, schema of the serializers, plan cache)
        timed_get(client, "/api/v1/tickets/sync/", {"limit": 10})
        timed_get(client, "/baseline/tickets/", {"page": 1})

        full_sync = sync_run(client)
        full_base = baseline_run(client)
        assert full_sync["records"] == total == full_base["records"], (
            full_sync["records"],
            full_base["records"],
        )

        # 1,000 tickets change (set-based: the trigger stamps sync_txid; version and
        # updated_at are bumped by hand, as a set-based update must)
        ids = list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:CHANGED])
        since = Ticket.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        time.sleep(0.01)
        Ticket.objects.filter(pk__in=ids).update(
            content=Concat(F("content"), Value("（已更新）")), version=F("version") + 1, updated_at=Now()
        )
        # the first read of freshly updated rows sets their hint bits: do it once, untimed,
        # so neither side pays it
        Ticket.objects.filter(pk__in=ids).values_list("version").count()
        list(Ticket.objects.values_list("sync_txid", "updated_at"))
        inc_sync = sync_run(client, full_sync["cursor"])
        inc_base = baseline_run(client, {"updated_at__gt": since.isoformat()})
        assert inc_sync["records"] == CHANGED == inc_base["records"], (
            inc_sync["records"],
            inc_base["records"],
        )

    def row(name: str, base: float, ours: float, unit: str = "s") -> str:
        ratio = base / ours if ours else float("nan")
        return f"| {name:<38} | {base:>12.3f} {unit:<3} | {ours:>12.3f} {unit:<3} | {ratio:>7.1f}× |"

    def rate(run: dict) -> float:
        return run["records"] / run["seconds"]

    def first(run: dict) -> float:
        return run["pages"][0][0]

    def last_full(run: dict) -> float:
        """The last page holding a full PAGE of records."""
        return [t for t, n in run["pages"] if n == PAGE][-1]

    print()
    print(
        f"Full sync of {total:,} tickets in pages of {PAGE}, then an incremental sync of {CHANGED:,} changes"
    )
    print(f"| {'measure':<38} | {'baseline':>16} | {'sync endpoint':>16} | {'ratio':>8} |")
    print(f"|{'-' * 40}|{'-' * 18}|{'-' * 18}|{'-' * 10}|")
    print(row("full sync: total time", full_base["seconds"], full_sync["seconds"]))
    print(row("full sync: with the client's decoding", full_base["wall"], full_sync["wall"]))
    print(
        f"| {'full sync: records/s':<38} | {rate(full_base):>12,.0f} r/s | {rate(full_sync):>12,.0f} r/s | "
        f"{rate(full_sync) / rate(full_base):>7.1f}× |"
    )
    print(row(f"full sync: first page of {PAGE}", first(full_base), first(full_sync)))
    print(row(f"full sync: last page of {PAGE}", last_full(full_base), last_full(full_sync)))
    print(
        f"| {'full sync: last page ÷ first page':<38} | {last_full(full_base) / first(full_base):>14.2f}× | "
        f"{last_full(full_sync) / first(full_sync):>14.2f}× | {'':>8} |"
    )
    print(row(f"incremental sync of {CHANGED:,} changes", inc_base["seconds"], inc_sync["seconds"]))
    print(
        f"(pages: full {len(full_sync['pages'])} sync / {len(full_base['pages'])} baseline; ratio = baseline ÷ sync)"
    )
    ratio = full_base["seconds"] / full_sync["seconds"]
    emit(
        "api_sync",
        f"full sync of {total:,} tickets",
        scale=scale,
        value=full_sync["seconds"],
        unit="s",
        baseline=full_base["seconds"],
        baseline_label="plain DRF ModelViewSet, same run",
        ratio=ratio,
        goal="≥ 5×",
        met=ratio >= 5,
    )
    emit(
        "api_sync",
        f"full sync of {total:,} tickets, with the client's decoding of the pages",
        scale=scale,
        value=full_sync["wall"],
        unit="s",
        baseline=full_base["wall"],
        baseline_label="plain DRF ModelViewSet, same run",
        ratio=full_base["wall"] / full_sync["wall"],
    )
    ratio = inc_base["seconds"] / inc_sync["seconds"]
    emit(
        "api_sync",
        f"incremental sync of {CHANGED:,} changes",
        scale=scale,
        value=inc_sync["seconds"],
        unit="s",
        baseline=inc_base["seconds"],
        baseline_label="updated_at cursor, same run",
        ratio=ratio,
    )


if __name__ == "__main__":
    main()
