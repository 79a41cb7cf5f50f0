import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.synth.files import world_write
from homeward.synth.generator import default_as_at, episode_summary, world_generate, world_summary


def print_summary(stdout, summary: dict[str, float]) -> None:
    for name, value in summary.items():
        stdout.write(f"{name}\t{value}")


class Command(BaseCommand):
    help = "Generate a synthetic world (never real people) as CSV files. The same seed gives the same files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--children", type=int, default=3000)
        parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
        parser.add_argument(
            "--as-at", type=datetime.date.fromisoformat, default=None,
            help="snapshot day, YYYY-MM-DD (default: the latest 31 March)",
        )
        parser.add_argument("--years", type=int, default=1, help="years of missing episodes before the snapshot day")

    def handle(
        self, *args, seed: int, children: int, out: Path, as_at: datetime.date | None, years: int, **options
    ) -> None:
        if years < 1:
            raise CommandError("--years must be at least 1.")
        world = world_generate(seed=seed, children=children, as_at=as_at or default_as_at(), years=years)
        for path in world_write(world=world, directory=out):
            self.stdout.write(f"wrote\t{path}")
        print_summary(self.stdout, world_summary(world))
        print_summary(self.stdout, episode_summary(world))
