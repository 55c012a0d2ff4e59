"""Benchmark: the ticket search (``/tickets/?q=``) as the city user, against its SQL floor.

Run from the repository root against a seeded database (``manage.py seed_demo``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_lists \\
        /work/main/.venv/bin/python bench/search.py --reps 50

For a word of a ticket's content, a citizen's name, a phone's last four digits, a full
phone and a ticket number (taken from the data), it times the whole request (middleware,
session, scoping, the keyset page, its bounded count, the template) ``--reps`` times after
``--warmup`` untimed ones, and, as the floor, the page's own two search queries (rows and
bounded count) run directly on a cursor the same number of times. It prints p50 and p95 of
both, their ratio, and whether the plan uses a trigram index (``EXPLAIN``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--user", default="city")
    parser.add_argument("--scale", default="", help="the seed_demo scale of the database (for the table)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    # the page is measured, not the sign-in: a forced login has no second factor
    os.environ.setdefault("TWO_FACTOR_REQUIRED", "0")
    import django

    from bench._result import emit

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.models import User
    from suggestions.models import Ticket

    setup_test_environment()  # response.context, and testserver allowed
    settings.ALLOWED_HOSTS = ["*"]
    sample = Ticket.objects.exclude(number=None).exclude(citizen_phone="").order_by("received_at")[1000]
    terms = {
        "word": sample.content[2:5],
        "name": sample.citizen_name,
        "phone tail": sample.citizen_phone[-4:],
        "phone": sample.citizen_phone,
        "number": sample.number,
    }
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    print(f"tickets: {Ticket.objects.count():,}; user {args.user}; {args.reps} reps; cores {os.cpu_count()}")
    print(
        f"{'query':<11} {'term':<18} {'rows':>5} {'page p50':>9} {'page p95':>9} {'SQL p50':>8} {'SQL p95':>8} {'p95 ratio':>9}  index"
    )
    for kind, term in terms.items():
        url = "/tickets/?" + f"q={term}"
        for _ in range(args.warmup):
            client.get(url)
        page = []
        for _ in range(args.reps):
            started = time.perf_counter()
            response = client.get(url)
            page.append((time.perf_counter() - started) * 1000)
        rows = len(response.context["page"])
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        search_sql = [
            q["sql"]
            for q in ctx.captured_queries
            if "suggestions_ticket" in q["sql"] and "LIKE" in q["sql"] and not q["sql"].startswith("DECLARE")
        ]
        floor = []
        with connection.cursor() as cursor:
            for _ in range(args.reps):
                started = time.perf_counter()
                for sql in search_sql:
                    cursor.execute(sql)
                    cursor.fetchall()
                floor.append((time.perf_counter() - started) * 1000)
            cursor.execute("EXPLAIN " + search_sql[-1])
            plan = "\n".join(r[0] for r in cursor.fetchall())
        index = (
            ", ".join(sorted({w for w in plan.replace('"', " ").split() if w.endswith("_trgm")})) or "none"
        )
        print(
            f"{kind:<11} {term[:18]:<18} {rows:>5} {statistics.median(page):>8.1f}ms {pct(page, 0.95):>8.1f}ms"
            f" {statistics.median(floor):>7.1f}ms {pct(floor, 0.95):>7.1f}ms {pct(page, 0.95) / max(pct(floor, 0.95), 0.001):>8.1f}×  {index}"
        )
        emit(
            "search",
            f"search p95, {kind}",
            scale=args.scale,
            value=pct(page, 0.95),
            unit="ms",
            baseline=pct(floor, 0.95),
            baseline_label="its SQL alone (floor), same run",
            ratio=pct(page, 0.95) / max(pct(floor, 0.95), 0.001),
            goal="p95 < 300 ms",
            met=pct(page, 0.95) < 300,
        )


if __name__ == "__main__":
    main()
