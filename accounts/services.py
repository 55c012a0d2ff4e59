"""Writes of the accounts app."""

from accounts.models import PersonalDataAccess, User

CITIZEN_FIELDS = ("citizen_name", "citizen_phone", "citizen_address", "citizen_id_number")


def personal_data_access_record(
    *, user: User, ticket, fields: tuple[str, ...] = CITIZEN_FIELDS, client: str = "browser", ip_address=None
) -> PersonalDataAccess:
    """Log one full view of a citizen's personal data (PIPL: who saw whose data, when)."""
    return PersonalDataAccess.objects.create(
        user=user,
        ticket_id=ticket.pk,
        citizen_name=ticket.citizen_name,
        fields=",".join(fields),
        client=client,
        ip_address=ip_address,
    )
