"""England's dashboard from figures computed ahead (reporting.snapshots): the same figures as computed
live, shown with the time they were computed, and never older than MAX_AGE."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from homeward.episodes.services import episode_open
from homeward.reporting import dashboards, snapshots
from homeward.reporting.models import NationalFigures
from tests.conftest import sign_in
from tests.reporting.test_dashboards import history  # noqa: F401 (a fixture)


def live(history) -> dict:
    scope = dashboards.dashboard_scope(user=history["viewer"], kind="national")
    return dashboards.dashboard_figures(scope=scope, since=history["since"], until=history["until"])


def test_kept_figures_are_the_live_figures(world, history):
    history["viewer"] = world.national_analyst
    figures, computed_at = snapshots.national_figures(since=history["since"], until=history["until"])
    assert figures == live(history) and computed_at <= timezone.now()
    assert figures["children"]["episodes"] is None  # five episodes: controlled as live figures are
    assert NationalFigures.objects.get().figures == snapshots.encode(live(history))


def test_kept_figures_are_used_until_max_age_then_computed_again(world, history):
    since, until = history["since"], history["until"]
    snapshots.national_figures(since=since, until=until)
    kept = NationalFigures.objects.get()
    # A stored figure changed by hand: shown while the snapshot is young, which proves it is read.
    stored = kept.figures
    stored["children"]["repeat"] = 12345
    NationalFigures.objects.filter(pk=kept.pk).update(figures=stored)
    figures, _ = snapshots.national_figures(since=since, until=until)
    assert figures["children"]["repeat"] == 12345
    NationalFigures.objects.filter(pk=kept.pk).update(
        computed_at=timezone.now() - snapshots.MAX_AGE - datetime.timedelta(minutes=1)
    )
    figures, computed_at = snapshots.national_figures(since=since, until=until)
    assert figures["children"]["repeat"] is None and timezone.now() - computed_at < snapshots.MAX_AGE
    assert NationalFigures.objects.count() == 1


def test_a_refresh_computes_again_with_new_episodes(world, history):
    since, until = history["since"], history["until"]
    _, before = snapshots.national_figures(since=since, until=until)
    episode_open(
        user=world.social_worker,
        why="test",
        child=world.child_at_home.pk,
        kind="missing",
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    kept = snapshots.national_figures_refresh(since=since, until=until)
    after = snapshots.decode(kept.figures)
    month = timezone.localdate().replace(day=1)
    history["viewer"] = world.national_analyst
    # Every cell of this small world is under 10, so the figures look alike: live equals kept, anew.
    assert after == live(history) and kept.computed_at > before
    assert kept.seconds >= 0 and month in after["months"] and NationalFigures.objects.count() == 1


def test_the_national_page_says_when_its_figures_were_computed(client, world, history):
    sign_in(client, world.national_analyst)
    page = client.get(
        "/reports/dashboard/", {"kind": "national", "since": history["since"], "until": history["until"]}
    ).content.decode()
    assert 'data-testid="computed-at">Figures as at ' in page and 'data-testid="key-figures"' in page
    assert NationalFigures.objects.filter(since=history["since"], until=history["until"]).exists()
    sign_in(client, world.social_worker)  # a council's figures are always live: no time shown
    page = client.get(
        "/reports/dashboard/", {"kind": "council", "since": history["since"], "until": history["until"]}
    ).content.decode()
    assert 'data-testid="computed-at"' not in page and 'data-testid="key-figures"' in page


def test_the_command_computes_every_period_the_page_offers(world):
    out = io.StringIO()
    call_command("refresh_dashboards", stdout=out)
    today = timezone.localdate()
    periods = set(NationalFigures.objects.values_list("since", "until"))
    assert len(periods) == 7 and out.getvalue().count("computed in") == 7
    assert any(until == today for _, until in periods)
