"""How personal data is shown to someone not entitled to the full value.

The rule of *who* is entitled lives in ``liaison.scoping``; this module only knows
how a masked value looks."""


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
