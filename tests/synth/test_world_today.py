"""The demo's world up to now (issue 15): generated to the moment it runs, so what is open is what
would be open then, and moved on, not duplicated, when made again on a later day."""

import datetime

import pytest

from homeward.synth.files import world_on_disk, world_read, world_write
from homeward.synth.generator import LONDON, LONG_TERM_AFTER, LONG_TERM_NOTE, world_generate

NOW = datetime.datetime(2026, 12, 6, 14, 30, tzinfo=datetime.UTC)
WEEK = datetime.timedelta(minutes=LONG_TERM_AFTER)
CHILDREN = 6000


@pytest.fixture(scope="module")
def today():
    return world_generate(seed=1, children=CHILDREN, until=NOW)


def _open(world):
    return [e for e in world.episodes if e.returned_at is None]


def test_the_world_runs_up_to_the_moment_and_not_past_it(today) -> None:
    assert today.as_at == datetime.date(2026, 12, 6) and today.until == NOW
    moments = [
        *(
            m
            for e in today.episodes
            for m in (e.started_at, e.reported_at, e.police_reported_at, e.returned_at, e.safe_and_well_at, e.closed_at)
            if m
        ),
        *(g.graded_at for g in today.risk_gradings),
        *(n.at for n in today.episode_notes),
        *(
            m
            for i in today.return_interviews
            for m in (i.assigned_at, i.offered_at, i.accepted_at, i.held_at, i.closed_at)
            if m
        ),
    ]
    assert max(moments) < NOW
    # Children looked after today have a placement open today; nobody is born after today.
    assert max(c.date_of_birth for c in today.children) <= today.as_at
    assert sum(p.end_date is None for p in today.placements) == CHILDREN


def test_what_is_open_now_began_in_the_last_days_as_nationally(today) -> None:
    still = _open(today)
    # DfE: about 220 children still missing and 60 still away on a day, of 83,600 looked after.
    expected = CHILDREN * 280 / 83_600
    assert expected / 3 <= len(still) <= expected * 3
    recent = [e for e in still if NOW - e.started_at < WEEK]
    assert recent, "someone went missing or away in the last seven days"
    assert any(NOW - e.started_at < datetime.timedelta(days=2) for e in still)


def test_nothing_is_open_for_long_unless_the_generator_meant_a_long_absence_and_says_so(today) -> None:
    notes = {
        (n.responsible_authority, n.la_child_id, n.started_at): n
        for n in today.episode_notes
        if n.text in LONG_TERM_NOTE.values()
    }
    for e in _open(today):
        key = (e.responsible_authority, e.la_child_id, e.started_at)
        if NOW - e.started_at > WEEK:
            note = notes.get(key)
            assert note is not None, f"open since {e.started_at:%Y-%m-%d} without a long-term note"
            assert note.text == LONG_TERM_NOTE[e.kind] and note.at == e.started_at + WEEK
        else:
            assert key not in notes
    # Over the year, long absences are rare (DfE: about 90% of incidents end within two days).
    long_ones = sum(((e.returned_at or NOW) - e.started_at) > WEEK for e in today.episodes)
    assert 0 < long_ones <= len(today.episodes) * 0.02


def test_a_later_day_moves_the_same_children_on(today) -> None:
    later = world_generate(seed=1, children=CHILDREN, until=NOW + datetime.timedelta(days=9))
    assert [(c.responsible_authority, c.la_child_id, c.first_name, c.last_name) for c in later.children] == [
        (c.responsible_authority, c.la_child_id, c.first_name, c.last_name) for c in today.children
    ]
    # The same ages on the later day as on the first: their dates of birth moved on with the world
    # (a day more for the odd child who left care, whose dates are drawn back from leaving).
    moved = [(b.date_of_birth - a.date_of_birth).days for a, b in zip(today.children, later.children, strict=True)]
    assert set(moved) <= {9, 10} and moved.count(9) > 0.99 * len(moved)
    assert max(e.started_at for e in later.episodes) > NOW


def test_the_moment_is_kept_on_disk(tmp_path) -> None:
    world = world_generate(seed=3, children=200, until=NOW)
    world_write(world=world, directory=tmp_path)
    assert world_on_disk(directory=tmp_path) == (3, 200, NOW.astimezone(LONDON).date(), 1)
    assert world_read(directory=tmp_path).until == NOW


def test_until_must_fall_on_the_snapshot_day() -> None:
    with pytest.raises(ValueError, match="until"):
        world_generate(seed=3, children=10, as_at=datetime.date(2026, 3, 31), until=NOW)
