"""A trigram GIN index on deputies' names for the deputy picker (liaison.pickers)."""

from django.db import migrations

from liaison.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("deputies", "0004_tombstone_scope_triggers")]

    operations = [trigram_indexes("deputies_deputy", ["name"])]
