"""The two reasons episodes add to the scoping function: each grants, and each stops granting."""

import datetime

import pytest
from django.utils import timezone

from homeward.agencies.access import Reason, access_reasons, visible_children
from homeward.agencies.models import Agency, Role
from homeward.episodes import clocks
from homeward.episodes.models import ReturnInterview
from homeward.episodes.services import episode_add_update, episode_open, episode_record_return, return_interview_update
from tests.episodes.conftest import ago, make_user

POLICE_OF_LOCATION = Reason.POLICE_OF_LOCATION
RHI_SERVICE = Reason.RETURN_INTERVIEW_SERVICE


@pytest.fixture
def west_yorkshire_officer(world):
    return make_user(Agency.objects.get(code="E23000010"), Role.POLICE_OFFICER)


def _sees(user, child) -> bool:
    return visible_children(user).filter(pk=child.pk).exists()


def test_the_force_where_the_child_was_last_seen_sees_the_child_until_the_return(world, west_yorkshire_officer):
    assert not _sees(world.gmp_officer, world.child)
    episode, _ = episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=ago(hours=2),
        last_seen_location="Piccadilly station",
        last_seen_postcode="M1 1AE",
    )
    assert episode.location_police_force == world.gmp
    assert access_reasons(world.gmp_officer, world.child) == [POLICE_OF_LOCATION]
    # The force of the placement keeps its own reason.
    assert access_reasons(world.police_officer, world.child) == ["Police force covering the current placement"]

    # A sighting in Leeds moves the search, and the access, to West Yorkshire.
    episode_add_update(
        user=world.police_officer,
        why="test",
        episode=episode,
        kind="sighting",
        location="Leeds station",
        postcode="LS1 1UR",
        at=ago(hours=1),
    )
    assert access_reasons(west_yorkshire_officer, world.child) == [POLICE_OF_LOCATION]
    assert not _sees(world.gmp_officer, world.child)

    # An earlier sighting, recorded late, does not move it back.
    episode_add_update(
        user=world.police_officer,
        why="test",
        episode=episode,
        kind="sighting",
        location="Piccadilly",
        postcode="M1 1AE",
        at=ago(minutes=90),
    )
    assert _sees(west_yorkshire_officer, world.child) and not _sees(world.gmp_officer, world.child)

    episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(minutes=5))
    assert not _sees(west_yorkshire_officer, world.child)
    assert _sees(world.police_officer, world.child)


def test_without_a_known_location_the_placements_force_leads(world):
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="away", started_at=ago(hours=1)
    )
    assert episode.location_police_force == world.west_midlands_police
    assert not _sees(world.gmp_officer, world.child)


def test_a_location_outside_england_and_wales_leaves_the_placements_force_leading(world):
    episode, _ = episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=ago(hours=1),
        last_seen_postcode="EH1 1YZ",
    )
    assert episode.last_seen_postcode == "EH1 1YZ"
    assert episode.location_police_force == world.west_midlands_police


def test_the_assigned_interview_service_sees_the_child_from_the_return_until_30_days_after_the_interview(
    world, rhi_worker, other_rhi_worker
):
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(hours=6)
    )
    assert not _sees(rhi_worker, world.child)  # no interview assigned yet

    episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=1))
    assert access_reasons(rhi_worker, world.child) == [RHI_SERVICE]
    assert not _sees(other_rhi_worker, world.child)  # another authority's service
    assert set(visible_children(rhi_worker)) == {world.child}

    return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(user=rhi_worker, why="test", episode=episode, status="completed", held_at=timezone.now())
    assert _sees(rhi_worker, world.child)  # still, to finish the write-up

    interview = ReturnInterview.objects.get(episode=episode)
    window = clocks.RETURN_INTERVIEW_ACCESS_AFTER_CLOSE
    ReturnInterview.objects.filter(pk=interview.pk).update(
        closed_at=timezone.now() - window + datetime.timedelta(minutes=1)
    )
    assert _sees(rhi_worker, world.child)
    ReturnInterview.objects.filter(pk=interview.pk).update(
        closed_at=timezone.now() - window - datetime.timedelta(minutes=1)
    )
    assert not _sees(rhi_worker, world.child)
    assert access_reasons(rhi_worker, world.child) == []


def test_a_declined_interview_closes_the_window_too(world, rhi_worker):
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(hours=6)
    )
    episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=1))
    return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
    )
    ReturnInterview.objects.filter(episode=episode).update(closed_at=timezone.now() - datetime.timedelta(days=31))
    assert not _sees(rhi_worker, world.child)


def test_the_world_without_episodes_is_unchanged(world, rhi_worker):
    # The new reasons grant nothing until there is an episode.
    assert not visible_children(rhi_worker).exists()
    assert set(visible_children(world.gmp_officer)) == {world.child_at_home, world.moved_child}
