"""Statement triggers that list the (station, month) groups a write touches in
``reports_rollupdirty``, so the worker recomputes only those (PostgreSQL only; SQLite, the
demo's database, refreshes everything). One INSERT … SELECT DISTINCT per statement, even
for a set-based UPDATE of a million tickets; rows are inserted in key order so two
writers never deadlock on the same groups."""

from django.conf import settings
from django.db import migrations

MONTH = "date_trunc('month', {col} AT TIME ZONE '{tz}')::date"

SOURCES = {
    # table: (SELECT of (station_id, month) from a transition table named {rows})
    "suggestions_ticket": "SELECT DISTINCT station_id, {month} FROM {rows} ORDER BY 1, 2",
    "visits_receptionsession": "SELECT DISTINCT station_id, {month} FROM {rows} ORDER BY 1, 2",
    "visits_attendance": (
        "SELECT DISTINCT s.station_id, {month} FROM {rows} r "
        "JOIN visits_receptionsession s ON s.id = r.session_id ORDER BY 1, 2"
    ),
}
TIME_COLUMN = {
    "suggestions_ticket": "received_at",
    "visits_receptionsession": "starts_at",
    "visits_attendance": "s.starts_at",
}


def _sql(table: str) -> tuple[str, str]:
    month = MONTH.format(col=TIME_COLUMN[table], tz=settings.TIME_ZONE)
    select = SOURCES[table].replace("{month}", month)
    insert = "INSERT INTO reports_rollupdirty (station_id, month) {select} ON CONFLICT DO NOTHING;"
    fn = f"reports_dirty_{table}"
    create = f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {insert.format(select=select.replace("{rows}", "old_rows"))}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {insert.format(select=select.replace("{rows}", "new_rows"))}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER {fn}_ins AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
CREATE TRIGGER {fn}_upd AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
CREATE TRIGGER {fn}_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}();
"""
    drop = f"DROP FUNCTION IF EXISTS {fn}() CASCADE;"
    return create, drop


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in SOURCES:
            schema_editor.execute(_sql(table)[0])


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in SOURCES:
            schema_editor.execute(_sql(table)[1])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("suggestions", "0006_escalation_and_close_days"),
        ("visits", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
