"""Trigram GIN indexes for the ticket search (content, citizen name and phone, number)."""

from django.db import migrations

from liaison.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0013_ticket_number")]

    operations = [
        trigram_indexes("suggestions_ticket", ["content", "citizen_name", "number"]),  # icontains
        trigram_indexes("suggestions_ticket", ["citizen_phone"], upper=False),  # contains (digits)
    ]
