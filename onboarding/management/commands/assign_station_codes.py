from django.core.management.base import BaseCommand
from django.db import transaction

from onboarding.codes import assign_station_codes
from onboarding.models import StationKey
from stations.models import Station


class Command(BaseCommand):
    help = "Give every station without a station code (站点编号) one: <region code>-<number>."

    def handle(self, *args, **options):
        with transaction.atomic():
            n = assign_station_codes(Station, StationKey)
        self.stdout.write(f"{n} station codes assigned")
