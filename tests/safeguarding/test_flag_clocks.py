"""Time alone raises the missing overnight and missing over 24 hours flags: a child reported at hour 1
and still missing at hour 25 is flagged by the clocks the opening set, with no episode event between
(the worker is run at a later `now` instead of sleeping)."""

import datetime

from django.utils import timezone

from homeward.episodes import services as episodes
from homeward.safeguarding import rules
from homeward.safeguarding.models import RiskFlag, SafeguardingSettings
from homeward.safeguarding.services import FLAGS_DUE_TASK
from homeward.tasks.models import Status, Task
from homeward.tasks.worker import run_due
from tests.safeguarding.conftest import raised

TIMED = {"missing_overnight", "missing_over_24_hours"}


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def _open(world, started_at):
    episode, _ = episodes.episode_open(
        user=world.social_worker, why="test", child=world.child.pk, kind="missing", started_at=started_at
    )
    return episode


def test_a_child_reported_at_hour_1_and_still_missing_at_hour_25_is_flagged_overnight_and_over_24_hours(world):
    t = timezone.now()
    episode = _open(world, t - hours(1))
    assert "missing_over_24_hours" not in raised(world.child)
    if rules.first_night_end_after(t - hours(1), datetime.time(6)) > t:  # unless run in the hour after 06:00
        assert "missing_overnight" not in raised(world.child)
    run_due(t + hours(24))
    assert TIMED <= raised(world.child)
    flag = RiskFlag.objects.get(child=world.child, kind="missing_over_24_hours")
    assert flag.facts["episode_ids"] == [episode.pk] and f"episode #{episode.pk}" in flag.explanation
    assert "so far, still missing" in flag.explanation
    assert flag.raised_at == t - hours(1) + hours(24) + datetime.timedelta(
        seconds=1
    )  # the clock's time, not the worker's
    overnight = RiskFlag.objects.get(child=world.child, kind="missing_overnight")
    assert overnight.facts["episode_ids"] == [episode.pk]


def test_the_overnight_flag_is_raised_when_the_night_ends(world):
    start = timezone.now() - datetime.timedelta(minutes=1)
    night_end = rules.first_night_end_after(start, datetime.time(6))
    _open(world, start)
    run_due(night_end - datetime.timedelta(seconds=1))
    assert "missing_overnight" not in raised(world.child)
    run_due(night_end)
    assert "missing_overnight" in raised(world.child)


def test_the_councils_own_hours_and_night_are_used(world):
    SafeguardingSettings.objects.create(
        authority=world.manchester, long_missing_hours=12, night_ends=datetime.time(8, 30)
    )
    start = timezone.now() - datetime.timedelta(minutes=1)
    _open(world, start)
    run_due(start + hours(12))
    assert "missing_over_24_hours" not in raised(world.child)  # "longer than 12 hours": not yet
    run_due(start + hours(12) + datetime.timedelta(seconds=1))
    assert "missing_over_24_hours" in raised(world.child)
    [overnight] = Task.objects.filter(name=FLAGS_DUE_TASK, dedupe_key__endswith=":overnight")
    assert overnight.run_at == rules.first_night_end_after(start, datetime.time(8, 30))


def test_a_child_back_before_the_time_stops_the_clocks_and_is_not_flagged(world, rhi_worker):
    t = timezone.now()
    episode = _open(world, t - hours(1))
    assert Task.objects.filter(name=FLAGS_DUE_TASK, status=Status.QUEUED).count() == 2
    episodes.episode_record_return(user=world.social_worker, why="test", episode=episode.pk, returned_at=t)
    assert not Task.objects.filter(name=FLAGS_DUE_TASK, status=Status.QUEUED).exists()
    run_due(t + hours(48))
    assert "missing_over_24_hours" not in raised(world.child)
