"""Writes for agencies and accounts: people's accounts and second factors, service accounts and
their API tokens."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import ROLES_BY_KIND, SERVES_COUNCILS, Agency, AgencyKind, ApiToken, User, hash_token
from homeward.audit.models import Action
from homeward.audit.services import audit_record

DEVICE_NAME = "authenticator"


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ValidationError({"agency": f"No agency with code '{code}'."})
    return agency


def _role_for(agency: Agency, role: str) -> str:
    if role not in ROLES_BY_KIND[agency.kind]:
        allowed = ", ".join(sorted(ROLES_BY_KIND[agency.kind]))
        raise ValidationError(
            {"role": f"Role '{role}' is not one a {agency.get_kind_display().lower()} can hold ({allowed})."}
        )
    return role


@transaction.atomic
def user_create(
    *, agency_code: str, role: str, username: str, email: str = "", team: str = "", password: str | None = None
) -> tuple[User, str]:
    """A person's account at an agency in a role the agency's kind allows. Returns (user, password):
    the password given (checked against the password rules) or a new random one, which is shown
    once and kept only as its Argon2 hash. The account cannot sign in until `otp_device_enrol`."""
    agency = _agency(agency_code)
    role = _role_for(agency, role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"There is already an account called '{username}'."})
    user = User(username=username, email=email, agency=agency, role=role, team=team.strip())
    user.full_clean(exclude=["password"])
    if password is None:
        password = secrets.token_urlsafe(18)  # 24 characters, about 144 bits
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    return user, password


@transaction.atomic
def user_team_set(*, by, username: str, team: str) -> User:
    """Put a person in a team of their agency (or none, with ""). Teams are how the language patterns
    are broken down (language.selectors), so a change is audited, old and new."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        raise ValidationError({"username": f"No account called '{username}'."})
    old, user.team = user.team, team.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["team"])
    audit_record(
        user=by,
        action=Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        why="homeward user team",
        detail={"team": [old, user.team]},
    )
    return user


@transaction.atomic
def otp_device_enrol(*, username: str) -> TOTPDevice:
    """A new TOTP key for the person (the authenticator app's second factor), replacing any they had:
    codes from an old app stop working at once. Returns the device; its config_url goes to the app."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": f"No account called '{username}'."})
    if user.is_service_account:
        raise ValidationError({"username": "Service accounts use API tokens and never sign in to the web pages."})
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


def service_account_get_or_create(*, agency: Agency, role: str) -> User:
    """The one service account an agency system uses for a role (created on first need)."""
    _role_for(agency, role)
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
    user = service_account_get_or_create(agency=_agency(agency_code), role=role)
    # Hexadecimal, so the prefix (what `token revoke` takes) never starts with '-', which a command
    # line reads as an option; URL-safe base64 did one time in 64. 256 bits either way.
    raw = "hw_" + secrets.token_hex(32)
    token = ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    return token, raw


def api_token_revoke(*, prefix: str) -> int:
    """Revoke every live token with this prefix; takes effect on the very next call."""
    return ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def agency_contact_set(*, code: str, contact: str, why: str) -> Agency:
    """Record an agency's 24-hour contact for missing children (run by an administrator; audited)."""
    agency = Agency.objects.select_for_update().filter(code=code).first()
    if agency is None:
        raise ValidationError({"code": f"No agency has the code {code}."})
    contact = (contact or "").strip()
    if len(contact) > 200:
        raise ValidationError({"contact": "The contact must be 200 characters or fewer."})
    agency.contact_24h = contact
    agency.save(update_fields=["contact_24h"])
    audit_record(
        user=None,
        action=Action.UPDATE,
        object_type="agency",
        object_id=agency.pk,
        why=why,
        detail={"contact_24h": contact},
    )
    return agency


# The partners an administrator adds (issue 18): health and education. Councils, forces and providers
# come from the reference data and the councils' returns.
PARTNER_KINDS = (*SERVES_COUNCILS, AgencyKind.SCHOOL)


@transaction.atomic
def partner_agency_set(*, code: str, kind: str, name: str, serves: list[str], why: str) -> Agency:
    """Add or update an ICB or NHS trust (by ODS code) with the councils in its area, a council's
    virtual school with its one council, or a school (by DfE URN, serving no council: it sees its
    pupils on roll). Run by an administrator; audited. The councils served decide who the agency sees
    (agencies.access), so they are given in full each time."""
    if kind not in PARTNER_KINDS:
        raise ValidationError({"kind": f"Give one of {', '.join(PARTNER_KINDS)}."})
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 16:
        raise ValidationError({"code": "Give the agency's code, up to 16 characters (ODS code, DfE URN)."})
    if not name:
        raise ValidationError({"name": "Give the agency's name."})
    if kind == AgencyKind.SCHOOL and not (code.isdigit() and len(code) == 6):
        raise ValidationError({"code": "A school is known by its six-digit DfE URN."})
    councils = list(Agency.objects.filter(code__in=serves, kind=AgencyKind.LOCAL_AUTHORITY))
    unknown = sorted(set(serves) - {c.code for c in councils})
    if unknown:
        raise ValidationError({"serves": f"Not a council's code: {', '.join(unknown)}."})
    if kind == AgencyKind.SCHOOL and councils:
        raise ValidationError({"serves": "A school serves no council: it sees the pupils on its roll."})
    if kind == AgencyKind.VIRTUAL_SCHOOL and len(councils) != 1:
        raise ValidationError({"serves": "A virtual school serves exactly one council, its own."})
    if kind in (AgencyKind.ICB, AgencyKind.NHS_TRUST) and not councils:
        raise ValidationError({"serves": "Give the councils in its area."})
    agency = Agency.objects.select_for_update().filter(code=code).first()
    if agency is not None and agency.kind != kind:
        raise ValidationError({"code": f"{code} is already a {agency.get_kind_display().lower()}."})
    if agency is None:
        agency = Agency.objects.create(code=code, kind=kind, name=name)
    elif agency.name != name:
        agency.name = name
        agency.save(update_fields=["name"])
    agency.councils_served.set(councils)
    audit_record(
        user=None,
        action=Action.UPDATE,
        object_type="agency",
        object_id=agency.pk,
        why=why,
        detail={"kind": kind, "serves": sorted(c.code for c in councils)},
    )
    return agency
