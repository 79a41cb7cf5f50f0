"""`homeward export-903-missing --la CODE --year-ending YYYY-03-31 --out FILE.csv`: a council's SSDA903 Missing table.

The work is in homeward.returns.export; this command parses arguments and reports.
"""

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.agencies.services import service_account_get_or_create
from homeward.returns.export import missing_table, missing_table_write


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--year-ending: '{text}' is not a date like 2025-03-31.") from None


class Command(BaseCommand):
    help = (
        "Write a council's SSDA903 Missing table (CHILD, DOB, MISSING, MIS_START, MIS_END) for the collection year "
        "ending on 31 March, from its children's missing and away episodes. Runs as the council's performance analyst "
        "service account; audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="the council's ONS code, e.g. E08000003")
        parser.add_argument("--year-ending", required=True, help="the last day of the collection year, e.g. 2025-03-31")
        parser.add_argument("--out", required=True, help="the CSV file to write, e.g. missing.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        la = Agency.objects.filter(code=options["la"]).first()
        if la is None:
            raise CommandError(f"No agency with code {options['la']}: run `homeward load_reference` first?")
        if la.kind != AgencyKind.LOCAL_AUTHORITY:
            raise CommandError(f"{la.code} is not a local authority: only a council makes an SSDA903 return.")
        year_ending = _date(options["year_ending"])
        user = service_account_get_or_create(agency=la, role=Role.ANALYST)
        try:
            rows = missing_table(user=user, authority=la, year_ending=year_ending, why=f"export-903-missing {options['out']}")
        except ValidationError as error:
            raise CommandError("; ".join(f"--{k.replace('_', '-')}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        missing_table_write(rows=rows, path=Path(options["out"]))
        children = len({row["CHILD"] for row in rows})
        self.stdout.write(f"{len(rows)} periods for {children} children written to {options['out']}")
