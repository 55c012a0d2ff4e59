"""What `make restore-check` compares between a database and its restored copy: the row
count of every table, the city dashboard's figures for each year with receptions (total and per
county, from the report rollups as they are stored and as recomputed from the restored
rows), and the media files (path, size, SHA-256). Prints one JSON document.

    DATABASE_URL=postgres://.../liaison python scripts/restore_fingerprint.py MEDIA_DIR [--recompute]

``--recompute`` rebuilds the rollups first (``reports.services.rollups_refresh_full``), so
the figures come from the restored rows themselves, not only from the restored rollups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from reports.periods import Period, Scope  # noqa: E402
from reports.selectors import figures, figures_by  # noqa: E402
from stations.models import Region, RegionLevel  # noqa: E402
from visits.models import ReceptionSession  # noqa: E402


def row_counts() -> dict[str, int]:
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor, include_views=False)):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
            out[table] = cursor.fetchone()[0]
    return out


def report_figures() -> dict[str, dict]:
    """Each city's figures for each year that has receptions (the demo's are in 2023)."""
    out = {}
    span = ReceptionSession.objects.aggregate(first=Min("starts_at"), last=Max("starts_at"))
    if span["first"] is None:
        years = [timezone.localdate().year]
    else:
        years = range(timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year + 1)
    for city in Region.objects.filter(level=RegionLevel.CITY).order_by("path"):
        for period in (Period.year(year) for year in years):
            scope = Scope(region=city)
            key = f"{city.name} {period.first_day.isoformat()}..{period.last_day.isoformat()}"
            by_county = figures_by(scope=scope, period=period, by="child")
            out[key] = {
                "total": dataclasses.asdict(figures(scope=scope, period=period)),
                "by_county": {str(k): dataclasses.asdict(v) for k, v in sorted(by_county.items())},
            }
    return out


def media_files(root: Path) -> dict[str, list]:
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        out[str(path.relative_to(root))] = [path.stat().st_size, digest]
    return out


def main() -> None:
    media = Path(sys.argv[1])
    if "--recompute" in sys.argv[2:]:
        from reports.services import rollups_refresh_full

        rollups_refresh_full()
    print(
        json.dumps(
            {
                "tables": row_counts(),
                "figures": report_figures(),
                "media": media_files(media) if media.is_dir() else {},
                "today": dt.date.today().isoformat(),  # noqa: DTZ011 (only a label)
            },
            ensure_ascii=False,
            indent=1,
            sort_keys=True,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
