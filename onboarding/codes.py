"""Station codes (站点编号) for stations made before the importer (in the admin, by the
demo data): the region's 12-digit code and a number within it, 141102001000-001, so a
county's first stations file can name them and a re-import matches them.

Works on the models it is given, so the data migration can call it with the historical
models and ``manage.py assign_station_codes`` (and ``seed_demo``) with today's."""

from __future__ import annotations

from collections import defaultdict


def assign_station_codes(station_model, key_model) -> int:
    """Give every station without a code one; returns how many. Set-based: one read of the
    stations without a code, one of the codes already taken under their regions, one
    insert. Stations of a region are numbered by kind, then by creation."""
    unkeyed = list(
        station_model.objects.filter(import_key__isnull=True)
        .order_by("region__code", "kind", "created_at", "id")
        .values_list("id", "region__code")
    )
    if not unkeyed:
        return 0
    taken = set(key_model.objects.filter(code__regex=r"^\d{12}-\d+$").values_list("code", flat=True))
    counters: dict[str, int] = defaultdict(int)
    keys = []
    for station_id, region_code in unkeyed:
        while True:
            counters[region_code] += 1
            code = f"{region_code}-{counters[region_code]:03d}"
            if code not in taken:
                break
        keys.append(key_model(station_id=station_id, code=code))
    key_model.objects.bulk_create(keys, batch_size=2000)
    return len(keys)
