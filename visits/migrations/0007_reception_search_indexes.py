"""Trigram GIN indexes for the reception search (theme, notes)."""

from django.db import migrations

from liaison.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("visits", "0006_reception_exception_reason")]

    operations = [trigram_indexes("visits_receptionsession", ["theme", "notes"])]
