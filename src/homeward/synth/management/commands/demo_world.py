import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from homeward.places.services import reference_data_load
from homeward.synth.files import world_on_disk, world_write
from homeward.synth.generator import default_as_at, world_generate
from homeward.synth.loader import world_load


class Command(BaseCommand):
    help = "Load the reference data and the synthetic demo world (var/demo-world). Safe and fast to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--children", type=int, default=3000)
        parser.add_argument("--years", type=int, default=1, help="years of missing episodes before the snapshot day")

    def handle(self, *args, seed: int, children: int, years: int, **options) -> None:
        started = time.monotonic()
        reference_data_load()
        directory = settings.VAR_DIR / "demo-world"
        on_disk = world_on_disk(directory=directory)
        # Generating reads the whole postcode directory (slow), so files already there for this seed
        # and size are kept, whatever day they were made: a new 31 March would otherwise give the
        # same children new placements beside their old ones.
        if on_disk and (on_disk[0], on_disk[1], on_disk[3]) == (seed, children, years):
            self.stdout.write(f"demo world\t{directory} (already generated)")
        else:
            world = world_generate(seed=seed, children=children, as_at=default_as_at(), years=years)
            world_write(world=world, directory=directory)
            self.stdout.write(f"demo world\t{directory} (generated: seed {seed}, {children} children, {years} years)")
        for name, count in world_load(directory=directory).items():
            self.stdout.write(f"created\t{name}\t{count}")
        self.stdout.write(f"took\t{time.monotonic() - started:.1f}s")
