"""`homeward bench placements` (benchmarks.placements.run_placements_bench) runs end to end on a tiny
world: it times the placement check through the API beside /healthz, prints the figures it promises,
and leaves no checks or clocks behind. Timings are printed, never asserted here."""

import re
from io import StringIO

import pytest

from homeward.benchmarks import placements
from homeward.benchmarks import world as bench_world
from homeward.scrutiny.models import PlacementCheck, Requirement
from homeward.tasks.models import Task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # a world made, loaded and measured

MS = r"\d+(?:\.\d+)? ms"


@pytest.fixture
def scratch(reference, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    # The session's other tests reuse the postcode index the generator keeps: leave it be.
    monkeypatch.setattr(bench_world, "_release_generator_memory", lambda: None)  # world_ensure's


def test_it_times_the_check_beside_healthz_and_cleans_up(scratch) -> None:
    out = StringIO()
    figures = placements.run_placements_bench(children=300, years=1, seed=3, repeats=5, stdout=out)
    text = out.getvalue()

    assert figures["failures"] == 0 and figures["warm_up_failures"] == 0 and figures["healthz_failures"] == 0
    assert figures["homes"] > 0 and figures["children"] > figures["children_looked_after_now"] == 300
    assert sum(figures["relations"].values()) == 5
    for name in ("check", "healthz"):
        assert 0 < figures[name]["p50_ms"] <= figures[name]["p95_ms"] <= figures[name]["max_ms"]

    for line in (
        r"database\t(SQLite|PostgreSQL) [\d.]+",
        r"machine\t\d+ (of \d+ )?cores",
        rf"homes\t{figures['homes']}\t",
        rf"children\t{figures['children']}\t{figures['children_looked_after_now']} looked after now",
        r"council\t.+\t\d+ children\t\d+ looked after now",
        rf"placement check POST /api/v1/placement-checks/\tp50 {MS}\tp95 {MS}\tmax {MS}\tn 5\n",
        rf"healthz GET /healthz\tp50 {MS}\tp95 {MS}\tmax {MS}\tn 5\n",
        r"failures\t0 of 5\n",
        r"cleaned up\t6 checks, \d+ requirements, \d+ clocks",  # the warm-up's check too
        rf"summary\tplacement check p95 {MS} beside /healthz p95 {MS}\ttarget under 200 ms\t(met|NOT MET)",
    ):
        assert re.search(line, text), f"{line!r} not in:\n{text}"
    assert "first error" not in text

    # A rerun starts the same: none of the bench's checks are left, nor any clock of their requirements
    # (the world's own placements were checked by the system as they were loaded: those stay).
    assert not PlacementCheck.objects.filter(run_by__username__startswith="bench-").exists()
    assert figures["cleaned_up"]["clocks"] == figures["cleaned_up"]["requirements"] > 0
    clocked = {
        int(key.split(":")[2])
        for key in Task.objects.filter(dedupe_key__startswith="clock:requirement:").values_list("dedupe_key", flat=True)
    }
    assert clocked <= set(Requirement.objects.values_list("pk", flat=True))
