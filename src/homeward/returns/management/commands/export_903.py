"""`homeward export-903 --la CODE --year-ending YYYY-03-31 --out DIR [--provisional]`: a council's SSDA903 return.

The work is in homeward.returns.export (the tables) and homeward.returns.checks (the DfE's rules);
this command parses arguments, writes, checks and reports. It exits non-zero when a check fails.
"""

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.agencies.services import service_account_get_or_create
from homeward.returns import ssda903
from homeward.returns.checks import return_check
from homeward.returns.export import return_tables, return_write


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--year-ending: '{text}' is not a date like 2025-03-31.") from None


class Command(BaseCommand):
    help = (
        "Write a council's SSDA903 return (header.csv, episodes.csv, missing.csv) for the collection year ending on "
        "31 March, in that year's DfE format, and check it against the DfE's validation rules. A year not yet ended "
        "needs --provisional. Runs as the council's performance analyst service account; audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="the council's ONS code, e.g. E08000003")
        parser.add_argument("--year-ending", required=True, help="the last day of the collection year, e.g. 2025-03-31")
        parser.add_argument("--out", required=True, help="the folder to write the three CSV files to")
        parser.add_argument("--provisional", action="store_true", help="allow a collection year that has not ended yet")

    def handle(self, *args: Any, **options: Any) -> None:
        la = Agency.objects.filter(code=options["la"]).first()
        if la is None:
            raise CommandError(f"No agency with code {options['la']}: run `homeward load_reference` first?")
        if la.kind != AgencyKind.LOCAL_AUTHORITY:
            raise CommandError(f"{la.code} is not a local authority: only a council makes an SSDA903 return.")
        year_ending = _date(options["year_ending"])
        user = service_account_get_or_create(agency=la, role=Role.ANALYST)
        why = f"export-903 {options['out']}"
        try:
            tables = return_tables(
                user=user, authority=la, year_ending=year_ending, why=why, provisional=options["provisional"]
            )
            # Rule 576 compares with last year's return: a period open at its end carries over.
            previous = return_tables(
                user=user,
                authority=la,
                year_ending=year_ending.replace(year=year_ending.year - 1),
                why=f"{why} (rule 576: last year's open periods)",
            )[ssda903.MISSING]
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"--{k.replace('_', '-')}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        counts = return_write(tables=tables, directory=Path(options["out"]))
        self.stdout.write(
            ", ".join(f"{name}: {count} rows" for name, count in counts.items()) + f" written to {options['out']}"
        )
        problems = return_check(tables, year_ending=year_ending, previous_missing=previous)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(
                f"{len(problems)} errors under the DfE's validation rules: the return is not ready to send."
            )
        self.stdout.write("0 errors under the DfE's validation rules.")
