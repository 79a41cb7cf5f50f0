"""`homeward bench linkage`: a synthetic world's agency files linked and reconciled, scored against the
world's truth. Figures are printed, never asserted as timings here; the accuracy floors are the
issue's, at a small scale."""

from io import StringIO

import pytest
from django.core.management import call_command

from homeward.benchmarks.linkage_world import run_world_linkage_bench

pytestmark = pytest.mark.slow  # a world generated, linked and reconciled


def test_it_links_reconciles_and_scores_a_world():
    out = StringIO()
    figures = run_world_linkage_bench(children=800, seed=2, out=out)
    assert figures["police_reports"] > 300
    assert figures["person"]["precision"] >= 0.99 and figures["person"]["recall"] >= 0.97
    assert figures["episode"]["f1"] >= 0.97
    for kind, counts in figures["one_count"].items():
        assert abs(counts["after_review"] - counts["truth"]) <= max(2, 0.02 * counts["truth"]), kind
    text = out.getvalue()
    for words in ("person linkage (automatic links)", "episode reconciliation", "one count police_only", "peak memory"):
        assert words in text


def test_the_command_prints_both_the_world_and_the_scale_figures():
    out = StringIO()
    call_command("bench", "linkage", "--children", "300", "--records", "3000", "--seed", "4", stdout=out)
    text = out.getvalue()
    assert "police reports to children" in text and "person linkage (homeward): 3,000 records" in text
