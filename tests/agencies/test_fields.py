"""Least data per reason: the table beside access.REASONS decides which parts of a record each reason shows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from homeward.agencies import fields
from homeward.agencies.access import REASONS, access_reasons
from homeward.agencies.fields import Field, fields_visible, fields_visible_many
from homeward.agencies.models import Role
from homeward.episodes import rules, services
from tests.conftest import make_user

EVERYTHING = frozenset(Field)
# Every agency acting on episodes reads them (agencies.fields.Field.EPISODES); a school does not.
IDENTITY_AND_PLACEMENT = {Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.EPISODES}
# user attribute on World -> what it is shown of the world's child (placed in Birmingham) while not missing
EXPECTED = {
    "social_worker": EVERYTHING,
    "host_coordinator": IDENTITY_AND_PLACEMENT | {Field.PHILOMENA_PROFILE},
    "police_officer": IDENTITY_AND_PLACEMENT,
    "provider_staff": IDENTITY_AND_PLACEMENT | {Field.PHILOMENA_PROFILE},
    "inspector": IDENTITY_AND_PLACEMENT | {Field.PLACEMENT_HISTORY, Field.PHILOMENA_PROFILE},
    "unrelated_social_worker": set(),
    "expired_inspector": set(),
    "national_analyst": set(),
}


def _open_episode(world, child):
    episode, _ = services.episode_open(
        user=world.social_worker,
        why="test",
        child=child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=2),
        last_seen_location="The bus station",
    )
    return episode


def test_the_table_names_every_reason_and_no_other():
    assert set(fields.SHOWN_BY_REASON) == {label for label, _ in REASONS}


@pytest.mark.parametrize("who", EXPECTED)
def test_each_reason_shows_only_the_fields_it_needs(world, who):
    assert fields_visible(user=getattr(world, who), child=world.child) == EXPECTED[who]


def test_the_police_of_the_area_get_the_philomena_profile_only_while_the_child_is_missing(world):
    assert Field.PHILOMENA_PROFILE not in fields_visible(user=world.police_officer, child=world.child)
    _open_episode(world, world.child)
    assert fields_visible(user=world.police_officer, child=world.child) == IDENTITY_AND_PLACEMENT | {
        Field.PHILOMENA_PROFILE
    }


def test_nobody_but_the_responsible_council_sees_identifiers_family_home_or_findings(world):
    _open_episode(world, world.child)
    for who in EXPECTED:
        if who != "social_worker":
            shown = fields_visible(user=getattr(world, who), child=world.child)
            assert not shown & {Field.IDENTIFIERS, Field.FAMILY_HOME, Field.INTERVIEW_FINDINGS}, who


def test_a_user_with_several_reasons_sees_the_union(world, monkeypatch):
    # Manchester's force covers the foster placement and, once the child is missing there, the search.
    episode = _open_episode(world, world.child_at_home)
    episode.location_police_force = world.gmp
    episode.save(update_fields=["location_police_force"])
    assert len(access_reasons(world.gmp_officer, world.child_at_home)) == 2
    monkeypatch.setitem(
        fields.SHOWN_BY_REASON, "Police force covering the current placement", fields.Shown(frozenset({Field.IDENTITY}))
    )
    monkeypatch.setitem(
        fields.SHOWN_BY_REASON,
        "Police force where an open episode was last known to be",
        fields.Shown(frozenset({Field.CURRENT_PLACEMENT})),
    )
    assert fields_visible(user=world.gmp_officer, child=world.child_at_home) == {
        Field.IDENTITY,
        Field.CURRENT_PLACEMENT,
    }


def test_a_performance_analyst_sees_no_part_of_any_record(world):
    analyst = make_user(world.manchester, Role.ANALYST)
    shown = fields_visible_many(user=analyst, children=[world.child, world.child_at_home, world.moved_child])
    assert shown == {
        world.child.pk: frozenset(),
        world.child_at_home.pk: frozenset(),
        world.moved_child.pk: frozenset(),
    }


def test_a_page_of_children_costs_no_more_queries_than_one_child(world):
    with CaptureQueriesContext(connection) as one:
        fields_visible_many(user=world.social_worker, children=[world.child])
    with CaptureQueriesContext(connection) as three:
        fields_visible_many(user=world.social_worker, children=[world.child, world.child_at_home, world.moved_child])
    assert len(three) == len(one)


@pytest.mark.parametrize("missing", [False, True])
def test_the_table_agrees_with_the_rule_that_guards_the_profile_pages(world, missing):
    # episodes.rules.may_read_profile guards the profile pages; the links and the briefing follow the table.
    if missing:
        _open_episode(world, world.child)
    for who in EXPECTED:
        user = getattr(world, who)
        reasons = access_reasons(user, world.child)
        shown = Field.PHILOMENA_PROFILE in fields_visible(user=user, child=world.child)
        assert shown == rules.may_read_profile(user, reasons, has_open_episode=missing), who
