"""The placement an episode began in (Episode.start_placement), kept by the services: what the
dashboards count an episode by. It is the placement current on the London day the episode began,
whichever door the episode came by, and it follows the child's placements when they are recorded
late or corrected."""

import datetime

from django.utils import timezone

from homeward.children.models import Placement
from homeward.children.services import PlacementIn, placements_write
from homeward.episodes.models import Episode
from homeward.episodes.services import episode_open, episode_record_return, start_placements_refresh


def _back(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _episode(world, child, *, began_days_ago: int, back_days_ago: int | None) -> Episode:
    episode, _ = episode_open(
        user=world.social_worker, why="test", child=child.pk, kind="missing", started_at=_back(began_days_ago)
    )
    # The episode handed back holds what was stored.
    stored = Episode.objects.get(pk=episode.pk)
    assert (episode.start_placement_id, episode.start_host_authority_id, episode.start_police_force_id) == (
        stored.start_placement_id,
        stored.start_host_authority_id,
        stored.start_police_force_id,
    )
    if back_days_ago is not None:
        episode_record_return(user=world.social_worker, why="test", episode=episode, returned_at=_back(back_days_ago))
    episode.refresh_from_db()
    return episode


def test_an_episode_reported_is_counted_in_the_placement_it_began_in(world):
    old, new = Placement.objects.filter(child=world.moved_child).order_by("start_date")
    before_the_move = _episode(world, world.moved_child, began_days_ago=60, back_days_ago=59)
    now = _episode(world, world.moved_child, began_days_ago=0, back_days_ago=None)
    assert before_the_move.start_placement == old and now.start_placement == new
    # Its area with it: the Birmingham home, then Manchester.
    assert (before_the_move.start_host_authority, before_the_move.start_police_force) == (
        world.birmingham,
        world.west_midlands_police,
    )
    assert (now.start_host_authority, now.start_police_force) == (world.manchester, world.gmp)


def test_a_placements_postcode_corrected_moves_its_episodes_area(world):
    [placement] = Placement.objects.filter(child=world.child)
    episode = _episode(world, world.child, began_days_ago=5, back_days_ago=4)
    assert episode.start_police_force == world.west_midlands_police
    row = dict(
        child_id=world.child.pk,
        start_date=placement.start_date,
        placement_type=placement.placement_type,
        provider_type=placement.provider_type,
        provider_id=placement.provider_id,
        home_postcode="M1 1AE",
    )
    written = placements_write(
        user=world.social_worker, why="test", rows=[PlacementIn(**row, placement_postcode="LS1 1UR")]
    )
    assert written.updated and not written.rejected
    episode.refresh_from_db()
    assert (episode.start_host_authority, episode.start_police_force.name) == (world.leeds, "West Yorkshire Police")


def test_a_placement_recorded_late_moves_the_episodes_that_began_in_it(world):
    child = world.child_at_home
    [first] = Placement.objects.filter(child=child)
    episode = _episode(world, child, began_days_ago=250, back_days_ago=249)
    assert episode.start_placement == first

    # The council records, late, that the child moved 260 days ago.
    moved_on = timezone.localdate() - datetime.timedelta(days=260)
    row = dict(placement_type="U4", provider_type="PR1", placement_postcode="M1 1AE", home_postcode="M1 1AE")
    written = placements_write(
        user=world.social_worker,
        why="test",
        rows=[
            PlacementIn(child_id=child.pk, start_date=first.start_date, end_date=moved_on, **row),
            PlacementIn(child_id=child.pk, start_date=moved_on, **{**row, "placement_type": "U5"}),
        ],
    )
    assert not written.rejected
    episode.refresh_from_db()
    assert episode.start_placement == written.created[0] and episode.start_placement.placement_type == "U5"


def test_an_episode_before_any_placement_held_has_none(world):
    [placement] = Placement.objects.filter(child=world.child)
    episode = Episode.objects.create(
        child=world.child,
        kind="missing",
        started_at=_back(200),  # the placement began 100 days ago
        reported_at=_back(200),
        returned_at=_back(199),
        reported_by=world.social_worker,
        reporting_agency=world.manchester,
    )
    assert start_placements_refresh(Episode.objects.filter(pk=episode.pk)) == 1
    episode.refresh_from_db()
    assert episode.start_placement is None and placement.start_date > timezone.localdate() - datetime.timedelta(
        days=200
    )
