"""72 hours missing (APP on missing persons): the force where the child was last known is reminded to
tell the NCA's UK Missing Persons Unit; not for a child away (whereabouts known) or back already."""

import datetime

import pytest
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.episodes.services import episode_open, episode_record_return
from homeward.tasks.worker import run_due
from tests.conftest import make_user
from tests.episodes.conftest import commission_return_interview_services

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def coordinator(world):
    return make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)


def _reminders(user) -> list[Alert]:
    return list(Alert.objects.filter(recipient=user, kind="ukmpu_due"))


def test_the_force_is_reminded_at_72_hours_missing(world, coordinator):
    went = timezone.now() - 2 * HOUR
    episode, _ = episode_open(user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=went)
    assert episode.location_police_force == world.west_midlands_police
    run_due(went + 71 * HOUR)
    assert _reminders(coordinator) == []
    run_due(went + 72 * HOUR)
    [reminder] = _reminders(coordinator)
    assert "UK Missing Persons Unit" in reminder.subject and reminder.child_id == world.child.pk
    assert "Amira" not in reminder.subject  # an alert's subject goes by email: it names no child
    run_due(went + 200 * HOUR)
    assert len(_reminders(coordinator)) == 1  # once


def test_a_child_back_before_72_hours_or_away_brings_no_reminder(world, coordinator):
    commission_return_interview_services(world)
    went = timezone.now() - 3 * HOUR
    episode, _ = episode_open(user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=went)
    episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=went + HOUR)
    run_due(went + 80 * HOUR)
    episode_open(user=world.provider_staff, why="test", child=world.child, kind="away", started_at=went + 2 * HOUR)
    run_due(went + 200 * HOUR)
    assert _reminders(coordinator) == []
