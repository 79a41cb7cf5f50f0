"""The live board and the interviews-due list: order, clocks, scope, and a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.episodes import clocks
from homeward.episodes.selectors import board, interviews_due, interviews_due_counts
from homeward.episodes.services import episode_grade_risk, episode_open, episode_record_return
from tests.episodes.conftest import ago


def _open(world, child, hours: float, grade: str = "", police=None):
    episode, _ = episode_open(
        user=world.social_worker, why="test", child=child, kind="missing", started_at=ago(hours=hours)
    )
    if grade:
        episode_grade_risk(user=police, why="test", episode=episode, risk_grade=grade, source="call")
        episode.refresh_from_db()
    return episode


@pytest.fixture
def three_open(world):
    """Manchester's three children missing: one graded low long ago, one high, one not yet graded."""
    low = _open(world, world.child_at_home, hours=30, grade="low", police=world.gmp_officer)
    high = _open(world, world.child, hours=2, grade="high", police=world.police_officer)
    ungraded = _open(world, world.moved_child, hours=1)
    return low, high, ungraded


def test_high_risk_first_then_ungraded_then_the_rest(world, three_open):
    low, high, ungraded = three_open
    result = board(user=world.social_worker, why="test")
    assert [row.episode for row in result.rows] == [high, ungraded, low]
    assert result.total == 3


def test_within_a_grade_the_longest_missing_comes_first(world):
    recent = _open(world, world.child, hours=1)
    longest = _open(world, world.child_at_home, hours=20)
    assert [row.episode for row in board(user=world.social_worker, why="test").rows] == [longest, recent]


def test_the_clocks(world, three_open):
    low, high, ungraded = three_open
    now = timezone.now()
    rows = {row.episode.pk: row for row in board(user=world.social_worker, why="test", now=now).rows}
    assert rows[high.pk].next_review_at == high.risk_graded_at + datetime.timedelta(hours=1)
    assert rows[low.pk].next_review_at == low.risk_graded_at + clocks.RISK_REVIEW_INTERVALS["low"]
    assert rows[ungraded.pk].next_review_at == ungraded.reported_at and rows[ungraded.pk].review_overdue
    assert not rows[high.pk].review_overdue
    assert rows[low.pk].missing_for == now - low.started_at
    assert rows[high.pk].placement.provider == world.provider  # the current placement, for the board's row


def test_review_intervals_can_be_configured(settings):
    settings.HOMEWARD_RISK_REVIEW_HOURS = {"high": 0.5}
    graded = timezone.now()
    assert clocks.next_risk_review(grade="high", graded_at=graded, reported_at=graded) == graded + datetime.timedelta(
        minutes=30
    )
    assert clocks.next_risk_review(grade="medium", graded_at=graded, reported_at=graded) == graded + datetime.timedelta(
        hours=4
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("social_worker", {"child", "child_at_home", "moved_child"}),
        ("host_coordinator", {"child"}),
        ("police_officer", {"child"}),
        ("gmp_officer", {"child_at_home", "moved_child"}),
        ("provider_staff", {"child"}),
        ("inspector", {"child", "child_at_home", "moved_child"}),
        ("unrelated_social_worker", set()),
        ("other_provider_staff", set()),
        ("expired_inspector", set()),
        ("national_analyst", set()),
    ],
)
def test_each_agency_sees_only_its_own_children_on_the_board(world, three_open, who, expected):
    result = board(user=getattr(world, who), why="test")
    assert {row.child.pk for row in result.rows} == {getattr(world, name).pk for name in expected}
    assert result.total == len(expected)  # not even a count beyond the scope


def test_the_board_is_read_in_a_fixed_number_of_queries_and_audited(world):
    _open(world, world.child, hours=3, grade="high", police=world.police_officer)
    with CaptureQueriesContext(connection) as one:
        board(user=world.social_worker, why="test")
    _open(world, world.child_at_home, hours=2, grade="medium", police=world.gmp_officer)
    _open(world, world.moved_child, hours=1)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as three:
        result = board(user=world.social_worker, why="web:board")
    assert len(three.captured_queries) == len(one.captured_queries)  # no query per row
    assert len(result.rows) == 3
    events = list(AuditEvent.objects.filter(id__gt=0).order_by("-id")[:3])
    assert AuditEvent.objects.count() == before + 3
    assert {(e.action, e.why, e.child_id) for e in events} == {
        ("list", "web:board", row.child.pk) for row in result.rows
    }


def test_the_limit_keeps_the_true_total(world, three_open):
    result = board(user=world.social_worker, why="test", limit=2)
    assert len(result.rows) == 2 and result.total == 3


def test_interviews_due_soonest_first_and_overdue(world, rhi_worker):
    first = _open(world, world.child, hours=100)
    episode_record_return(user=world.social_worker, why="test", episode=first, returned_at=ago(hours=80))
    second = _open(world, world.child_at_home, hours=10)
    episode_record_return(user=world.social_worker, why="test", episode=second, returned_at=ago(hours=5))
    rows = interviews_due(user=rhi_worker, why="test")
    assert [row.episode for row in rows] == [first, second]
    assert [row.overdue for row in rows] == [True, False]
    assert [row.episode for row in interviews_due(user=rhi_worker, why="test", overdue_only=True)] == [first]
    assert interviews_due(user=world.unrelated_social_worker, why="test") == []
    assert [row.child for row in interviews_due(user=world.provider_staff, why="test")] == [world.child]


def test_filters_are_applied_in_the_query_before_the_limit(world, three_open):
    low, high, ungraded = three_open
    result = board(user=world.social_worker, why="test", risk_grades=["low"], limit=1)
    assert [row.episode for row in result.rows] == [low]  # last of the three unfiltered, yet found
    assert (result.matched, result.total) == (1, 3)
    result = board(user=world.social_worker, why="test", risk_grades=["", "high"], limit=1)
    assert [row.episode for row in result.rows] == [high] and (result.matched, result.total) == (2, 3)
    result = board(user=world.social_worker, why="test", kinds=["away"])
    assert result.rows == [] and (result.matched, result.total) == (0, 3)
    assert board(user=world.unrelated_social_worker, why="test", risk_grades=["low"]).total == 0


def test_interviews_due_are_counted_in_the_query(world, rhi_worker):
    first = _open(world, world.child, hours=100)
    episode_record_return(user=world.social_worker, why="test", episode=first, returned_at=ago(hours=80))
    second = _open(world, world.child_at_home, hours=10)
    episode_record_return(user=world.social_worker, why="test", episode=second, returned_at=ago(hours=5))
    assert interviews_due_counts(user=rhi_worker) == {"due": 2, "overdue": 1}
    assert interviews_due_counts(user=world.provider_staff) == {"due": 1, "overdue": 1}
    assert interviews_due_counts(user=world.unrelated_social_worker) == {"due": 0, "overdue": 0}
    assert interviews_due_counts(user=rhi_worker, now=ago(hours=100)) == {"due": 2, "overdue": 0}
