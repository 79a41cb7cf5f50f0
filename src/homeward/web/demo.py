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
from django.db.models import Count, Q
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import Agency, AgencyKind, InspectorGrant, Role, User
from homeward.alerts.models import Alert
from homeward.children.models import Child, Enrolment, Placement
from homeward.episodes.models import Episode, InterviewStatus, Kind, ReturnHow, RiskGrade
from homeward.episodes.services import (
    episode_grade_risk,
    episode_open,
    episode_record_return,
    return_interview_commission_set,
)
from homeward.linkage.models import PairStatus
from homeward.devtools.smtp_sink import smtp_sink

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
    # Every role's, not only ROLE_KINDS': the health and education accounts (demo_accounts) have them too.
    return password in {demo_password(role) for role in Role.values}


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
    # The council with police reports waiting to be checked (the coordinator's first job), then the
    # most children; its force the one most of its children live in; its home one in that force.
    council = (
        Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY)
        .annotate(
            n=Count("children", distinct=True),
            to_check=Count(
                "children__candidate_pairs",
                filter=Q(children__candidate_pairs__status=PairStatus.REVIEW),
                distinct=True,
            ),
        )
        .filter(n__gt=0)
        .order_by("-to_check", "-n", "code")
        .first()
    )
    if council is None:
        raise CommandError("No children are loaded. Run `homeward demo_world` first.")
    current = Placement.objects.current().filter(child__responsible_authority=council)
    force_id = (
        current.exclude(police_force=None)
        .values("police_force")
        .annotate(n=Count("id"))
        .order_by("-n", "police_force")
        .values_list("police_force", flat=True)
        .first()
    )
    # A children's home (K2) where there is one: where the demo's staff report a child missing.
    with_provider = current.exclude(provider=None)
    provider_id = (
        (
            with_provider.filter(police_force=force_id)
            if with_provider.filter(police_force=force_id).exists()
            else with_provider
        )
        .values("provider")
        .annotate(n=Count("id"), home=Count("id", filter=Q(placement_type="K2")))
        .order_by("-home", "-n", "provider")
        .values_list("provider", flat=True)
        .first()
    )
    if force_id is None or provider_id is None:
        raise CommandError(f"{council.name}'s children have no current placements with a police force and a provider.")
    rhi, _ = Agency.objects.update_or_create(
        code=f"RHI-{council.code}",
        defaults={"kind": AgencyKind.RHI, "name": f"{council.name} return interview service"},
    )
    # The demo's interview worker works for the service the council commissions.
    return_interview_commission_set(council=council, service=rhi)
    inspectorate, _ = Agency.objects.get_or_create(
        code="OFSTED", defaults={"kind": AgencyKind.INSPECTORATE, "name": "Ofsted"}
    )
    national, _ = Agency.objects.get_or_create(
        code="DFE", defaults={"kind": AgencyKind.NATIONAL, "name": "Department for Education"}
    )
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


# Every demo account is in its agency's one team: the language patterns page (issue 16) is broken
# down by team, and with so few people the demo's teams show only in their agencies' totals.
DEMO_TEAM = "Demo team"


def _account(role: str, agency: Agency) -> DemoAccount:
    username, password = demo_username(role), demo_password(role)
    user = User.objects.filter(username=username).first() or User(username=username)
    user.agency, user.role = agency, role
    user.team = DEMO_TEAM
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
    if not InspectorGrant.objects.filter(
        user=inspector, authority=council, starts_at__lte=now, expires_at__gt=now + datetime.timedelta(days=1)
    ).exists():
        InspectorGrant.objects.create(
            user=inspector, authority=council, starts_at=now, expires_at=now + datetime.timedelta(days=GRANT_DAYS)
        )


# Health and education at the demo council (issue 18): the ICB's designated nurse and safeguarding
# lead, a trust's named nurse, the virtual school head, and the designated safeguarding lead of the
# school with most of the council's looked-after pupils.
PARTNER_ROLES: dict[str, str] = {
    Role.DESIGNATED_NURSE: AgencyKind.ICB,
    Role.HEALTH_SAFEGUARDING_LEAD: AgencyKind.ICB,
    Role.NAMED_NURSE: AgencyKind.NHS_TRUST,
    Role.VIRTUAL_SCHOOL_HEAD: AgencyKind.VIRTUAL_SCHOOL,
    Role.SCHOOL_SAFEGUARDING_LEAD: AgencyKind.SCHOOL,
}


def _serving(kind: str, council: Agency, code: str, name: str) -> Agency:
    """The agency of this kind serving the council (synth.partners made one with the world); a world
    loaded without them gets one here."""
    found = Agency.objects.filter(kind=kind, councils_served=council, active=True).order_by("code").first()
    if found is None:
        found, _ = Agency.objects.get_or_create(code=code, defaults={"kind": kind, "name": name})
        found.councils_served.add(council)
    return found


def _partner_agencies(council: Agency) -> dict[str, Agency]:
    pupils = Enrolment.objects.on_roll().filter(child__responsible_authority=council)
    school_id = (
        pupils.values("school")
        .annotate(n=Count("pk"))
        .order_by("-n", "school")
        .values_list("school", flat=True)
        .first()
    )
    school = (
        Agency.objects.get(pk=school_id)
        if school_id is not None
        else Agency.objects.get_or_create(
            code="140000", defaults={"kind": AgencyKind.SCHOOL, "name": f"{council.name} Academy"}
        )[0]
    )
    return {
        AgencyKind.ICB: _serving(
            AgencyKind.ICB, council, f"ICB-{council.code}", f"NHS {council.name} Integrated Care Board"
        ),
        AgencyKind.NHS_TRUST: _serving(
            AgencyKind.NHS_TRUST, council, f"TRUST-{council.code}", f"{council.name} Community Health NHS Trust"
        ),
        AgencyKind.VIRTUAL_SCHOOL: _serving(
            AgencyKind.VIRTUAL_SCHOOL, council, f"VS-{council.code}", f"{council.name} Virtual School"
        ),
        AgencyKind.SCHOOL: school,
    }


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create or refresh one account per role (the partners' at the demo council's). Idempotent."""
    require_demo_mode()
    agencies = _choose_agencies()
    agencies |= _partner_agencies(agencies[AgencyKind.LOCAL_AUTHORITY])
    accounts = [_account(role, agencies[kind]) for role, kind in {**ROLE_KINDS, **PARTNER_ROLES}.items()]
    inspector = next(a.user for a in accounts if a.user.role == Role.INSPECTOR)
    _ensure_grant(inspector, agencies[AgencyKind.LOCAL_AUTHORITY])
    # Let a re-run of the demo clear any lockout left from earlier attempts: of an account, and of an
    # address (web.views counts the failure log for that).
    from axes.models import AccessAttempt, AccessFailureLog

    usernames = [a.user.username for a in accounts]
    AccessAttempt.objects.filter(username__in=usernames).delete()
    AccessFailureLog.objects.filter(username__in=usernames).delete()
    return accounts


# The tour: on each role's home page, in demo mode, what to try first: (what is waiting, the link's
# words, the page). Every link is a page the role may open (tests/browser/test_demo_tour.py).
TOUR: dict[str, tuple[tuple[str, str, str], ...]] = {
    Role.SOCIAL_WORKER: (
        (
            "An alert is waiting: a child you are allocated to is missing from a children's home, graded high risk.",
            "Open your inbox",
            "alerts:inbox",
        ),
        (
            "Everyone missing or away now, highest risk first, with the briefing sheet for each.",
            "See the board",
            "episodes:board",
        ),
        (
            "Police and council records as one count, every gap between them explained.",
            "See the one count",
            "reporting:one-count",
        ),
    ),
    Role.TEAM_MANAGER: (
        (
            "An urgent alert is waiting: a child missing now, graded high risk. Those at high risk are below.",
            "Open your inbox",
            "alerts:inbox",
        ),
        (
            "Before a child is placed far away: choose the child, then check the placement.",
            "Find a child",
            "children:list",
        ),
        ("How the council keeps the statutory guidance, month by month.", "See compliance", "oversight:compliance"),
    ),
    Role.MISSING_COORDINATOR: (
        (
            "Police reports Homeward could not match for certain are waiting for you to check.",
            "Check police reports",
            "linkage:review",
        ),
        (
            "Police and council records as one count, every gap between them explained.",
            "See the one count",
            "reporting:one-count",
        ),
        ("How the council keeps the statutory guidance, month by month.", "See compliance", "oversight:compliance"),
    ),
    Role.NOMINATED_OFFICER: (
        ("Escalations and children at high risk are below.", "See the board", "episodes:board"),
        ("The council's figures against its neighbours and England.", "See the dashboards", "reporting:dashboards"),
        ("How the council keeps the statutory guidance, month by month.", "See compliance", "oversight:compliance"),
    ),
    Role.DIRECTOR: (
        ("Escalations and children at high risk are below.", "See the board", "episodes:board"),
        ("The council's figures against its neighbours and England.", "See the dashboards", "reporting:dashboards"),
        ("What an inspector would be given, ready as a pack.", "See the inspection pack", "oversight:pack"),
    ),
    Role.IRO: (
        ("Children due an exploitation screening are below.", "See screenings due", "safeguarding:screenings-due"),
        ("Everyone missing or away now, highest risk first.", "See the board", "episodes:board"),
        ("The children whose plans you review.", "See your children", "children:list"),
    ),
    Role.ANALYST: (
        (
            "Police and council records as one count, every gap between them explained.",
            "See the one count",
            "reporting:one-count",
        ),
        ("The council's figures against its neighbours and England.", "See the dashboards", "reporting:dashboards"),
        ("Compliance with the statutory guidance, to download.", "See compliance", "oversight:compliance"),
    ),
    Role.POLICE_OFFICER: (
        ("A child placed in your force's area is missing now, graded high risk.", "See the board", "episodes:board"),
        (
            "Met a child who may be missing? Find out at once, from any force.",
            "Look up a child",
            "episodes:missing-lookup",
        ),
        ("The children placed in your area that you may see.", "See children", "children:list"),
    ),
    Role.POLICE_COORDINATOR: (
        ("Episodes waiting for a risk grade, and those at high risk, are below.", "See the board", "episodes:board"),
        (
            "Met a child who may be missing? Find out at once, from any force.",
            "Look up a child",
            "episodes:missing-lookup",
        ),
        (
            "Police and council records as one count, every gap between them explained.",
            "See the one count",
            "reporting:one-count",
        ),
    ),
    Role.PROVIDER_STAFF: (
        (
            "A child from your home is missing now: add what you learn, or record the return.",
            "See the board",
            "episodes:board",
        ),
        ("Report a child missing or away: choose the child first.", "See your children", "children:list"),
        (
            "Everyone told when you report, and what happens next, is shown after each report.",
            "See the board",
            "episodes:board",
        ),
    ),
    Role.PROVIDER_MANAGER: (
        (
            "Return home interviews for your home's children, and who is missing now, are below.",
            "See interviews",
            "episodes:interviews",
        ),
        ("Everyone missing or away now from your home.", "See the board", "episodes:board"),
        ("Your home's children and their records.", "See your children", "children:list"),
    ),
    Role.RHI_WORKER: (
        (
            "A return home interview is due this week: offer it, then record what the child says.",
            "See interviews due",
            "episodes:interviews",
        ),
        ("Children referred to your service.", "See children", "children:list"),
        ("Everyone missing or away now among the children you may see.", "See the board", "episodes:board"),
    ),
    Role.INSPECTOR: (
        (
            "Everything about the council's missing children in one pack, as HTML or PDF.",
            "See the inspection pack",
            "oversight:pack",
        ),
        (
            "How the council keeps the statutory guidance, month by month, with its cases.",
            "See compliance",
            "oversight:compliance",
        ),
        ("The children's records you may read during the inspection.", "See children", "children:list"),
    ),
    Role.DESIGNATED_NURSE: (
        (
            "An alert comes when a child with medical needs goes missing, or an interview discloses harm.",
            "Open your inbox",
            "alerts:inbox",
        ),
        (
            "Every child the councils you serve look after: their health, who to call, whether missing now.",
            "See children",
            "children:list",
        ),
        ("Everyone missing or away now among them.", "See the board", "episodes:board"),
    ),
    Role.NAMED_NURSE: (
        ("The children looked after by the councils your trust serves.", "See children", "children:list"),
        ("Everyone missing or away now among them.", "See the board", "episodes:board"),
        ("Strategy meetings you are invited to arrive in your inbox.", "Open your inbox", "alerts:inbox"),
    ),
    Role.HEALTH_SAFEGUARDING_LEAD: (
        (
            "Strategy meetings that invite health, and what they ask of you, arrive in your inbox.",
            "Open your inbox",
            "alerts:inbox",
        ),
        ("The children looked after by the councils you serve.", "See children", "children:list"),
        ("Everyone missing or away now among them.", "See the board", "episodes:board"),
    ),
    Role.VIRTUAL_SCHOOL_HEAD: (
        ("Every child your council looks after, whichever school they attend.", "See children", "children:list"),
        (
            "Strategy meetings that invite education, and their actions, arrive in your inbox.",
            "Open your inbox",
            "alerts:inbox",
        ),
        (
            "Schools report here when a pupil is not where they should be: the council answers.",
            "See children",
            "children:list",
        ),
    ),
    Role.SCHOOL_SAFEGUARDING_LEAD: (
        (
            "A pupil in care not in school? Choose the pupil, then report it: the carer and council answer.",
            "See your pupils",
            "children:list",
        ),
        ("Whether each of your pupils in care is missing now, and who to call.", "See your pupils", "children:list"),
        ("Strategy meetings your school is invited to arrive in your inbox.", "Open your inbox", "alerts:inbox"),
    ),
    Role.NATIONAL_ANALYST: (
        ("England's figures, with small numbers suppressed.", "See the dashboards", "reporting:dashboards"),
        ("Each council's figures side by side.", "See the dashboards", "reporting:dashboards"),
        ("No child's name or identifiers ever reach this account.", "See the dashboards", "reporting:dashboards"),
    ),
}


# The demo's day: what is happening now for the demo accounts, made through the services the people
# would use (so alerts, clocks and the timeline follow as they would), and only when not already there.
WHY_DEMO_DAY = "demo_accounts: the demo's day"


def _free_child(children, *, gone_from: datetime.datetime) -> Child | None:
    """The first of these children (deterministic) who can go missing at `gone_from`: none of their
    episodes open, none ending after it. A world made up to now has children back only an hour ago,
    and which ones depends on the minute it was made: any other child will do."""
    busy = Episode.objects.filter(Q(returned_at=None) | Q(returned_at__gt=gone_from)).values("child")
    # In that placement already then (an episode lies within the child's care: SSDA903 rule 578).
    placed = Placement.objects.current().filter(start_date__lte=timezone.localtime(gone_from).date()).values("child")
    return children.exclude(pk__in=busy).filter(pk__in=placed).order_by("pk").distinct().first()


@transaction.atomic
def demo_day_ensure(accounts: list[DemoAccount]) -> list[str]:
    """Each demo role's work waiting, as it would be on a working day: a child missing since this
    afternoon from the demo home (reported by the home, graded high risk by the demo force, so the
    social worker's inbox has its alert, the team manager's an urgent one, and the force an open
    episode in its area), and a child back since last night whose return home interview falls due in
    the next days. Idempotent: made only when the demo's people have no such work waiting. Returns
    what it made."""
    require_demo_mode()
    by_role = {a.user.role: a.user for a in accounts}
    staff, officer, social_worker = (
        by_role[Role.PROVIDER_STAFF],
        by_role[Role.POLICE_OFFICER],
        by_role[Role.SOCIAL_WORKER],
    )
    council, home, force = social_worker.agency, staff.agency, officer.agency
    now = timezone.now().replace(second=0, microsecond=0)
    made = []
    mine = Child.objects.filter(responsible_authority=council)
    placed_here = mine.filter(placements__in=Placement.objects.current().filter(provider=home))
    # Checked by what the social worker was told, not by an open episode alone: the world may hold a
    # child missing from the home already, loaded as history (no one told), and the inbox would be empty.
    told_of_missing_now = Alert.objects.filter(
        recipient=social_worker,
        related_type=Episode._meta.label_lower,
        related_id__in=Episode.objects.filter(returned_at=None, child__in=placed_here).values("pk"),
    )
    if not told_of_missing_now.exists():
        child = _free_child(placed_here, gone_from=now - datetime.timedelta(hours=2, minutes=10))
        if child is not None:
            episode, _ = episode_open(
                user=staff,
                why=WHY_DEMO_DAY,
                child=child,
                kind=Kind.MISSING,
                left_at=now - datetime.timedelta(hours=2, minutes=10),
                reported_at=now - datetime.timedelta(hours=1, minutes=50),
                last_seen_location=home.name,
                clothing="Black puffer jacket, grey tracksuit bottoms, white trainers",
                circumstances="Left after receiving several calls from an unknown number; not answering their phone.",
                out_of_character=True,
            )
            if episode.location_police_force_id == force.pk:
                # Graded soon after the report, and reviewed since (APP: high risk is reviewed often),
                # so the demo opens with the next review still to come.
                for source, minutes_ago, rationale in (
                    (
                        "Call from placement staff",
                        90,
                        "Calls from an unknown number before leaving; known associates of concern.",
                    ),
                    ("Supervisory review", 10, "Still not found; enquiries at known addresses continue."),
                ):
                    episode_grade_risk(
                        user=officer,
                        why=WHY_DEMO_DAY,
                        episode=episode,
                        risk_grade=RiskGrade.HIGH,
                        source=source,
                        graded_at=now - datetime.timedelta(minutes=minutes_ago),
                        rationale=rationale,
                    )
            made.append(f"missing now from {home.name}: child {child.pk}")
    due = Episode.objects.filter(
        child__responsible_authority=council,
        return_interview__status__in=[InterviewStatus.ASSIGNED, InterviewStatus.OFFERED],
        return_interview__due_at__gt=now,
    )
    if not due.exists():
        child = _free_child(
            mine.filter(placements__in=Placement.objects.current()).exclude(pk__in=placed_here),
            gone_from=now - datetime.timedelta(hours=26),
        )
        if child is not None:
            episode, _ = episode_open(
                user=social_worker,
                why=WHY_DEMO_DAY,
                child=child,
                kind=Kind.MISSING,
                left_at=now - datetime.timedelta(hours=26),
                reported_at=now - datetime.timedelta(hours=25, minutes=30),
                last_seen_location="Town centre",
                circumstances="Did not return after an agreed hour of free time.",
            )
            episode_record_return(
                user=social_worker,
                why=WHY_DEMO_DAY,
                episode=episode,
                returned_at=now - datetime.timedelta(hours=14),
                how=ReturnHow.POLICE,
                found_by="Officers on patrol",
                place="Bus station",
            )
            made.append(f"back since last night, interview due: child {child.pk}")
    return made


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
    # A name starting with "." is a message still being written (devtools.smtp_sink).
    paths = sorted(
        (p for p in directory.glob("*.eml") if not p.name.startswith(".")), key=lambda p: p.name, reverse=True
    )
    kept = []
    for path in paths[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        kept.append(
            KeptMail(
                received_at=datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC),
                to=str(message["To"] or ""),
                subject=str(message["Subject"] or ""),
                body=body.get_content() if body else "",
            )
        )
    return kept
