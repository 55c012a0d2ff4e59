"""Trigram (pg_trgm) GIN indexes for ``ILIKE '%word%'`` search, as migration operations that
run on PostgreSQL only (the SQLite demo searches with a plain ``LIKE``). They index Chinese
text: pg_trgm takes every non-space character as part of a word under a UTF-8 ctype."""

from django.db import migrations


def trigram_indexes(table: str, columns: list[str], *, upper: bool = True) -> migrations.RunPython:
    """One GIN index per column. ``upper``: on ``UPPER(column::text)``, the expression
    Django's ``icontains`` compares on PostgreSQL (``UPPER(col::text) LIKE UPPER('%x%')``),
    so the planner can match it; otherwise on the column (``contains``: ``col::text LIKE``)."""
    names = [(f"{table}_{column}_trgm", column) for column in columns]

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in names:
            expression = f'(UPPER("{column}"::text))' if upper else f'"{column}"'
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression} gin_trgm_ops)'
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, _column in names:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop)
