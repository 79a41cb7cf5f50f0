"""Helpers for the episode tests: bearer-token clients, the return-interview service, and counts of
everything an episode write touches (so a refused write can be shown to change nothing)."""

import datetime
import itertools

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from homeward.agencies.models import Agency, AgencyKind, ApiToken, Role, User, hash_token
from homeward.audit.models import AuditEvent
from homeward.episodes.models import (
    Episode,
    EpisodeUpdate,
    KindChange,
    PoliceReference,
    ReturnInterview,
    ReturnInterviewCommission,
    RiskGrading,
)

_tokens = itertools.count()


def make_user(agency: Agency, role: str) -> User:
    user = User(username=f"{role}-{agency.code}".lower(), agency=agency, role=role)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def api_client_for(user) -> APIClient:
    """A client holding a bearer token of this very user."""
    raw = f"hw_episodes-{user.pk}-{next(_tokens)}"
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api():
    return api_client_for


def commission_return_interview_services(world) -> None:
    """Manchester and Leeds each commission their own return interview service (RHI-<LA code>): a
    return is refused until the child's council has one (services.return_interview_service_for)."""
    for council in (world.manchester, world.leeds):
        service, _ = Agency.objects.get_or_create(
            code=f"RHI-{council.code}", defaults={"kind": AgencyKind.RHI, "name": f"{council.name} RHI service"}
        )
        ReturnInterviewCommission.objects.get_or_create(council=council, defaults={"service": service})


@pytest.fixture
def world(world):
    commission_return_interview_services(world)
    return world


@pytest.fixture
def rhi_worker(world):
    """A worker at Manchester's return-interview service."""
    return make_user(Agency.objects.get(code=f"RHI-{world.manchester.code}"), Role.RHI_WORKER)


@pytest.fixture
def other_rhi_worker(world):
    return make_user(Agency.objects.get(code=f"RHI-{world.leeds.code}"), Role.RHI_WORKER)


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def counts() -> dict[str, int]:
    models = [Episode, EpisodeUpdate, KindChange, PoliceReference, ReturnInterview, RiskGrading, AuditEvent]
    return {model.__name__: model.objects.count() for model in models}
