"""`homeward link-files LEFT.csv RIGHT.csv --out PAIRS.csv ...`: link two person lists.

The work is in homeward.linkage.files; this command only parses arguments and reports. SIGTERM or
SIGINT stops it at once (the --out file may then be incomplete: run it again).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homeward.linkage.files import ROLES, LinkFilesError, link_files
from homeward.tasks.stopping import run_or_abandon


class Command(BaseCommand):
    help = (
        "Link two CSV person lists with the Homeward linkage engine and write "
        "left_id,right_id,match_probability for pairs at or above --threshold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("left", help="left CSV file")
        parser.add_argument("right", help="right CSV file")
        parser.add_argument("--out", required=True, help="pairs CSV to write")
        parser.add_argument("--id-left", required=True, help="id column of the left file")
        parser.add_argument("--id-right", required=True, help="id column of the right file")
        parser.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="ROLE=COL[:RIGHTCOL]",
            help=f"map a role ({', '.join(ROLES)}) to a column; repeatable",
        )
        parser.add_argument("--threshold", type=float, default=0.5)
        parser.add_argument(
            "--one-to-one",
            action="store_true",
            help="keep only each record's best match (no id in two pairs)",
        )
        parser.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default=None,
            help="where the linkage runs: duckdb (default) or a local Spark session "
            "(default from HOMEWARD_LINKAGE_BACKEND)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = run_or_abandon(
                lambda: link_files(
                    left=options["left"],
                    right=options["right"],
                    out=options["out"],
                    id_left=options["id_left"],
                    id_right=options["id_right"],
                    fields=options["field"],
                    threshold=options["threshold"],
                    one_to_one_only=options["one_to_one"],
                    backend=options["backend"],
                ),
                say=self.stderr.write,
                abandoned=f"{options['out']} may be incomplete: run it again",
            )
        except LinkFilesError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.pairs_written} pairs from {result.left_records} x "
            f"{result.right_records} records written to {result.out}"
            + (f" (backend {result.backend})" if result.backend != "duckdb" else "")
        )
        for step in result.training_steps:
            self.stdout.write(f"  {step}")
