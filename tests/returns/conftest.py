"""Fixtures for the import tests: councils and forces from the reference data, and API clients."""

import itertools

import pytest
from rest_framework.test import APIClient

from homeward.agencies.models import Agency, ApiToken, Role, User, hash_token

_tokens = itertools.count()


@pytest.fixture
def la(reference) -> Agency:
    return Agency.objects.get(code="E08000003")  # Manchester


@pytest.fixture
def other_la(reference) -> Agency:
    return Agency.objects.get(code="E08000035")  # Leeds


@pytest.fixture
def force(reference) -> Agency:
    return Agency.objects.get(code="E23000014")  # West Midlands Police


@pytest.fixture
def other_force(reference) -> Agency:
    return Agency.objects.get(code="E23000005")  # Greater Manchester Police


def token_client(agency: Agency, role: str) -> APIClient:
    """A client with a bearer token of a service account of this agency."""
    user, _ = User.objects.get_or_create(
        username=f"system-{agency.code}-{role}".lower(),
        defaults={"agency": agency, "role": role, "is_service_account": True},
    )
    raw = f"hw_returns-{user.pk}-{next(_tokens)}"
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def police_system(force) -> APIClient:
    return token_client(force, Role.POLICE_OFFICER)
