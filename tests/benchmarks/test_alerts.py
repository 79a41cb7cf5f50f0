"""`homeward bench alerts` runs end to end at a tiny scale and prints its figures (the real run is
at hundreds of openings a minute; its timings are printed, never asserted)."""

import io

import pytest

from homeward.alerts.models import Alert
from homeward.benchmarks.alerts import run_alerts_bench
from homeward.children.models import Child
from homeward.episodes.models import Episode
from homeward.tasks.models import Task


@pytest.mark.slow  # a worker process delivering over SMTP
@pytest.mark.django_db(transaction=True)
def test_the_bench_opens_real_episodes_prints_its_figures_and_leaves_nothing_behind(reference):
    out = io.StringIO()
    result = run_alerts_bench(episodes_per_minute=240, minutes=0.05, councils=4, out=out)
    assert result["openings"] == 12 and result["councils"] == 4 and result["all_delivered"]
    # The rules chose the recipients: coordinator, social worker and IRO, the police, sometimes the host.
    assert 4 * 12 <= result["alerts"] <= 5 * 12
    text = out.getvalue()
    assert "open -> all alerts queued:" in text and "open -> all alerts delivered:" in text and "p95" in text
    assert not Child.objects.exists() and not Episode.objects.exists()
    assert not Alert.objects.exists() and not Task.objects.exists()
