"""Stations made before the importer (the admin, the demo data) get a station code, so a
county's stations file can name them and a re-import matches them."""

from django.db import migrations

from onboarding.codes import assign_station_codes


def forwards(apps, schema_editor):
    assign_station_codes(apps.get_model("stations", "Station"), apps.get_model("onboarding", "StationKey"))


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0002_import_kinds_groups_cadres")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
