"""A missing or away period lies within the child's period of care (SSDA903 rules 575/577/578/581):
an episode starting outside it is refused at entry, whichever door (episode_open: form and API; the
SSDA903 import shares the rule), and when care ends while the child is missing the period ends that day."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.children.models import Placement
from homeward.children.services import PlacementIn, placements_write
from homeward.episodes.models import Episode, ReturnInterview, UpdateKind
from homeward.episodes.services import episode_open

pytestmark = pytest.mark.django_db


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def end_placement(world, child, end: datetime.date, *, then: str | None = None) -> None:
    """End the child's current placement on `end` (through the one door), and with `then` a new one starting that day."""
    current = Placement.objects.get(child=child, end_date__isnull=True)
    rows = [
        PlacementIn(
            child_id=child.pk,
            start_date=current.start_date,
            end_date=end,
            placement_type=current.placement_type,
            provider_type=current.provider_type,
            placement_postcode=current.placement_postcode,
            home_postcode=current.home_postcode,
            provider_id=current.provider_id,
            urn=current.urn,
        )
    ]
    if then:
        rows.append(
            PlacementIn(
                child_id=child.pk,
                start_date=end,
                placement_type=then,
                provider_type="PR1",
                placement_postcode="M1 1AE",
                home_postcode="M1 1AE",
            )
        )
    written = placements_write(user=world.social_worker, why="test", rows=rows)
    assert not written.rejected


def test_an_episode_cannot_start_before_the_child_was_looked_after(world):
    placed_on = Placement.objects.get(child=world.child).start_date  # 100 days ago
    with pytest.raises(ValidationError) as excinfo:
        episode_open(user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(days=120))
    assert "not looked after on" in excinfo.value.message_dict["started_at"][0]
    assert not Episode.objects.filter(child=world.child).exists()
    episode, created = episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=timezone.make_aware(datetime.datetime.combine(placed_on, datetime.time(20))),
    )
    assert created


def test_an_episode_cannot_start_after_care_ended(world):
    end_placement(world, world.child, timezone.localdate() - datetime.timedelta(days=5))
    with pytest.raises(ValidationError, match="not looked after"):
        episode_open(user=world.social_worker, why="test", child=world.child, kind="away", started_at=ago(days=2))


def test_care_ending_while_the_child_is_missing_ends_the_period_that_day(world):
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(days=10)
    )
    ended_on = timezone.localdate() - datetime.timedelta(days=2)
    end_placement(world, world.child, ended_on)
    episode.refresh_from_db()
    assert timezone.localtime(episode.returned_at).date() == ended_on
    assert not ReturnInterview.objects.filter(episode=episode).exists()  # the child has not come back
    note = episode.updates.get(kind=UpdateKind.NOTE)
    assert "Care ended on" in note.text and note.detail == {"care_ended": ended_on.isoformat()}
    event = AuditEvent.objects.filter(object_type="episode", object_id=str(episode.pk), action="update").latest("id")
    assert event.detail["care_ended"] == ended_on.isoformat() and event.agency_code == world.manchester.code


def test_a_move_while_missing_leaves_the_period_open(world):
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(days=10)
    )
    end_placement(world, world.child, timezone.localdate() - datetime.timedelta(days=2), then="U4")
    episode.refresh_from_db()
    assert episode.returned_at is None
