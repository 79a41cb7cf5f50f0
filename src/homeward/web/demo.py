"""Demo accounts: one per role, at agencies chosen from the loaded synthetic world; and the demo's
mail: the alerts' emails, kept by a local SMTP sink for the demo's mail page.

Only ever used with settings.DEMO_MODE on. Passwords and second-factor keys are fixed and written
here in the open so that a demonstration is reproducible; that is exactly why the commands refuse to
run outside demo mode.
"""

import datetime
import email
import email.policy
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import Agency, AgencyKind, InspectorGrant, Role, User
from homeward.alerts.smtp_sink import smtp_sink
from homeward.children.models import Placement

DEVICE_NAME = "demo"
GRANT_DAYS = 30
MAIL_SHOWN = 50


def require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise CommandError("Demo accounts exist only in demo mode: set HOMEWARD_DEMO=1. Refusing to continue.")


def demo_username(role: str) -> str:
    return "demo-" + role.replace("_", "-")


def demo_password(role: str) -> str:
    return f"demo-password-{role}"


def is_demo_password(password: str) -> bool:
    """Whether this is one of the passwords written above (public, so good for nothing outside demo mode)."""
    return password in {demo_password(role) for role in ROLE_KINDS}


def demo_totp_key(username: str) -> str:
    """A fixed 20-byte TOTP key (hex) per demo username: the same codes on every machine."""
    return hashlib.sha1(f"homeward-demo-totp:{username}".encode()).hexdigest()


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):0{device.digits}d}"


@dataclass(frozen=True)
class DemoAccount:
    user: User
    password: str
    device: TOTPDevice


def _choose_agencies() -> dict[str, Agency]:
    """Where each kind of demo account works, chosen from the world so every role has something to see.

    These are agency-level counts to pick a setting for the demo; no child's details are read.
    """
    council = (
        Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY)
        .annotate(n=Count("children"))
        .filter(n__gt=0)
        .order_by("-n", "code")
        .first()
    )
    if council is None:
        raise CommandError("No children are loaded. Run `homeward demo_world` first.")
    current = Placement.objects.current().filter(child__responsible_authority=council)
    force_id = (
        current.exclude(police_force=None).values("police_force").annotate(n=Count("id")).order_by("-n", "police_force").values_list("police_force", flat=True).first()
    )
    provider_id = (
        current.exclude(provider=None).values("provider").annotate(n=Count("id")).order_by("-n", "provider").values_list("provider", flat=True).first()
    )
    if force_id is None or provider_id is None:
        raise CommandError(f"{council.name}'s children have no current placements with a police force and a provider.")
    rhi, _ = Agency.objects.update_or_create(
        code=f"RHI-{council.code}", defaults={"kind": AgencyKind.RHI, "name": f"{council.name} return interview service"}
    )
    inspectorate, _ = Agency.objects.get_or_create(code="OFSTED", defaults={"kind": AgencyKind.INSPECTORATE, "name": "Ofsted"})
    national, _ = Agency.objects.get_or_create(code="DFE", defaults={"kind": AgencyKind.NATIONAL, "name": "Department for Education"})
    return {
        AgencyKind.LOCAL_AUTHORITY: council,
        AgencyKind.POLICE: Agency.objects.get(pk=force_id),
        AgencyKind.PROVIDER: Agency.objects.get(pk=provider_id),
        AgencyKind.RHI: rhi,
        AgencyKind.INSPECTORATE: inspectorate,
        AgencyKind.NATIONAL: national,
    }


ROLE_KINDS: dict[str, str] = {
    Role.SOCIAL_WORKER: AgencyKind.LOCAL_AUTHORITY,
    Role.TEAM_MANAGER: AgencyKind.LOCAL_AUTHORITY,
    Role.MISSING_COORDINATOR: AgencyKind.LOCAL_AUTHORITY,
    Role.NOMINATED_OFFICER: AgencyKind.LOCAL_AUTHORITY,
    Role.DIRECTOR: AgencyKind.LOCAL_AUTHORITY,
    Role.IRO: AgencyKind.LOCAL_AUTHORITY,
    Role.ANALYST: AgencyKind.LOCAL_AUTHORITY,
    Role.POLICE_OFFICER: AgencyKind.POLICE,
    Role.POLICE_COORDINATOR: AgencyKind.POLICE,
    Role.PROVIDER_STAFF: AgencyKind.PROVIDER,
    Role.PROVIDER_MANAGER: AgencyKind.PROVIDER,
    Role.RHI_WORKER: AgencyKind.RHI,
    Role.INSPECTOR: AgencyKind.INSPECTORATE,
    Role.NATIONAL_ANALYST: AgencyKind.NATIONAL,
}


def _account(role: str, agency: Agency) -> DemoAccount:
    username, password = demo_username(role), demo_password(role)
    user = User.objects.filter(username=username).first() or User(username=username)
    user.agency, user.role = agency, role
    user.first_name, user.last_name = "Demo", Role(role).label.lower()
    user.is_active, user.is_service_account = True, False
    # Set once. Argon2 costs about 0.4 s a hash here, so checking all of them would slow every demo
    # start, and a new hash would sign out everyone using the demo; nothing in Homeward changes them.
    if not user.password or not user.has_usable_password():
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    device = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME).first() or TOTPDevice(user=user, name=DEVICE_NAME)
    key = demo_totp_key(username)
    if device.key != key or not device.confirmed:
        device.key, device.confirmed, device.last_t, device.drift = key, True, -1, 0
        device.save()
    return DemoAccount(user=user, password=password, device=device)


def _ensure_grant(inspector: User, council: Agency) -> None:
    now = timezone.now()
    # A grant that still has at least a day to run is kept; otherwise a fresh 30-day one is made.
    if not InspectorGrant.objects.filter(user=inspector, authority=council, starts_at__lte=now, expires_at__gt=now + datetime.timedelta(days=1)).exists():
        InspectorGrant.objects.create(user=inspector, authority=council, starts_at=now, expires_at=now + datetime.timedelta(days=GRANT_DAYS))


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create or refresh one account per role. Idempotent."""
    require_demo_mode()
    agencies = _choose_agencies()
    accounts = [_account(role, agencies[kind]) for role, kind in ROLE_KINDS.items()]
    inspector = next(a.user for a in accounts if a.user.role == Role.INSPECTOR)
    _ensure_grant(inspector, agencies[AgencyKind.LOCAL_AUTHORITY])
    # Let a re-run of the demo clear any lockout left from earlier attempts: of an account, and of an
    # address (web.views counts the failure log for that).
    from axes.models import AccessAttempt, AccessFailureLog

    usernames = [a.user.username for a in accounts]
    AccessAttempt.objects.filter(username__in=usernames).delete()
    AccessFailureLog.objects.filter(username__in=usernames).delete()
    return accounts


def mail_directory() -> Path:
    return Path(settings.VAR_DIR) / "demo-mail"


@contextmanager
def mail_sink() -> Iterator[dict[str, str]]:
    """Run the SMTP sink on a free loopback port, keeping each message in mail_directory(), and give
    the environment (read by settings.py) that sends a process's email to it."""
    with smtp_sink(directory=mail_directory()) as mailbox:
        yield {"HOMEWARD_SMTP_HOST": "127.0.0.1", "HOMEWARD_SMTP_PORT": str(mailbox.port)}


@dataclass(frozen=True)
class KeptMail:
    received_at: datetime.datetime
    to: str
    subject: str
    body: str


def kept_mail(limit: int = MAIL_SHOWN) -> list[KeptMail]:
    """The latest messages the sink kept, newest first. An alert's email names no child (alerts.models),
    so they are shown as they were sent."""
    directory = mail_directory()
    if not directory.is_dir():
        return []
    # A name starting with "." is a message still being written (alerts.smtp_sink).
    paths = sorted((p for p in directory.glob("*.eml") if not p.name.startswith(".")), key=lambda p: p.name, reverse=True)
    kept = []
    for path in paths[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        kept.append(KeptMail(
            received_at=datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC),
            to=str(message["To"] or ""), subject=str(message["Subject"] or ""), body=body.get_content() if body else "",
        ))
    return kept
