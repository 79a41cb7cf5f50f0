"""`homeward import-903 DIR --la CODE [--rejects PATH]`: import a council's SSDA903 files.

The work is in homeward.returns.services.ssda903_import; this command parses arguments and reports.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.agencies.models import Agency
from homeward.returns.files import ImportFileError
from homeward.returns.services import ssda903_import


class Command(BaseCommand):
    help = (
        "Import a council's SSDA903 return (header.csv, episodes.csv, missing.csv in DIR, names in any case) into "
        "children, placements and episodes. Idempotent; rejected rows go to a rejects CSV (file, line, field, reason). "
        "Exits non-zero when a table is missing or every row of one is rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="folder holding header.csv, episodes.csv and missing.csv")
        parser.add_argument("--la", required=True, help="the council's ONS code, e.g. E08000003")
        parser.add_argument("--rejects", help="where to write the rejects CSV (default: DIR/rejects.csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        la = Agency.objects.filter(code=options["la"]).first()
        if la is None:
            raise CommandError(f"No agency with code {options['la']}: run `homeward load_reference` first?")
        try:
            result = ssda903_import(la=la, directory=Path(options["directory"]), rejects_path=options["rejects"])
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        for run in result.runs:
            self.stdout.write(
                f"{Path(run.file_name).name}: {run.created} created, {run.updated} updated, "
                f"{run.unchanged} unchanged, {run.rejected} rejected"
            )
        rows = len({(r.file, r.line) for r in result.rejects if r.line is not None})
        self.stdout.write(f"Rejected rows: {rows} ({len(result.rejects)} problems), listed in {result.rejects_path}")
        for reject in result.rejects:
            if reject.line is None:
                self.stdout.write(f"{reject.file}: {reject.reason}")
        if result.withdrawn:
            self.stdout.write(
                f"{len(result.withdrawn)} periods imported before are no longer in the council's return "
                "(kept, marked withdrawn):"
            )
            for record in result.withdrawn:
                self.stdout.write(f"  CHILD {record.child_code}, MIS_START {record.mis_start:%d/%m/%Y}")
        if result.problems:
            raise CommandError(" ".join(result.problems))
