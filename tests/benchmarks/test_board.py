"""`homeward bench board` (benchmarks.board.run_board_bench): makes, loads and measures a world, and
reuses a world already loaded. Timings are printed, never asserted here."""

from io import StringIO

import pytest

from homeward.benchmarks import board as bench
from homeward.benchmarks import world as bench_world
from homeward.children.models import Child
from homeward.episodes.models import Episode

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # a world made, loaded and measured

MEASURED = {"board_council", "board_police", "timeline", "page_board_council", "page_board_police", "page_timeline"}


@pytest.fixture
def scratch(reference, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    # The session's other tests reuse the postcode index the generator keeps: leave it be.
    monkeypatch.setattr(bench_world, "_release_generator_memory", lambda: None)


def test_it_loads_a_world_measures_it_and_reuses_it(scratch) -> None:
    out = StringIO()
    figures = bench.run_board_bench(children=400, years=1, seed=3, repeats=2, stdout=out)
    assert figures["children_looked_after_now"] == 400
    assert figures["children"] == Child.objects.count() > 400
    assert figures["episodes"] == Episode.objects.count() > 0
    assert figures["created"]["episodes"] == figures["episodes"]
    assert figures["measurements"].keys() == MEASURED
    for measured in figures["measurements"].values():
        assert 0 < measured["p50_ms"] <= measured["p95_ms"] <= measured["max_ms"]
    text = out.getvalue()
    assert "database\t" in text and "board: " in text and "timeline: " in text and "worst p95" in text
    assert "open episodes it can see" in text and "\trows " in text  # which board, and how full it was

    again = StringIO()
    second = bench.run_board_bench(children=400, years=1, seed=3, repeats=2, stdout=again)
    assert "already generated" in again.getvalue() and "already (reused)" in again.getvalue()
    assert second["load_seconds"] == 0 and second["episodes"] == figures["episodes"]


def test_it_will_not_mix_its_world_with_another(scratch) -> None:
    bench.run_board_bench(children=150, years=1, seed=3, repeats=1, stdout=StringIO())
    with pytest.raises(RuntimeError, match="scratch database"):
        bench.run_board_bench(children=150, years=1, seed=4, repeats=1, stdout=StringIO())
