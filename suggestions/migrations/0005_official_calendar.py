"""Seed the official working-day calendar for 2023–2026 from the chinese-calendar package.

Later years: ``manage.py load_calendar --years 2027 2027`` once chinesecalendar carries
the State Council's notice, or edit the days in the admin (工作日历)."""

from django.db import migrations

YEARS = range(2023, 2027)


def seed(apps, schema_editor):
    from suggestions.calendar import load_official_days

    load_official_days(apps.get_model("suggestions", "CalendarDay"), YEARS)


def unseed(apps, schema_editor):
    apps.get_model("suggestions", "CalendarDay").objects.filter(date__year__in=YEARS).delete()


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0004_workflow")]

    operations = [migrations.RunPython(seed, unseed)]
