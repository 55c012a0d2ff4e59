"""How personal data is shown to someone not entitled to the full value.

The rule of *who* is entitled lives in ``liaison.scoping``; this module only knows
how a masked value looks."""

import functools


def mask_phone(phone: str) -> str:
    """138****5678 for mobile numbers; keep the last four digits of anything else."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """张** / 欧阳** : keep the first character (the family name, usually)."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_address(address: str) -> str:
    """Keep roughly the first third (the village), hide the rest."""
    if not address:
        return ""
    keep = max(1, len(address) // 3)
    return address[:keep] + "****"


def mask_id_number(id_number: str) -> str:
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"


# A citizen's personal data on a ticket, and how each field looks masked: the one list the
# pages, the API, the audit page, the admin and the access log use.
CITIZEN_MASKS = {
    "citizen_name": mask_name,
    "citizen_phone": mask_phone,
    "citizen_address": mask_address,
    "citizen_id_number": mask_id_number,
}
CITIZEN_FIELDS = tuple(CITIZEN_MASKS)


def mask_citizen_fields(row: dict) -> dict:
    """Mask (in place) the citizen fields ``row`` has, whatever else it holds."""
    for name, mask in CITIZEN_MASKS.items():
        if name in row and isinstance(row[name], str):
            row[name] = mask(row[name])
    return row


# --- the same masks in SQL (PostgreSQL), for feeds that build their JSON in the database ----
# Each is a template over ``{x}`` (the column) giving exactly what the function above gives
# for the same text (``tests/liaison/test_masking_sql.py`` compares them on awkward values).
# ``{not_a_digit}`` takes ``not_a_digit()`` as an SQL string literal.


@functools.cache
def not_a_digit() -> str:
    """A regex bracket of every character ``str.isdigit`` does not accept: its digits are
    ASCII, fullwidth ０-９, other scripts' digits, superscripts…, so the SQL keeps the same
    "digits" as ``mask_phone``. (Computed once, on first use.)"""
    return f"[^{_digit_class()}]"


def _digit_class() -> str:
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if chr(code).isdigit():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


CITIZEN_MASKS_SQL = {
    "citizen_name": "CASE WHEN {x} = '' THEN '' ELSE left({x}, 1) || repeat('*', greatest(1, length({x}) - 1)) END",
    "citizen_phone": (
        "(SELECT CASE WHEN d IS NULL THEN NULL WHEN d = '' THEN '' "
        "WHEN length(d) >= 11 THEN left(d, 3) || '****' || right(d, 4) "
        "WHEN length(d) > 4 THEN repeat('*', length(d) - 4) || right(d, 4) "
        "ELSE repeat('*', length(d)) END "
        "FROM (SELECT regexp_replace({x}, {not_a_digit}, '', 'g') AS d) AS phone_digits)"
    ),
    "citizen_address": "CASE WHEN {x} = '' THEN '' ELSE left({x}, greatest(1, length({x}) / 3)) || '****' END",
    "citizen_id_number": (
        "CASE WHEN {x} = '' THEN '' WHEN length({x}) <= 8 THEN repeat('*', length({x})) "
        "ELSE left({x}, 4) || repeat('*', length({x}) - 8) || right({x}, 4) END"
    ),
}
