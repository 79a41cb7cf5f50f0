"""Fixtures for the language guide tests: signed-in clients, bearer-token clients (text that arrives
from an agency's own system), and an open episode for Amira made through the real service."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from homeward.episodes import services
from tests.episodes.conftest import api_client_for, commission_return_interview_services
from tests.support import sign_in


@pytest.fixture
def world(world):
    commission_return_interview_services(world)
    return world


@pytest.fixture
def client_for(world):
    def make(who) -> Client:
        client = Client()
        sign_in(client, getattr(world, who) if isinstance(who, str) else who)
        return client

    return make


@pytest.fixture
def api():
    return api_client_for


@pytest.fixture
def episode(world):
    opened, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=2),
        last_seen_location="Oak House, front door",
    )
    return opened
