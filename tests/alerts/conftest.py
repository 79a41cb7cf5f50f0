"""A real SMTP server for the alert tests, and the shared world's people with email addresses plus
the council roles that alerts go to (and caseworkers of other children, whom they must not)."""

from types import SimpleNamespace

import pytest

from homeward.agencies.models import Role, User
from homeward.children.services import child_allocate
from homeward.devtools.smtp_sink import smtp_sink
from tests.conftest import make_user


@pytest.fixture
def smtp(settings):
    """aiosmtpd on a free localhost port; Django's SMTP backend pointed at it."""
    with smtp_sink() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = mailbox.port
        yield mailbox


def with_email(user: User) -> User:
    user.email = f"{user.username}@example.org"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def people(world) -> SimpleNamespace:
    """The world's social worker and an IRO are allocated to Manchester's children; a second social
    worker and IRO at Manchester hold other cases, and must never be told of these children."""
    manchester = world.manchester
    iro = with_email(make_user(manchester, Role.IRO))
    for child in (world.child, world.child_at_home, world.moved_child):
        child_allocate(user=world.social_worker, why="test", child=child, iro=iro)
    return SimpleNamespace(
        social_worker=with_email(world.social_worker),
        coordinator=with_email(make_user(manchester, Role.MISSING_COORDINATOR)),
        team_manager=with_email(make_user(manchester, Role.TEAM_MANAGER)),
        nominated_officer=with_email(make_user(manchester, Role.NOMINATED_OFFICER)),
        iro=iro,
        other_social_worker=with_email(make_user(manchester, Role.SOCIAL_WORKER, "social-worker-2")),
        other_iro=with_email(make_user(manchester, Role.IRO, "iro-2")),
        host_coordinator=with_email(world.host_coordinator),
        police_officer=with_email(world.police_officer),
        provider_staff=with_email(world.provider_staff),
        unrelated=with_email(world.unrelated_social_worker),
    )
