from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.synth.loader import world_load


class Command(BaseCommand):
    help = "Load a synthetic world's CSV files (from `homeward synth`) into the database. Safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--no-episodes",
            action="store_true",
            help="load only children, their names and placements (then import the agencies' own files)",
        )

    def handle(self, *args, directory: Path, no_episodes: bool = False, **options) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        try:
            counts = world_load(directory=directory, episodes=not no_episodes)
        except ValueError as error:
            raise CommandError(str(error)) from None
        for name, count in counts.items():
            self.stdout.write(f"created\t{name}\t{count}")
