"""`homeward bench returns`: the SSDA903 return of a whole synthetic world (issue 9), every council and
every collection year of it, not the cut-down world the test (tests/returns/test_export_903_round_trip.py)
can afford.

1. A world (default 3,000 children over two years) generated and loaded into this database, which
   must hold no children (a scratch database, as for the national benches).
2. `export-903` for each council-year, with the DfE's rules checked (returns.checks): errors counted.
3. For each year, a database that holds nothing (a scratch SQLite database made for the year, in a
   process of its own): every council's return imported there with `import-903`, exported again,
   and compared with the first export byte for byte.

Printed, not asserted: council-years, rows, rule errors, rejected rows, files identical.
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from homeward.benchmarks.common import preamble, say_to
from homeward.returns.export import TABLES

ERRORS_SUFFIX = "errors under the DfE's validation rules"


def _export(code: str, year_ending: datetime.date, out: Path) -> int:
    """Write one council-year's return; the number of rule errors found in it."""
    try:
        output = StringIO()
        call_command(
            "export_903", "--la", code, "--year-ending", year_ending.isoformat(), "--out", str(out), stdout=output
        )
    except CommandError as error:  # the command fails on any error and says how many
        return int(str(error).split()[0])
    return 0


def _years(years: int) -> str:
    return f"{years} year" if years == 1 else f"{years} years"


def _rows(directory: Path) -> int:
    return sum(len((directory / name).read_text().splitlines()) - 1 for name in TABLES)


def run_returns_bench(*, children: int, years: int, seed: int, stdout) -> dict:
    from homeward.children.models import Child
    from homeward.places.services import reference_data_load
    from homeward.synth.files import world_write
    from homeward.synth.generator import default_as_at, world_generate
    from homeward.synth.loader import world_load

    say = say_to(stdout)
    figures: dict = preamble(say)
    reference_data_load()
    if Child.objects.exists():
        raise CommandError(
            "This database already holds children. Point DATABASE_URL (or, on SQLite, HOMEWARD_VAR_DIR) at a "
            "scratch database and run `homeward migrate` there first."
        )
    work = Path(tempfile.mkdtemp(prefix="homeward-bench-returns-"))
    as_at = default_as_at()
    started = time.perf_counter()
    world = world_generate(seed=seed, children=children, as_at=as_at, years=years)
    world_write(world=world, directory=work / "world")
    councils = sorted({c.responsible_authority for c in world.children})
    del world
    created = world_load(directory=work / "world")
    say("world", f"{created['children']:,} children, {created['episodes']:,} episodes", f"seed {seed}, {_years(years)}")
    say("world made and loaded", f"in {time.perf_counter() - started:.1f} s")

    year_endings = [as_at.replace(year=as_at.year - back) for back in reversed(range(years))]
    started = time.perf_counter()
    errors = rows = exported = 0
    total = len(councils) * len(year_endings)
    for year_ending in year_endings:
        for code in councils:
            out = work / "first" / str(year_ending.year) / code
            errors += _export(code, year_ending, out)
            rows += _rows(out)
            exported += 1
            if exported % 50 == 0 or exported == total:
                print(f"  exported {exported}/{total} council-years", file=sys.stderr, flush=True)
    figures |= {"council_years": total, "rows": rows, "rule_errors": errors}
    say("exported", f"{total} council-years ({len(councils)} councils x {_years(years)})", f"{rows:,} rows")
    say("rule errors", errors, f"in {time.perf_counter() - started:.1f} s")

    identical = rejected = 0
    differing: list[str] = []
    started = time.perf_counter()
    for year_ending in year_endings:
        scratch = work / f"scratch-{year_ending.year}"
        scratch.mkdir()
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"HOMEWARD_VAR_DIR": str(scratch)}
        result = subprocess.run(
            [sys.executable, "-m", "homeward", "bench", "returns", "--round-trip", str(work), str(year_ending)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        for line in result.stdout.splitlines():
            kind, _, rest = line.partition("\t")
            if kind == "identical":
                identical += 1
            elif kind == "differs":
                differing.append(rest)
            elif kind == "rejected":
                rejected += int(rest.split("\t")[1])
    figures |= {"identical": identical, "rejected_rows": rejected, "differing": differing}
    say("imported into empty databases", f"{total} council-years", f"{rejected} rows rejected")
    say("exported again", f"{identical} of {total} council-years identical, byte for byte")
    for line in differing[:10]:
        say("  differs", line)
    say("round trip", f"in {time.perf_counter() - started:.1f} s")
    say(
        "summary",
        f"{total} council-years, {errors} rule errors, {rejected} rows rejected on import, "
        f"{identical}/{total} identical after import and export",
        "met" if not errors and not rejected and identical == total else "NOT MET",
    )
    return figures


def round_trip(*, work: Path, year_ending: datetime.date, stdout) -> None:
    """In a process of its own, on the empty scratch database HOMEWARD_VAR_DIR names: import each
    council's return of the year and export it again. One tab-separated line per council-year."""
    from homeward.places.services import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()
    first = work / "first" / str(year_ending.year)
    for council in sorted(p.name for p in first.iterdir()):
        rejects = work / f"rejects-{year_ending.year}-{council}.csv"
        call_command("import_903", str(first / council), "--la", council, "--rejects", str(rejects), stdout=StringIO())
        rejected = len(rejects.read_text().splitlines()) - 1
        if rejected:
            stdout.write(f"rejected\t{council} {year_ending.year}\t{rejected}\n")
        again = work / "again" / str(year_ending.year) / council
        _export(council, year_ending, again)
        same = all((first / council / name).read_bytes() == (again / name).read_bytes() for name in TABLES)
        stdout.write(f"{'identical' if same else 'differs'}\t{council} {year_ending.year}\n")
