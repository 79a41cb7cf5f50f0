"""Sessions end after SESSION_IDLE_SECONDS without a request, and SESSION_ABSOLUTE_SECONDS after sign-in."""

import time

from django.conf import settings
from django.test import Client


def _shift(client: Client, **seconds_ago: int) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = int(time.time()) - ago
    session.save()


def test_an_active_session_stays_signed_in(world, web):
    client = Client()
    web.sign_in(client, world.social_worker)
    _shift(client, last_seen_at=settings.SESSION_IDLE_SECONDS - 60)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_it_signs_out_after_the_idle_timeout(world, web):
    client = Client()
    web.sign_in(client, world.social_worker)
    assert client.get("/").status_code == 200
    _shift(client, last_seen_at=settings.SESSION_IDLE_SECONDS + 1)
    response = client.get("/children/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/children/"
    page = client.get(response["Location"]).content.decode()
    assert f"had not used Homeward for {settings.SESSION_IDLE_SECONDS // 60} minutes" in page
    assert client.get("/").status_code == 302  # and stays signed out


def test_it_signs_out_after_the_absolute_timeout_even_when_active(world, web):
    client = Client()
    web.sign_in(client, world.social_worker)
    _shift(client, signed_in_at=settings.SESSION_ABSOLUTE_SECONDS + 1, last_seen_at=5)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert "because you had been signed in for" in client.get(response["Location"]).content.decode()


def test_signing_in_starts_the_clocks_afresh(world, web):
    client = Client()
    web.sign_in(client, world.social_worker)
    session = client.session
    assert abs(session["signed_in_at"] - time.time()) < 60
    assert abs(session["last_seen_at"] - time.time()) < 60
