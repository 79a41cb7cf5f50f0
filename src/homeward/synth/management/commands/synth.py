import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.synth.agency_files import agency_files_generate, agency_files_write, one_count_totals, one_count_truth
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
            "--as-at",
            type=datetime.date.fromisoformat,
            default=None,
            help="snapshot day, YYYY-MM-DD (default: the latest 31 March)",
        )
        parser.add_argument("--years", type=int, default=1, help="years of missing episodes before the snapshot day")
        parser.add_argument(
            "--agency-files",
            action="store_true",
            help="also write what each council and force holds of the world (OUT/agency/: SSDA903 returns, "
            "police reports) and the truth behind them",
        )

    def handle(
        self,
        *args,
        seed: int,
        children: int,
        out: Path,
        as_at: datetime.date | None,
        years: int,
        agency_files: bool = False,
        **options,
    ) -> None:
        if years < 1:
            raise CommandError("--years must be at least 1.")
        world = world_generate(seed=seed, children=children, as_at=as_at or default_as_at(), years=years)
        for path in world_write(world=world, directory=out):
            self.stdout.write(f"wrote\t{path}")
        if agency_files:
            files = agency_files_generate(world)
            for path in agency_files_write(files, out / "agency"):
                self.stdout.write(f"wrote\t{path}")
            print_summary(
                self.stdout, {f"one_count_{k}": v for k, v in sorted(one_count_totals(one_count_truth(files)).items())}
            )
        print_summary(self.stdout, world_summary(world))
        print_summary(self.stdout, episode_summary(world))
