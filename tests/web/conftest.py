"""Fixtures for the web pages. The agencies, users and children come from the shared `world`
fixture (tests/conftest.py); here each person gets an authenticator app, and signing in goes
through the real two-step form."""

import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import User

PASSWORD = "correct horse battery staple"


def give_password(user: User) -> User:
    """The shared world's users have no usable password (hashing is slow); sign-in tests need one."""
    if not user.has_usable_password() or not user.check_password(PASSWORD):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def device_for(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    return device


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the person's authenticator app shows at that moment (now by default)."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    generator.time = time.time() if at is None else at
    return f"{generator.token():06d}"


def sign_in_through_the_form(client: Client, user: User, *, password: str = PASSWORD):
    """Both steps of the real sign-in; returns the final response (a redirect when it worked)."""
    give_password(user)
    device = device_for(user)
    response = client.post("/sign-in/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.post(response["Location"], {"code": code_for(device)})


def force_sign_in(client: Client, user: User) -> None:
    """Signed in with both factors, without the (slow, Argon2) form: for tests about other pages."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def web() -> SimpleNamespace:
    """The helpers above, for tests (conftest modules are not importable by name)."""
    return SimpleNamespace(
        password=PASSWORD,
        give_password=give_password,
        device_for=device_for,
        code_for=code_for,
        sign_in=sign_in_through_the_form,
        force_sign_in=force_sign_in,
    )
