"""Helpers for the safeguarding tests: episodes made through the real services at chosen (past)
times, the council's team manager, the return interview service, and signed-in clients."""

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from homeward.agencies.models import Agency, Role, User
from homeward.children.models import Placement
from homeward.episodes import services as episodes
from homeward.episodes.models import Episode
from homeward.safeguarding.models import RiskFlag
from tests.alerts.conftest import smtp  # noqa: F401  (a fixture: the alert tests' SMTP server, here too)
from tests.conftest import make_user
from tests.episodes.conftest import commission_return_interview_services
from tests.support import sign_in

LONDON = timezone.get_default_timezone()


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def at(days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
    """That many days ago, at that time of day in Europe/London."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def flags_of(child) -> dict[str, RiskFlag]:
    return {flag.kind: flag for flag in RiskFlag.objects.filter(child=child)}


def raised(child) -> set[str]:
    return {kind for kind, flag in flags_of(child).items() if flag.is_raised}


@pytest.fixture
def team_manager(world) -> User:
    user = make_user(world.manchester, Role.TEAM_MANAGER)
    user.email = "tm@example.org"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def world(world):
    commission_return_interview_services(world)  # a return needs the council's service
    return world


@pytest.fixture
def rhi_worker(world) -> User:
    return make_user(Agency.objects.get(code=f"RHI-{world.manchester.code}"), Role.RHI_WORKER)


@pytest.fixture
def story(world):
    """Episodes through the real services, at the times given (in the past)."""
    # Stories reach back as far as 15 months; an episode may not lie outside the child's care (SSDA903
    # rule 578), so the world's children came into care three years ago here.
    for child in (world.child, world.leeds_child):
        first = Placement.objects.filter(child=child).order_by("start_date").first()
        Placement.objects.filter(pk=first.pk).update(start_date=timezone.localdate() - datetime.timedelta(days=3 * 365))

    def episode(
        start: datetime.datetime,
        *,
        hours: float | None = 3,
        child=None,
        by=None,
        postcode: str = "",
        place: str = "",
        return_postcode: str = "",
        return_place: str = "",
    ) -> Episode:
        user = by or world.social_worker
        opened, _ = episodes.episode_open(
            user=user,
            why="test",
            child=(child or world.child).pk,
            kind="missing",
            started_at=start,
            last_seen_postcode=postcode,
            last_seen_location=place,
        )
        if hours is not None:
            episodes.episode_record_return(
                user=user,
                why="test",
                episode=opened.pk,
                returned_at=start + datetime.timedelta(hours=hours),
                postcode=return_postcode,
                place=return_place,
            )
            opened.refresh_from_db()
        return opened

    def interview(episode: Episode, indicators: list[str], *, by=None) -> None:
        user = by or world.social_worker
        episodes.return_interview_update(
            user=user, why="test", episode=episode.pk, status="offered", offered_at=episode.returned_at
        )
        episodes.return_interview_update(
            user=user,
            why="test",
            episode=episode.pk,
            status="completed",
            held_at=episode.returned_at + datetime.timedelta(hours=1),
            exploitation_indicators=indicators,
        )

    return SimpleNamespace(episode=episode, interview=interview)


@pytest.fixture
def client_for(world):
    def make(user) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make
