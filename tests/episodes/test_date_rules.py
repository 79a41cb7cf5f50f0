"""The rules every entered time is held to (homeward.dates), as the episode services apply them:
each refusal names the field and says what the time was checked against."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward import dates
from homeward.episodes import services
from homeward.episodes.models import Episode, ReturnInterview
from tests.episodes.conftest import ago


def _open(world) -> Episode:
    episode, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        started_at=ago(hours=5),
        reported_at=ago(hours=3),
    )
    return episode


def test_a_return_in_the_future_is_refused_naming_the_field(world):
    episode = _open(world)
    with pytest.raises(ValidationError) as refused:
        services.episode_record_return(
            user=world.provider_staff,
            why="test",
            episode=episode.pk,
            returned_at=timezone.now() + datetime.timedelta(hours=1),
        )
    [message] = refused.value.message_dict["returned_at"]
    assert list(refused.value.message_dict) == ["returned_at"]
    assert message.startswith("The return time cannot be in the future")
    assert Episode.objects.get(pk=episode.pk).returned_at is None


def test_a_time_a_few_minutes_ahead_is_taken_as_now_for_clock_drift(world):
    episode = _open(world)
    services.episode_record_return(
        user=world.provider_staff,
        why="test",
        episode=episode.pk,
        returned_at=timezone.now() + datetime.timedelta(minutes=2),
    )
    assert Episode.objects.get(pk=episode.pk).returned_at is not None


def test_a_return_before_the_episode_started_is_refused_naming_the_start(world):
    episode = _open(world)
    with pytest.raises(ValidationError) as refused:
        services.episode_record_return(
            user=world.provider_staff, why="test", episode=episode.pk, returned_at=ago(hours=6)
        )
    [message] = refused.value.message_dict["returned_at"]
    assert message.startswith("The return time cannot be before the episode started (")


def test_a_return_before_the_report_time_asks_for_confirmation_naming_the_field(world):
    episode = _open(world)
    with pytest.raises(dates.Unconfirmed) as asked:
        services.episode_record_return(
            user=world.provider_staff,
            why="test",
            episode=episode.pk,
            returned_at=ago(hours=4),
            confirm_before_report=False,
        )
    assert asked.value.flag == "confirm_before_report"
    assert asked.value.message_dict == {
        "returned_at": [
            f"The return time is before the episode was reported ({dates.when(episode.reported_at)}). "
            "Check the time, or confirm it is right."
        ]
    }
    episode.refresh_from_db()
    assert episode.returned_at is None and not ReturnInterview.objects.filter(episode=episode).exists()


def test_a_confirmed_return_before_the_report_time_is_recorded(world):
    # The report came two hours after the child left; the child was back before it was made.
    episode = _open(world)
    returned_at = ago(hours=4)
    services.episode_record_return(
        user=world.provider_staff, why="test", episode=episode.pk, returned_at=returned_at, confirm_before_report=True
    )
    episode.refresh_from_db()
    assert episode.returned_at == returned_at and episode.returned_at < episode.reported_at


def test_a_return_after_the_report_time_is_not_questioned(world):
    episode = _open(world)
    services.episode_record_return(
        user=world.provider_staff, why="test", episode=episode.pk, returned_at=ago(hours=2), confirm_before_report=False
    )
    assert Episode.objects.get(pk=episode.pk).returned_at is not None


def test_a_return_before_the_start_is_refused_even_when_confirmed(world):
    episode = _open(world)
    with pytest.raises(ValidationError) as refused:
        services.episode_record_return(
            user=world.provider_staff,
            why="test",
            episode=episode.pk,
            returned_at=ago(hours=6),
            confirm_before_report=True,
        )
    assert not isinstance(refused.value, dates.Unconfirmed)
    assert refused.value.message_dict["returned_at"][0].startswith(
        "The return time cannot be before the episode started"
    )


def test_a_report_in_the_future_is_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as refused:
        services.episode_open(
            user=world.provider_staff,
            why="test",
            child=world.child.pk,
            kind="missing",
            last_seen_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert list(refused.value.message_dict) == ["last_seen_at"]
    assert refused.value.message_dict["last_seen_at"][0].startswith("The time last seen cannot be in the future")


def test_an_interview_held_in_the_minute_it_was_offered_is_recorded(world, rhi_worker):
    # The form takes times to the minute; the offer recorded "now" has seconds (issue 11: the next job
    # without friction). Held "at 14:05" after an offer stamped 14:05:37 is not refused.
    episode = _open(world)
    services.episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=1))
    services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    offered = ReturnInterview.objects.get(episode=episode).offered_at
    typed = offered.replace(second=0, microsecond=0)
    services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="completed", held_at=typed)
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.held_at == offered
