"""Migrations safe on large tables (issue 21): no long lock on a table that holds a
county's records while the site runs.

Our own check, not django-migration-linter: that linter asks whether old code still runs
against the new schema (dropped or renamed columns, NOT NULL without a default); it does
not look for what holds a lock for as long as a big table takes to scan or rewrite, which
is what matters here (a check for indexes built inside a transaction was only proposed to
it, not released). So every migration of our apps is turned into its SQL, in order, as
``sqlmigrate`` does, and each statement on a large table is checked for:

- ``CREATE INDEX`` without ``CONCURRENTLY`` (blocks writes while the index is built;
  use ``AddIndexConcurrently`` in a non-atomic migration),
- a column type change (``ALTER COLUMN … TYPE``: rewrites the table),
- ``ADD COLUMN`` with a volatile default (``now()``, ``gen_random_uuid()``: a rewrite; a
  constant default is a catalogue change on PostgreSQL 11+),
- ``SET NOT NULL`` and a CHECK or FOREIGN KEY constraint added without ``NOT VALID``
  (a full scan under an exclusive lock).

A statement on a table created earlier in the same migration is not flagged (the table
is empty). The suite checks the migrations after ``BASELINE`` (turning one migration into
SQL costs about a second: the project's state up to it is rebuilt). ``LINT_ALL_MIGRATIONS=1``
checks all of them in one pass (two minutes); what that finds in the baseline is listed in
``ACCEPTED`` with the reason. A new migration that is flagged fails this test: fix it, or add
it to ``ACCEPTED`` with a reason a reviewer can check."""

from __future__ import annotations

import os
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OUR_APPS = {
    "liaison",
    "stations",
    "deputies",
    "visits",
    "suggestions",
    "accounts",
    "notifications",
    "reports",
    "dashboards",
    "onboarding",
    "oversight",
    "motions",
    "public",
}

# Tables that grow with the years of receptions and tickets (a county: 10^5–10^7 rows).
LARGE_TABLES = {
    "suggestions_ticket",
    "suggestions_ticketevent",
    "visits_receptionsession",
    "visits_attendance",
    "visits_attachment",
    "deputies_deputy",
    "deputies_mandate",
    "notifications_notification",
    "liaison_outboxmessage",
    "liaison_tombstone",
    "accounts_accountevent",
    "accounts_personaldataaccess",
    "reports_stationmonthrollup",
}

# The last migration of each app when this check came (issue 21): the ones after it are checked.
BASELINE = {
    "liaison": 5,
    "stations": 3,
    "deputies": 5,
    "visits": 8,
    "suggestions": 16,
    "accounts": 4,
    "notifications": 2,
    "reports": 6,
    "onboarding": 1,
    "oversight": 3,
    "motions": 1,
    "public": 1,
}

# (app, migration): why what it does to a large table is acceptable. All of them came
# before the first production deployment (the tested stack came with issue 21): no site
# has those tables full while they run. The initial ones create the tables in 0001 and
# their indexes and constraints in 0002 of the same release (Django splits them).
_BEFORE_ANY_SITE = "before the first production deployment: the tables were empty or held demo data"
ACCEPTED: dict[tuple[str, str], str] = {
    ("deputies", "0002_initial"): "the initial schema (tables made by 0001 just before)",
    ("suggestions", "0002_initial"): "the initial schema (tables made by 0001 just before)",
    ("deputies", "0003_sync_txid"): _BEFORE_ANY_SITE,
    ("visits", "0003_sync_txid"): _BEFORE_ANY_SITE,
    ("suggestions", "0004_workflow"): _BEFORE_ANY_SITE,
    ("suggestions", "0007_sync_txid"): _BEFORE_ANY_SITE,
    ("suggestions", "0012_ticket_no_evaluation"): _BEFORE_ANY_SITE,
    ("suggestions", "0013_ticket_number"): _BEFORE_ANY_SITE,
}

CREATE_TABLE = re.compile(r'^CREATE TABLE "(?P<table>\w+)"', re.I)
RULES = [
    (
        "index built without CONCURRENTLY",
        re.compile(r'^CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)\S+ ON "(?P<table>\w+)"', re.I),
    ),
    (
        "column type change (table rewrite)",
        re.compile(r'^ALTER TABLE "(?P<table>\w+)" ALTER COLUMN \S+ TYPE', re.I),
    ),
    (
        "new column with a volatile default (table rewrite)",
        re.compile(
            r'^ALTER TABLE "(?P<table>\w+)" ADD COLUMN .* DEFAULT \(?(now|gen_random_uuid|clock_timestamp|random)\(',
            re.I,
        ),
    ),
    (
        "SET NOT NULL (full scan under lock)",
        re.compile(r'^ALTER TABLE "(?P<table>\w+)" ALTER COLUMN \S+ SET NOT NULL', re.I),
    ),
    (
        "constraint validated under lock (add NOT VALID, validate later)",
        re.compile(
            r'^ALTER TABLE "(?P<table>\w+)" ADD CONSTRAINT \S+ (CHECK|FOREIGN KEY)(?!.*NOT VALID)', re.I
        ),
    ),
]


def _after_baseline(app: str, name: str) -> bool:
    number = re.match(r"\d+", name)
    return app in OUR_APPS and (
        app not in BASELINE or (number is not None and int(number[0]) > BASELINE[app])
    )


def findings(*, everything: bool = False) -> dict[tuple[str, str], list[str]]:
    """Our apps' migrations after the baseline (``everything``: all of them, in one pass
    from an empty database) as SQL, checked statement by statement."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    out: dict[tuple[str, str], list[str]] = {}
    if everything:
        state = executor.loader.project_state(())
        collected = []
        for migration, _ in plan:
            with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                state = migration.apply(state, editor, collect_sql=True)
            if migration.app_label in OUR_APPS:
                collected.append((migration, editor.collected_sql))
    else:
        collected = [
            (m, executor.loader.collect_sql([(m, False)]))
            for m, _ in plan
            if _after_baseline(m.app_label, m.name)
        ]
    for migration, sql in collected:
        created = set()
        for statement in sql:
            statement = statement.strip()
            if found := CREATE_TABLE.match(statement):
                created.add(found["table"])
            for what, rule in RULES:
                found = rule.search(statement)
                if found and found["table"] in LARGE_TABLES and found["table"] not in created:
                    out.setdefault((migration.app_label, migration.name), []).append(
                        f"{what}: {statement[:160]}"
                    )
    return out


@pytest.mark.django_db
def test_no_migration_locks_a_large_table_unless_accepted():
    if connection.vendor != "postgresql":
        pytest.skip("the locks are PostgreSQL's")
    everything = os.environ.get("LINT_ALL_MIGRATIONS") == "1"
    flagged = findings(everything=everything)
    new = {key: lines for key, lines in flagged.items() if key not in ACCEPTED}
    assert not new, "migrations that lock a large table:\n" + "\n".join(
        f"{app}.{name}:\n    " + "\n    ".join(lines) for (app, name), lines in sorted(new.items())
    )
    if everything:
        stale = set(ACCEPTED) - set(flagged)
        assert not stale, f"accepted but no longer flagged (remove them from ACCEPTED): {sorted(stale)}"


def test_the_baseline_names_every_app_with_migrations():
    from django.apps import apps

    with_migrations = {
        a.label
        for a in apps.get_app_configs()
        if a.label in OUR_APPS and (a.path and os.path.isdir(os.path.join(a.path, "migrations")))
    }
    assert with_migrations <= set(BASELINE) | {"dashboards"}


def test_the_rules_catch_what_they_name():
    """The patterns against the SQL Django writes for each case (PostgreSQL 16 backend)."""
    samples = {
        'CREATE INDEX "t_x_idx" ON "suggestions_ticket" ("x");': "index built without CONCURRENTLY",
        'CREATE INDEX CONCURRENTLY "t_x_idx" ON "suggestions_ticket" ("x");': None,
        'ALTER TABLE "suggestions_ticket" ALTER COLUMN "x" TYPE bigint USING "x"::bigint;': "column type change (table rewrite)",
        'ALTER TABLE "suggestions_ticket" ADD COLUMN "x" varchar(10) DEFAULT \'\' NOT NULL;': None,
        'ALTER TABLE "suggestions_ticket" ADD COLUMN "at" timestamp with time zone DEFAULT (now()) NOT NULL;': "new column with a volatile default (table rewrite)",
        'ALTER TABLE "suggestions_ticket" ALTER COLUMN "x" SET NOT NULL;': "SET NOT NULL (full scan under lock)",
        'ALTER TABLE "suggestions_ticket" ADD CONSTRAINT "c" CHECK ("x" > 0);': "constraint validated under lock (add NOT VALID, validate later)",
        'ALTER TABLE "suggestions_ticket" ADD CONSTRAINT "c" CHECK ("x" > 0) NOT VALID;': None,
    }
    for statement, expected in samples.items():
        hits = [what for what, rule in RULES if rule.search(statement)]
        assert hits == ([expected] if expected else []), statement
