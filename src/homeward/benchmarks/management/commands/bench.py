"""`homeward bench <what>`: measured figures for each issue's speed or scale target.

Benchmarks print what they measured; they never assert timings (those belong to no unit test).
Each subcommand calls its bench in this package (homeward.benchmarks), which starts with the one
preamble (benchmarks.common.preamble): the database, machine and settings the figures were measured on.
"""

import argparse
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run a benchmark and print its figures: board, alerts, linkage, one-count, placements, lookup, dashboards, returns, language, load, "
        "journeys."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        board = sub.add_parser("board", help="live board and child timeline at national scale (issue 3)")
        board.add_argument("--children", type=int, default=85_000, help="children looked after on 31 March")
        board.add_argument("--years", type=int, default=3)
        board.add_argument("--seed", type=int, default=1)
        board.add_argument("--repeats", type=int, default=50)
        alerts = sub.add_parser("alerts", help="episode opening to alerts queued and delivered over SMTP (issue 4)")
        alerts.add_argument("--per-minute", type=int, default=300, help="episodes opening per minute")
        alerts.add_argument("--minutes", type=float, default=1.0)
        alerts.add_argument(
            "--councils", type=int, default=12, help="councils the synthetic children are spread across"
        )
        alerts.add_argument("--seed", type=int, default=1)
        linkage = sub.add_parser(
            "linkage",
            help="police reports linked to children, episodes reconciled, the one count; person linkage at scale (issue 5)",
        )
        linkage.add_argument(
            "--children",
            type=int,
            default=20_000,
            help="children looked after in the synthetic world whose agency files are linked",
        )
        linkage.add_argument(
            "--records",
            type=int,
            default=1_000_000,
            help="person records for the scale run (0: skip it); the target is 1,000,000",
        )
        linkage.add_argument("--seed", type=int, default=1)
        linkage.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default=None,
            help="where the scale run's linkage runs (default duckdb, or HOMEWARD_LINKAGE_BACKEND)",
        )
        linkage.add_argument(
            "--cluster",
            choices=("local-standalone",),
            default=None,
            help="local-standalone: start a Spark master and two workers here and run the scale run on them "
            "and on DuckDB, side by side (implies --backend spark; instead of the world run)",
        )
        linkage.add_argument(
            "--generator",
            choices=("persons", "independent"),
            default="persons",
            help="independent: person records from the second generator (linkage.independent), "
            "linked by Homeward's and a generic Splink model side by side, instead of the world run",
        )
        one_count = sub.add_parser(
            "one-count", help="the one count's national rebuild and a one-report update, timed (issue 13)"
        )
        one_count.add_argument(
            "--children", type=int, default=96_000, help="children looked after (96,000: about 86,900 council periods)"
        )
        one_count.add_argument("--reports", type=int, default=200_000, help="police reports of children in the year")
        one_count.add_argument("--seed", type=int, default=1)
        one_count.add_argument(
            "--explain-sample",
            type=int,
            default=None,
            help="explain only this many review pairs (about a second each), timed; the rest stay unexplained",
        )
        one_count.add_argument("--timed-only", action="store_true", help=argparse.SUPPRESS)
        placements = sub.add_parser("placements", help="the placement check at national scale (placements issue)")
        placements.add_argument("--children", type=int, default=85_000, help="children looked after on 31 March")
        placements.add_argument("--years", type=int, default=3)
        placements.add_argument("--seed", type=int, default=1)
        placements.add_argument(
            "--repeats", type=int, default=200, help="placement checks timed (and as many /healthz)"
        )
        lookup = sub.add_parser("lookup", help="the missing look-up from any force at national scale (issue 14)")
        lookup.add_argument("--children", type=int, default=85_000, help="children looked after on 31 March")
        lookup.add_argument("--years", type=int, default=3)
        lookup.add_argument("--seed", type=int, default=1)
        lookup.add_argument("--repeats", type=int, default=200, help="searches timed (and as many /healthz)")
        language = sub.add_parser(
            "language", help="the language guide's matching on the labelled synthetic corpus (issue 16)"
        )
        language.add_argument("--notes", type=int, default=2000, help="synthetic case notes and police narratives")
        language.add_argument("--seed", type=int, default=1)
        dashboards = sub.add_parser("dashboards", help="every kind of dashboard at national scale (issue 9)")
        dashboards.add_argument("--children", type=int, default=85_000, help="children looked after on 31 March")
        dashboards.add_argument("--years", type=int, default=3)
        dashboards.add_argument("--seed", type=int, default=1)
        dashboards.add_argument(
            "--repeats", type=int, default=50, help="rounds of the five dashboards timed (and as many /healthz)"
        )
        load = sub.add_parser(
            "load", help="locust against `homeward serve` at national scale; the audit chain's lock (issue 10)"
        )
        load.add_argument("--users", type=int, default=20, help="locust users at once")
        load.add_argument("--seconds", type=int, default=60, help="how long the load runs")
        load.add_argument("--children", type=int, default=85_000, help="children looked after on 31 March")
        load.add_argument("--years", type=int, default=3)
        load.add_argument("--seed", type=int, default=1)
        returns = sub.add_parser(
            "returns",
            help="every council-year's SSDA903 return of a synthetic world: rule checks, and import then export again (issue 9)",
        )
        returns.add_argument("--children", type=int, default=3000, help="children looked after on 31 March")
        returns.add_argument("--years", type=int, default=2, help="collection years")
        returns.add_argument("--seed", type=int, default=11)
        # The second half, run by the bench itself in a process of its own on an empty database.
        returns.add_argument("--round-trip", nargs=2, metavar=("WORK", "YEAR_ENDING"), help=argparse.SUPPRESS)
        journeys = sub.add_parser(
            "journeys",
            help="each role's core job end to end in a headless browser: steps, seconds, axe-core (issue 11)",
        )
        from homeward.benchmarks.journeys_bench import RUNS  # plain data: no browser is imported

        journeys.add_argument(
            "--first",
            type=int,
            choices=range(1, len(RUNS) + 1),
            default=len(RUNS),
            metavar="N",
            help="only the first N journeys, in the order the work flows (each finds what those before it left)",
        )

    def handle(self, *args, what: str, **options) -> None:
        if what == "board":
            from homeward.benchmarks.board import run_board_bench

            run_board_bench(
                children=options["children"],
                years=options["years"],
                seed=options["seed"],
                repeats=options["repeats"],
                stdout=self.stdout,
            )
        elif what == "alerts":
            from homeward.benchmarks.alerts import run_alerts_bench

            run_alerts_bench(
                episodes_per_minute=options["per_minute"],
                minutes=options["minutes"],
                councils=options["councils"],
                seed=options["seed"],
                out=self.stdout,
            )
        elif what == "linkage":
            from homeward.benchmarks.common import preamble, say_to
            from homeward.benchmarks.linkage_persons import (
                format_report,
                format_side_by_side,
                run_person_linkage_bench,
                run_side_by_side,
            )
            from homeward.benchmarks.linkage_world import run_world_linkage_bench

            preamble(say_to(self.stdout), uses_database=False)  # the linkage runs in memory, not on the database

            if options["cluster"]:
                from homeward.benchmarks.linkage_persons import format_cluster, run_on_cluster

                def progress(line: str) -> None:
                    self.stdout.write(line)
                    self.stdout.flush()  # a long run: show each step as it happens

                both = run_on_cluster(
                    n_records=options["records"], seed=options["seed"], generator=options["generator"], say=progress
                )
                self.stdout.write(format_cluster(*both))
                return
            if options["generator"] == "independent":
                both = run_side_by_side(n_records=options["records"], seed=options["seed"], generator="independent")
                self.stdout.write(format_side_by_side(*both))
                return
            run_world_linkage_bench(children=options["children"], seed=options["seed"], out=self.stdout)
            if options["records"]:
                from homeward.linkage.engine import resolve_backend

                scale = run_person_linkage_bench(
                    n_records=options["records"],
                    seed=options["seed"],
                    quiet=True,
                    backend=resolve_backend(options["backend"]),
                )
                self.stdout.write(format_report(scale))
        elif what == "one-count":
            from homeward.benchmarks.one_count import run_one_count_bench

            run_one_count_bench(
                children=options["children"],
                reports=options["reports"],
                seed=options["seed"],
                out=self.stdout,
                timed_only=options["timed_only"],
                explain_sample=options["explain_sample"],
            )
        elif what == "placements":
            from homeward.benchmarks.placements import run_placements_bench

            run_placements_bench(
                children=options["children"],
                years=options["years"],
                seed=options["seed"],
                repeats=options["repeats"],
                stdout=self.stdout,
            )
        elif what == "lookup":
            from homeward.benchmarks.lookup import run_lookup_bench

            run_lookup_bench(
                children=options["children"],
                years=options["years"],
                seed=options["seed"],
                repeats=options["repeats"],
                stdout=self.stdout,
            )
        elif what == "dashboards":
            from homeward.benchmarks.dashboards import run_dashboards_bench

            run_dashboards_bench(
                children=options["children"],
                years=options["years"],
                seed=options["seed"],
                repeats=options["repeats"],
                stdout=self.stdout,
            )
        elif what == "load":
            from homeward.benchmarks.load import run_load_bench

            run_load_bench(
                users=options["users"],
                seconds=options["seconds"],
                children=options["children"],
                years=options["years"],
                seed=options["seed"],
                stdout=self.stdout,
            )
        elif what == "language":
            from homeward.benchmarks.language import run_language_bench

            run_language_bench(seed=options["seed"], notes=options["notes"], stdout=self.stdout)
        elif what == "returns":
            from homeward.benchmarks.returns import round_trip, run_returns_bench

            if options["round_trip"]:
                work, year_ending = options["round_trip"]
                round_trip(work=Path(work), year_ending=datetime.date.fromisoformat(year_ending), stdout=self.stdout)
            else:
                run_returns_bench(
                    children=options["children"], years=options["years"], seed=options["seed"], stdout=self.stdout
                )
        elif what == "journeys":
            from homeward.benchmarks.journeys_bench import browser_missing, run_journeys_bench

            missing = browser_missing()
            if missing:
                raise CommandError(missing)
            run_journeys_bench(first=options["first"], stdout=self.stdout)
        else:  # argparse already refuses anything else
            raise CommandError(f"unknown benchmark {what!r}")
