"""Migration operations safe on large tables, that still run on the SQLite demo.

Django's ``AddIndexConcurrently`` is PostgreSQL's only (SQLite's schema editor has no
``concurrently``). The tickets, events and attendance tables are large in production, so a new
index on them is built ``CONCURRENTLY`` there (no write lock while it builds; the migration must
be ``atomic = False``), and plainly on the demo's SQLite file. tests/test_migration_safety.py
checks the SQL that PostgreSQL gets.
"""

from django.contrib.postgres.operations import AddIndexConcurrently


class AddIndexConcurrentlyWhereSupported(AddIndexConcurrently):
    """``AddIndexConcurrently`` on PostgreSQL, ``AddIndex`` elsewhere (the SQLite demo).

    Writing the SQL out (``sqlmigrate``, the migration-safety test) runs nothing, so it is
    allowed inside a transaction."""

    def _ensure_not_in_transaction(self, schema_editor):
        if not schema_editor.collect_sql:
            super()._ensure_not_in_transaction(schema_editor)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index)
