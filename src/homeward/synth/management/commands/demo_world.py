import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from homeward.agencies.models import Agency, AgencyKind
from homeward.linkage.models import LinkRun
from homeward.linkage.services import linkage_run
from homeward.places.services import reference_data_load
from homeward.returns.services import police_file_import
from homeward.synth.agency_files import agency_files_generate, agency_files_write, council_view
from homeward.synth.files import world_on_disk, world_write
from homeward.synth.generator import default_as_at, world_generate
from homeward.synth.loader import world_load


class Command(BaseCommand):
    help = ("Load the reference data, the synthetic demo world (var/demo-world) and its forces' police reports, "
            "then link them. Safe and fast to rerun.")

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
        police = directory / "agency" / "police"
        if on_disk and (on_disk[0], on_disk[1], on_disk[3]) == (seed, children, years) and police.is_dir():
            self.stdout.write(f"demo world\t{directory} (already generated)")
        else:
            world = world_generate(seed=seed, children=children, as_at=default_as_at(), years=years)
            files = agency_files_generate(world)
            # Homeward starts from what the councils recorded; the forces' own reports come in beside
            # it, so the one count has police-only episodes to show (and a few reports to check).
            agency_files_write(files, directory / "agency")
            world_write(world=council_view(files), directory=directory)
            self.stdout.write(f"demo world\t{directory} (generated: seed {seed}, {children} children, {years} years)")
        for name, count in world_load(directory=directory).items():
            self.stdout.write(f"created\t{name}\t{count}")
        changed = 0
        for path in sorted(police.glob("*.csv")):
            force = Agency.objects.get(code=path.stem, kind=AgencyKind.POLICE)
            rejects = directory / "agency" / "police-rejects" / path.name
            rejects.parent.mkdir(exist_ok=True)
            [run] = police_file_import(force=force, path=path, rejects_path=rejects).runs
            changed += run.created + run.updated
        self.stdout.write(f"police reports\t{changed} new or changed")
        if changed or not LinkRun.objects.exists():
            run = linkage_run(why="demo world")
            self.stdout.write(f"linked\t{run.linked_auto + run.linked_confirmed} of {run.police_reports} police reports, "
                              f"{run.to_review} to check")
        self.stdout.write(f"took\t{time.monotonic() - started:.1f}s")
