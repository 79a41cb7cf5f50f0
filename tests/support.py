"""Helpers shared by test modules (fixtures live in conftest.py)."""

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, what: str) -> None:
    """Skip for want of a component locally; under CI nothing may be skipped, so fail instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{what} is required under CI=true")
        pytest.skip(f"{what} not available")


def sign_in(client, user) -> None:
    """Sign in as if password and second factor had both been passed."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def commissioned_service(council, name: str | None = None):
    """The council's return interview service, as its administrator records it: the agency and the
    council's commission of it (episodes.services.return_interview_service_for reads only that)."""
    from homeward.agencies.models import Agency, AgencyKind
    from homeward.episodes.services import return_interview_commission_set

    service, _ = Agency.objects.get_or_create(
        code=f"RHI-{council.code}", defaults={"kind": AgencyKind.RHI, "name": name or f"{council.name} RHI service"}
    )
    return_interview_commission_set(council=council, service=service)
    return service
