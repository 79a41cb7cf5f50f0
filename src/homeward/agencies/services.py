"""Writes for agencies and accounts: service accounts and their API tokens."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homeward.agencies.models import ROLES_BY_KIND, Agency, ApiToken, User, hash_token


def service_account_get_or_create(*, agency: Agency, role: str) -> User:
    """The one service account an agency system uses for a role (created on first need)."""
    if role not in ROLES_BY_KIND[agency.kind]:
        raise ValidationError({"role": f"Role '{role}' is not one a {agency.get_kind_display().lower()} can hold."})
    user, created = User.objects.get_or_create(
        username=f"svc-{agency.code.lower()}-{role}",
        defaults={"agency": agency, "role": role, "is_service_account": True},
    )
    if created:
        user.set_unusable_password()  # service accounts never sign in to the UI
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def api_token_create(*, agency_code: str, role: str) -> tuple[ApiToken, str]:
    """Create a bearer token; the raw value is returned once and only its hash is kept."""
    agency = Agency.objects.filter(code=agency_code).first()
    if agency is None:
        raise ValidationError({"agency": f"No agency with code '{agency_code}'."})
    user = service_account_get_or_create(agency=agency, role=role)
    raw = "hw_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    return token, raw


def api_token_revoke(*, prefix: str) -> int:
    """Revoke every live token with this prefix; takes effect on the very next call."""
    return ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).update(revoked_at=timezone.now())
