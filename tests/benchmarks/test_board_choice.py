"""`homeward bench board` times the boards that have the most on them: the council and the police
force with the most open episodes they can see (benchmarks.board), not the council with most children."""

import datetime

from django.utils import timezone

from homeward.agencies.models import Agency
from homeward.benchmarks import board as bench
from homeward.episodes.services import episode_open


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def _choice():
    councils, forces = bench._open_episodes_by_agency()
    return bench._largest_council(councils), bench._largest_force(forces)


def test_it_picks_the_council_and_force_with_most_open_episodes_not_most_children(world):
    # Manchester has three children, Leeds one; only Leeds's is missing.
    episode_open(
        user=world.unrelated_social_worker, why="test", child=world.leeds_child, kind="missing", started_at=ago(hours=2)
    )
    (council, council_open), (force, force_open) = _choice()
    west_yorkshire = world.leeds_child.placements.get().police_force
    assert (council, council_open) == (world.leeds, 1)
    assert (force, force_open) == (west_yorkshire, 1)


def test_a_council_counts_the_children_placed_in_its_area_and_a_force_those_it_covers(world):
    # Amira (Manchester's, in a Birmingham home) last seen in Manchester: GMP leads the search, West
    # Midlands Police covers the home, Birmingham hosts her. Jayden (Manchester's, at home) missing too.
    episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=ago(hours=2),
        last_seen_postcode="M1 1AE",
    )
    episode_open(user=world.social_worker, why="test", child=world.child_at_home, kind="away", started_at=ago(hours=1))
    councils, forces = bench._open_episodes_by_agency()
    assert councils == {world.manchester.pk: 2, world.birmingham.pk: 1}
    assert forces == {world.gmp.pk: 2, world.west_midlands_police.pk: 1}
    assert bench._largest_force(forces) == (world.gmp, 2)


def test_with_nothing_open_it_says_so_with_a_count_of_zero(world):
    (council, council_open), (force, force_open) = _choice()
    assert council == world.manchester and council_open == 0  # the most children
    assert isinstance(force, Agency) and force_open == 0
