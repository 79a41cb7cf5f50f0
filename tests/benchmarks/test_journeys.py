"""`homeward bench journeys`: the five roles' journeys run in a headless browser on a scratch
database of their own, one row each, beside the steps the issue counted. Timings are printed, never
asserted here."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from homeward.benchmarks.journeys_bench import BASELINE_STEPS, RUNS, browser_missing

# A database migrated, five journeys in Chromium. The test's own database is where the bench starts
# from (and comes back to), beside which it makes its scratch one.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _scratch_exists(name: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(name).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def test_it_runs_the_journeys_asked_for_and_prints_a_row_each(settings, tmp_path):
    """The first two of the five, in a scratch database: each journey itself is tested on the test world
    (tests/browser/test_role_journeys.py), so here only the bench: its rows, its world (the second
    journey finds the report the first made), axe-core's count, and nothing left behind."""
    if browser_missing():
        pytest.skip(browser_missing())
    settings.VAR_DIR = tmp_path
    named = connection.settings_dict["NAME"]
    out = StringIO()
    call_command("bench", "journeys", "--first", "2", stdout=out)

    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    scratch = next(line[1] for line in lines if line[0] == "scratch database")
    # Back on the database it started on; the scratch one is gone.
    assert connection.settings_dict["NAME"] == named
    assert not _scratch_exists(scratch)

    rows = {line[0]: line for line in lines if line[0] in {role for role, *_ in RUNS}}
    assert list(rows) == ["provider_staff", "police_coordinator"]
    for role, line in rows.items():
        _, job, steps, baseline, seconds, pages, violations = line
        assert int(steps) > 6  # signing in alone takes six
        assert baseline == str(BASELINE_STEPS.get(role, "not counted"))
        assert float(seconds) > 0 and int(pages) > 3
        assert violations == "0", [line for line in lines if line[0] == "axe"]
    assert ["role", "job", "steps", "steps before (issue 11)", "seconds", "pages checked", "axe violations"] in lines


def test_it_refuses_more_journeys_than_there_are():
    with pytest.raises(CommandError, match="--first"):
        call_command("bench", "journeys", "--first", "6")
