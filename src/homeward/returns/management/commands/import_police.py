"""`homeward import-police FILE --force CODE [--rejects PATH]`: import a force's missing-person reports.

The format is in homeward/returns/POLICE_FORMAT.md; the work in homeward.returns.services.police_file_import.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.agencies.models import Agency
from homeward.returns.files import ImportFileError
from homeward.returns.services import police_file_import


class Command(BaseCommand):
    help = (
        "Import a police force's missing-person reports from a CSV or JSON file (by extension). Idempotent on "
        "the force's reference; rejected rows go to a rejects CSV (file, line, field, reason)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="reports.csv or reports.json")
        parser.add_argument("--force", required=True, help="the police force's code, e.g. E23000014")
        parser.add_argument("--rejects", help="where to write the rejects CSV (default: FILE.rejects.csv beside it)")

    def handle(self, *args: Any, **options: Any) -> None:
        force = Agency.objects.filter(code=options["force"]).first()
        if force is None:
            raise CommandError(f"No agency with code {options['force']}: run `homeward load_reference` first?")
        try:
            result = police_file_import(force=force, path=Path(options["file"]), rejects_path=options["rejects"])
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        [run] = result.runs
        self.stdout.write(
            f"{Path(run.file_name).name}: {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.rejected} rejected"
        )
        rows = len({(r.file, r.line) for r in result.rejects})
        self.stdout.write(f"Rejected rows: {rows} ({len(result.rejects)} problems), listed in {result.rejects_path}")
