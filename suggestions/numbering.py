"""Short human-readable ticket numbers (编号): ``交城-2023-000123``: the county's short
name, the year the opinion was received (Asia/Shanghai), a per-(county, year) sequence.

Numbers come from one counter row per county and year, bumped with
``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the row lock serialises concurrent
registrations in one county and year until their transactions end, so numbers are
distinct and, as a rolled-back registration rolls its bump back too, consecutive. A batch
takes one bump per (county, year) for all its tickets. Existing tickets are numbered by
``BACKFILL_SQL`` (one set-based statement, a window function over each county and year)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone

from stations.models import Region, RegionLevel, Station

# 交城县 → 交城, 离石区 → 离石, 孝义市 → 孝义; a two-character name (岚县) stays whole
SUFFIXES = ("自治县", "县", "市", "区", "旗")
SUFFIX_RE = "(自治县|县|市|区|旗)$"


def short_name(name: str) -> str:
    if len(name) > 2:
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                return name[: -len(suffix)]
    return name


def format_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:06d}"


def station_counties(station_ids) -> dict:
    """``{station id: (county id, county name)}``: the deepest region at county level or
    above on each station's path (a city-level station numbers under its city). One query."""
    county = Region.objects.filter(
        level__lte=RegionLevel.COUNTY, path=Substr(OuterRef("region__path"), 1, Length("path"))
    ).order_by("-level")
    rows = (
        Station.objects.filter(pk__in=set(station_ids))
        .annotate(
            county_id=Subquery(county.values("pk")[:1]), county_name=Subquery(county.values("name")[:1])
        )
        .values_list("pk", "county_id", "county_name")
    )
    return {pk: (county_id, name) for pk, county_id, name in rows}


COUNTER_TABLE = "suggestions_ticketnumbercounter"
BUMP_SQL = f"""
INSERT INTO {COUNTER_TABLE} (county_id, year, last) VALUES (%s, %s, %s)
ON CONFLICT (county_id, year) DO UPDATE SET last = {COUNTER_TABLE}.last + excluded.last
RETURNING last
"""  # noqa: S608 (our own table name)


def bump(county_id: int, year: int, n: int) -> int:
    """Reserve ``n`` numbers in the county's year; returns the last one reserved."""
    with connection.cursor() as cursor:
        cursor.execute(BUMP_SQL, [county_id, year, n])
        return cursor.fetchone()[0]


def assign_ticket_numbers(tickets: Sequence) -> None:
    """Set ``number`` on each unsaved ticket that has none (inside the caller's
    transaction, just before the INSERT): one query for the counties, then one bump per
    (county, year). Within a batch, numbers follow the order of ``tickets``."""
    pending = [t for t in tickets if not t.number]
    if not pending:
        return
    counties = station_counties(t.station_id for t in pending)
    groups: dict[tuple, list] = defaultdict(list)
    for t in pending:
        county_id, name = counties[t.station_id]
        groups[(county_id, name, timezone.localtime(t.received_at).year)].append(t)
    for (county_id, name, year), group in sorted(groups.items(), key=lambda item: item[0][:1] + item[0][2:]):
        last = bump(county_id, year, len(group))
        first = last - len(group) + 1
        for offset, t in enumerate(group):
            t.number = format_number(short_name(name), year, first + offset)


# PostgreSQL: number every ticket without one, in received order within each county and
# year, after what the counters already gave out, and move the counters on. One statement
# (the CTEs read one snapshot, so the UPDATE sees the counters before the INSERT's bump;
# a data-modifying CTE runs whether or not it is referenced).
BACKFILL_SQL = f"""
WITH station_county AS (
    SELECT s.id AS station_id,
           (SELECT c.id FROM stations_region c
             WHERE c.level <= {int(RegionLevel.COUNTY)} AND c.path = left(r.path, char_length(c.path))
             ORDER BY c.level DESC LIMIT 1) AS county_id
      FROM stations_station s JOIN stations_region r ON r.id = s.region_id
), numbered AS (
    SELECT t.id, k.county_id,
           extract(year FROM t.received_at AT TIME ZONE %s)::int AS year,
           row_number() OVER (
               PARTITION BY k.county_id, extract(year FROM t.received_at AT TIME ZONE %s)
               ORDER BY t.received_at, t.created_at, t.id
           ) AS seq
      FROM suggestions_ticket t JOIN station_county k ON k.station_id = t.station_id
     WHERE t.number IS NULL
), bumped AS (
    INSERT INTO {COUNTER_TABLE} (county_id, year, last)
    SELECT county_id, year, count(*) FROM numbered GROUP BY county_id, year
    ON CONFLICT (county_id, year) DO UPDATE SET last = {COUNTER_TABLE}.last + excluded.last
    RETURNING 1
)
UPDATE suggestions_ticket t
   SET number = CASE WHEN char_length(c.name) > 2 THEN regexp_replace(c.name, '{SUFFIX_RE}', '')
                     ELSE c.name END
                || '-' || n.year || '-' || lpad((coalesce(b.last, 0) + n.seq)::text, 6, '0')
  FROM numbered n
  JOIN stations_region c ON c.id = n.county_id
  LEFT JOIN {COUNTER_TABLE} b ON b.county_id = n.county_id AND b.year = n.year
 WHERE t.id = n.id
"""  # noqa: S608 (our own names; the time zone is a parameter)


def backfill_ticket_numbers(*, using=None) -> int:
    """Number every ticket that has none; returns how many. PostgreSQL: ``BACKFILL_SQL``;
    elsewhere (the SQLite demo) the same order in Python, one bump per county and year."""
    from django.conf import settings
    from django.db import connections

    conn = connections[using or "default"]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(
                BACKFILL_SQL, [settings.TIME_ZONE, settings.TIME_ZONE]
            )  # positional: pgtrigger.ignore adds its own
            return cursor.rowcount
    from suggestions.models import Ticket

    # only the columns numbering reads: this runs inside a migration, where columns that
    # later migrations add (``channel``…) do not exist yet
    tickets = list(
        Ticket.objects.filter(number__isnull=True)
        .only("pk", "number", "station_id", "received_at", "created_at")
        .order_by("received_at", "created_at", "id")
    )
    assign_ticket_numbers(tickets)
    Ticket.objects.bulk_update(tickets, ["number"], batch_size=500)
    return len(tickets)
