from django.core.management.base import BaseCommand

from homeward.places.services import reference_data_load


class Command(BaseCommand):
    help = "Load (or refresh) the councils, police forces and districts of England and Wales. Safe to rerun."

    def handle(self, *args, **options) -> None:
        for name, count in reference_data_load().items():
            self.stdout.write(f"{name}\t{count}")
