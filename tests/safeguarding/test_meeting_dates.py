"""A strategy meeting is arranged ahead: it cannot be scheduled in the past (homeward.dates)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.safeguarding import services
from homeward.safeguarding.models import StrategyMeeting
from tests.safeguarding.test_strategy_meetings import _proposed


def test_a_meeting_cannot_be_scheduled_in_the_past(world, story, team_manager):
    meeting = _proposed(world, story)
    with pytest.raises(ValidationError) as refused:
        services.strategy_meeting_schedule(
            user=team_manager,
            why="test",
            child=world.child.pk,
            meeting=meeting.pk,
            scheduled_for=timezone.now() - datetime.timedelta(hours=2),
        )
    assert list(refused.value.message_dict) == ["scheduled_for"]
    assert refused.value.message_dict["scheduled_for"][0].startswith("The meeting time cannot be in the past")
    assert StrategyMeeting.objects.get(pk=meeting.pk).status == "proposed"


def test_a_meeting_later_today_can_be_scheduled(world, story, team_manager):
    meeting = _proposed(world, story)
    services.strategy_meeting_schedule(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        scheduled_for=timezone.now() + datetime.timedelta(hours=2),
    )
    assert StrategyMeeting.objects.get(pk=meeting.pk).status == "scheduled"
