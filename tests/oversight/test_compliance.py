"""Compliance figures from records made through the services, and who may see them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.audit.models import AuditEvent
from homeward.children.services import child_allocate
from homeward.episodes import services as episodes
from homeward.episodes.models import ReturnInterviewCommission
from homeward.oversight.compliance import authorities_overseen, compliance_by_month, compliance_cases, reviews_on_time
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def _totals(months, duty: str) -> tuple[int, int]:
    figures = [f for m in months for f in m.figures if f.duty.code == duty]
    return sum(f.numerator for f in figures), sum(f.denominator for f in figures)


def _figures(user, authority, days: int = 40):
    today = timezone.localdate()
    return compliance_by_month(user=user, authority=authority, first=today - datetime.timedelta(days=days), last=today)


@pytest.fixture
def rhi_worker(world):
    service = Agency.objects.create(code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI, name="Manchester RHI")
    ReturnInterviewCommission.objects.create(council=world.manchester, service=service)
    return make_user(service, Role.RHI_WORKER)


def test_it_counts_who_was_told_of_an_episode(world):
    # The child lives in Birmingham: Manchester's social worker and Birmingham's coordinator are told;
    # no force's coordinator has an account and no IRO is allocated, so neither is told.
    episodes.episode_open(
        user=world.social_worker, why="test", child=world.child, kind="missing", started_at=_ago(minutes=5)
    )
    months = _figures(world.social_worker, world.manchester, days=0)
    assert _totals(months, "responsible_told") == (1, 1)
    assert _totals(months, "host_told") == (1, 1)
    assert _totals(months, "police_told") == (0, 1)
    assert _totals(months, "iro_told") == (0, 1)


def test_the_police_and_the_iro_count_once_they_are_told(world):
    make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    iro = make_user(world.manchester, Role.IRO)
    child_allocate(user=world.social_worker, why="test", child=world.child, iro=iro)
    episodes.episode_open(
        user=world.social_worker, why="test", child=world.child, kind="missing", started_at=_ago(minutes=5)
    )
    months = _figures(world.social_worker, world.manchester, days=0)
    assert _totals(months, "police_told") == (1, 1)
    assert _totals(months, "iro_told") == (1, 1)
    # A child fostered in Manchester has no host council to tell: the duty does not apply.
    episodes.episode_open(
        user=world.social_worker, why="test", child=world.child_at_home, kind="away", started_at=_ago(minutes=5)
    )
    assert _totals(_figures(world.social_worker, world.manchester, days=0), "host_told") == (1, 1)


def test_it_times_the_return_interview_against_72_hours(world, rhi_worker):
    held, _ = episodes.episode_open(
        user=world.social_worker,
        why="test",
        child=world.child,
        kind="missing",
        started_at=_ago(days=12),
        reported_at=_ago(days=12),
    )
    episodes.episode_record_return(user=world.social_worker, why="test", episode=held, returned_at=_ago(days=11))
    episodes.return_interview_update(
        user=rhi_worker, why="test", episode=held, status="offered", offered_at=_ago(days=10)
    )
    episodes.return_interview_update(
        user=rhi_worker, why="test", episode=held, status="completed", held_at=_ago(days=9)
    )
    ignored, _ = episodes.episode_open(
        user=world.social_worker,
        why="test",
        child=world.moved_child,
        kind="missing",
        started_at=_ago(days=8),
        reported_at=_ago(days=8),
    )
    episodes.episode_record_return(user=world.social_worker, why="test", episode=ignored, returned_at=_ago(days=7))
    # Back an hour ago: its 72 hours have not passed, so it is not yet a case.
    recent, _ = episodes.episode_open(
        user=world.social_worker,
        why="test",
        child=world.child_at_home,
        kind="away",
        started_at=_ago(hours=3),
        reported_at=_ago(hours=3),
    )
    episodes.episode_record_return(user=world.social_worker, why="test", episode=recent, returned_at=_ago(hours=1))

    months = _figures(world.social_worker, world.manchester)
    assert _totals(months, "interview_offered") == (1, 2)
    assert _totals(months, "interview_held") == (1, 2)
    figure = next(f for m in months for f in m.figures if f.duty.code == "interview_offered" and f.denominator)
    assert figure.median is not None


def test_a_late_interview_is_not_met(world, rhi_worker):
    episode, _ = episodes.episode_open(
        user=world.social_worker,
        why="test",
        child=world.child,
        kind="missing",
        started_at=_ago(days=12),
        reported_at=_ago(days=12),
    )
    episodes.episode_record_return(user=world.social_worker, why="test", episode=episode, returned_at=_ago(days=11))
    episodes.return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="offered", offered_at=_ago(days=7)
    )
    episodes.return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
    )
    months = _figures(world.social_worker, world.manchester)
    assert _totals(months, "interview_offered") == (0, 1)
    assert _totals(months, "interview_held") == (0, 1)


def test_the_cases_behind_a_figure_name_each_child_and_are_audited(world):
    episodes.episode_open(
        user=world.social_worker, why="test", child=world.child, kind="missing", started_at=_ago(minutes=5)
    )
    episodes.episode_open(
        user=world.social_worker, why="test", child=world.child_at_home, kind="away", started_at=_ago(minutes=5)
    )
    before = AuditEvent.objects.filter(object_type="compliance_case").count()
    figure = compliance_cases(
        user=world.social_worker, authority=world.manchester, duty="iro_told", month=timezone.localdate()
    )
    assert sorted(c.child_id for c in figure.cases) == sorted([world.child.pk, world.child_at_home.pk])
    assert (figure.numerator, figure.denominator, figure.share) == (0, 2, 0.0)
    assert all(c.link.startswith("/episodes/") for c in figure.cases)
    events = AuditEvent.objects.filter(object_type="compliance_case").order_by("seq")[before:]
    assert sorted(e.child_id for e in events) == sorted([world.child.pk, world.child_at_home.pk])


def test_the_figures_are_audited(world):
    _figures(world.social_worker, world.manchester)
    event = AuditEvent.objects.filter(object_type="compliance").latest("seq")
    assert (event.username, event.object_id) == (world.social_worker.username, world.manchester.code)


def test_only_the_council_and_its_inspector_see_its_figures(world):
    assert list(authorities_overseen(world.social_worker)) == [world.manchester]
    assert list(authorities_overseen(world.inspector)) == [world.manchester]
    for outsider in (
        world.unrelated_social_worker,
        world.host_coordinator,
        world.police_officer,
        world.provider_staff,
        world.expired_inspector,
        world.national_analyst,
    ):
        with pytest.raises(PermissionDenied):
            _figures(outsider, world.manchester)
    episodes.episode_open(
        user=world.social_worker, why="test", child=world.child, kind="missing", started_at=_ago(minutes=5)
    )
    assert _totals(_figures(world.inspector, world.manchester, days=0), "responsible_told") == (1, 1)
    # Birmingham hosts the child but is not responsible for it: its own figures leave it out.
    assert _totals(_figures(world.host_coordinator, world.birmingham, days=0), "responsible_told") == (0, 0)


def test_a_review_past_its_interval_is_late():
    at = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)
    hours = {"high": 1, "low": 12}

    def interval(grade):
        return datetime.timedelta(hours=hours[grade])

    on_time = [(at, "low"), (at + datetime.timedelta(hours=11), "high")]
    assert reviews_on_time(on_time, at + datetime.timedelta(hours=11, minutes=50), interval) == (
        True,
        datetime.timedelta(hours=11),
    )
    late = [(at, "low"), (at + datetime.timedelta(hours=11), "high")]
    assert reviews_on_time(late, at + datetime.timedelta(hours=13), interval) == (False, datetime.timedelta(hours=11))
