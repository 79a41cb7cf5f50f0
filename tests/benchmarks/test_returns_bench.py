"""`homeward bench returns` (benchmarks.returns.run_returns_bench) runs end to end on a tiny world:
every council-year exported and checked, imported into an empty database in a process of its own,
exported again and compared; it prints the figures it promises."""

import re
from io import StringIO

import pytest

from homeward.benchmarks.returns import run_returns_bench

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # a world made and loaded, and a second process


def test_every_council_year_is_exported_checked_and_comes_back_the_same(reference) -> None:
    out = StringIO()
    figures = run_returns_bench(children=40, years=1, seed=5, stdout=out)
    text = out.getvalue()

    assert figures["council_years"] > 10 and figures["rows"] > figures["council_years"]
    assert (figures["rule_errors"], figures["rejected_rows"], figures["differing"]) == (0, 0, [])
    assert figures["identical"] == figures["council_years"]
    for line in (
        r"database\t(SQLite|PostgreSQL) [\d.]+",
        r"world\t\d+ children, \d+ episodes\tseed 5, 1 year",
        rf"exported\t{figures['council_years']} council-years \(\d+ councils x 1 year\)",
        r"rule errors\t0\t",
        rf"exported again\t{figures['identical']} of {figures['council_years']} council-years identical",
        r"summary\t.+\tmet\n",
    ):
        assert re.search(line, text), f"{line!r} not in:\n{text}"
