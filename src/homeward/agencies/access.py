"""THE access-scoping function. Every read of a child's data starts here.

An agency sees a child while it has a reason the system can name (architecture.md, "Access follows
the child"). Each reason is one entry in REASONS: a Reason (its label) and a function that, for the asking user,
returns the condition on children that the reason grants (or None when it grants nothing). The
queryset of visible children and the list of reasons shown on a child's page come from the same
table, so they can never disagree.
"""

from collections.abc import Callable
from contextvars import ContextVar
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from homeward.agencies.models import AgencyKind, InspectorGrant, Role

# Set while a request or command is being served; the URL-walking test reads it to prove that a
# view touching child data went through this module.
scope_consulted: ContextVar[int] = ContextVar("scope_consulted", default=0)


def _current_placements(**conditions) -> Exists:
    from homeward.children.models import Placement

    return Exists(Placement.objects.current().filter(child=OuterRef("pk"), **conditions))


def _responsible(user) -> Q | None:
    if user.agency.kind == AgencyKind.LOCAL_AUTHORITY:
        return Q(responsible_authority=user.agency)
    return None


def _host(user) -> Q | None:
    if user.agency.kind == AgencyKind.LOCAL_AUTHORITY:
        return Q(_current_placements(host_authority=user.agency))
    return None


def _police_of_placement(user) -> Q | None:
    if user.agency.kind == AgencyKind.POLICE:
        return Q(_current_placements(police_force=user.agency))
    return None


def _provider(user) -> Q | None:
    if user.agency.kind == AgencyKind.PROVIDER:
        return Q(_current_placements(provider=user.agency))
    return None


def _police_of_episode_location(user) -> Q | None:
    # The force where a missing child was last known to be leads the search there (APP 2017), so it
    # sees the child while the episode is open; the return ends it (episodes.models.Episode).
    if user.agency.kind == AgencyKind.POLICE:
        from homeward.episodes.models import Episode

        return Q(
            Exists(
                Episode.objects.filter(
                    child=OuterRef("pk"), returned_at__isnull=True, location_police_force=user.agency
                )
            )
        )
    return None


def _return_interview_service(user) -> Q | None:
    # The service assigned a return interview sees the child until the interview is completed or
    # declined and for a set time after (episodes.clocks.RETURN_INTERVIEW_ACCESS_AFTER_CLOSE).
    if user.agency.kind == AgencyKind.RHI:
        from homeward.episodes.clocks import RETURN_INTERVIEW_ACCESS_AFTER_CLOSE
        from homeward.episodes.models import ReturnInterview

        since = timezone.now() - RETURN_INTERVIEW_ACCESS_AFTER_CLOSE
        interviews = ReturnInterview.objects.filter(
            Q(closed_at__isnull=True) | Q(closed_at__gt=since), service=user.agency, episode__child=OuterRef("pk")
        )
        return Q(Exists(interviews))
    return None


def _inspector(user) -> Q | None:
    if user.role != Role.INSPECTOR:
        return None
    now = timezone.now()
    authorities = InspectorGrant.objects.filter(user=user, starts_at__lte=now, expires_at__gt=now).values("authority")
    return Q(responsible_authority__in=authorities)


def _health_body(user) -> Q | None:
    # The ICB's designated nurse and the trusts' named nurses oversee the health of every child the
    # councils in their area look after (Promoting the health of looked-after children, 2015); an
    # ICB is a statutory safeguarding partner (Children Act 2004 s16E).
    if user.agency.kind in (AgencyKind.ICB, AgencyKind.NHS_TRUST):
        return Q(responsible_authority__in=user.agency.councils_served.all())
    return None


def _virtual_school(user) -> Q | None:
    # The virtual school head promotes the education of every child the council looks after
    # (Children and Families Act 2014 s99), wherever the child lives or goes to school.
    if user.agency.kind == AgencyKind.VIRTUAL_SCHOOL:
        return Q(responsible_authority__in=user.agency.councils_served.all())
    return None


def _school_of_pupil(user) -> Q | None:
    # A school sees its pupils on roll, and only while they are on it: it is often the first to
    # know a child is not where they should be.
    if user.agency.kind == AgencyKind.SCHOOL:
        from homeward.children.models import Enrolment

        return Q(Exists(Enrolment.objects.on_roll().filter(child=OuterRef("pk"), school=user.agency)))
    return None


class Reason(StrEnum):
    """A reason an agency may see a child. The value is the label shown on the child's page."""

    RESPONSIBLE = "Responsible authority"
    HOST = "Host authority of the current placement"
    POLICE_OF_PLACEMENT = "Police force covering the current placement"
    PROVIDER = "Provider of the current placement"
    POLICE_OF_LOCATION = "Police force where an open episode was last known to be"
    RETURN_INTERVIEW_SERVICE = "Assigned return interview service"
    INSPECTOR = "Inspector's time-limited grant"
    HEALTH = "Health body for the council that looks after the child"
    VIRTUAL_SCHOOL = "Virtual school of the council that looks after the child"
    SCHOOL = "School where the child is on roll"


REASONS: list[tuple[Reason, Callable]] = [
    (Reason.RESPONSIBLE, _responsible),
    (Reason.HOST, _host),
    (Reason.POLICE_OF_PLACEMENT, _police_of_placement),
    (Reason.PROVIDER, _provider),
    (Reason.POLICE_OF_LOCATION, _police_of_episode_location),
    (Reason.RETURN_INTERVIEW_SERVICE, _return_interview_service),
    (Reason.INSPECTOR, _inspector),
    (Reason.HEALTH, _health_body),
    (Reason.VIRTUAL_SCHOOL, _virtual_school),
    (Reason.SCHOOL, _school_of_pupil),
]


def _grants(user) -> list[tuple[Reason, Q]]:
    if user is None or not user.is_authenticated or user.agency_id is None or not user.is_active:
        return []
    # National analysts work on pseudonymised aggregates only: no identifiable child is visible.
    if user.role == Role.NATIONAL_ANALYST:
        return []
    return [(label, q) for label, reason in REASONS if (q := reason(user)) is not None]


def visible_children(user, *, showing: str | None = None) -> QuerySet:
    """Every child the user's agency has a reason to see, and no other. With `showing` (an
    agencies.fields.Field), only through the reasons whose least-data table shows that part of the
    record: a school sees its pupil, not the pupil's episodes."""
    from homeward.children.models import Child

    scope_consulted.set(scope_consulted.get() + 1)
    grants = _grants(user)
    if showing is not None:
        from homeward.agencies.fields import SHOWN_BY_REASON

        grants = [
            (label, q)
            for label, q in grants
            if showing in SHOWN_BY_REASON[label].always | SHOWN_BY_REASON[label].while_missing
        ]
    if not grants:
        return Child.objects.none()
    condition = Q()
    for _, q in grants:
        condition |= q
    return Child.objects.filter(condition)


def access_reasons(user, child) -> list[Reason]:
    """The named reasons this user can see this child (empty means: not found)."""
    return access_reasons_many(user, [child.pk])[child.pk]


def access_reasons_many(user, child_ids) -> dict[int, list[Reason]]:
    """The named reasons for each of these children, in REASONS' order: one query per reason, so a
    page of a list costs no more than one child (agencies.fields asks it for every row)."""
    from homeward.children.models import Child

    scope_consulted.set(scope_consulted.get() + 1)
    ids = list(child_ids)
    found: dict[int, list[Reason]] = {pk: [] for pk in ids}
    for label, q in _grants(user):
        for pk in Child.objects.filter(q, pk__in=ids).values_list("pk", flat=True):
            found[pk].append(label)
    return found
