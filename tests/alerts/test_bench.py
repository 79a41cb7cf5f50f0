"""`homeward bench alerts` runs end to end (a short run: the figures are for the real one)."""

import io

import pytest

from homeward.alerts.bench import run_alerts_bench
from homeward.alerts.models import Alert
from homeward.tasks.models import Task


@pytest.mark.django_db(transaction=True)
def test_the_bench_measures_queued_and_delivered_times_and_leaves_nothing_behind():
    out = io.StringIO()
    result = run_alerts_bench(episodes_per_minute=240, minutes=0.05, out=out)
    assert result["openings"] == 12 and result["alerts"] == 60 and result["all_delivered"]
    assert 0 < result["queued_p50_s"] <= result["queued_p95_s"] < 1
    assert 0 < result["delivered_p50_s"] <= result["delivered_p95_s"]
    assert "p95" in out.getvalue()
    assert not Alert.objects.exists() and not Task.objects.exists()
