"""Who to tell, by agency and role (users are agencies.User: one agency, one role each), and the
caseworkers allocated to a child (children.services.child_allocate): a rule that means "the child's
social worker" tells that one person, never every social worker at the council.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from homeward.agencies.models import Agency, AgencyKind, Role, User


def agency_staff(agency: Agency | None, roles: Iterable[str]) -> QuerySet[User]:
    """Everyone active at the agency holding one of the roles: people only, not agency systems' accounts."""
    if agency is None:
        return User.objects.none()
    return User.objects.filter(agency=agency, role__in=list(roles), is_active=True, is_service_account=False).order_by(
        "pk"
    )


def allocated(child, field: str) -> User | None:
    """The child's allocated social worker or IRO ("social_worker", "iro"), if they can still act on
    it: active, and still at the responsible authority in that role. Otherwise nobody is allocated."""
    person = getattr(child, field)
    role = {"social_worker": Role.SOCIAL_WORKER, "iro": Role.IRO}[field]
    if (
        person is None
        or not person.is_active
        or person.is_service_account
        or person.agency_id != child.responsible_authority_id
        or person.role != role
    ):
        return None
    return person


def council_staff(agency: Agency | None, roles: Iterable[str]) -> QuerySet[User]:
    """Staff of a council in these roles: missing coordinator, social workers, IROs, team managers,
    the nominated officer (the council's named senior officer)."""
    if agency is not None and agency.kind != AgencyKind.LOCAL_AUTHORITY:
        raise ValueError(f"{agency} is not a local authority")
    return agency_staff(agency, roles)


def designated_nurses(council: Agency) -> QuerySet[User]:
    """The designated nurses for looked-after children at the integrated care boards serving the
    council (Promoting the health of looked-after children, DfE/DHSC 2015)."""
    return (
        User.objects.filter(
            agency__kind=AgencyKind.ICB,
            agency__councils_served=council,
            agency__active=True,
            role=Role.DESIGNATED_NURSE,
            is_active=True,
            is_service_account=False,
        )
        .distinct()
        .order_by("pk")
    )


# Up the line from each role, nearest first: the first role with anyone in it at the same agency is
# told. IROs are independent of the case's management line, so theirs goes to the senior officer.
ESCALATES_TO: dict[str, tuple[str, ...]] = {
    Role.SOCIAL_WORKER: (Role.TEAM_MANAGER, Role.NOMINATED_OFFICER),
    Role.MISSING_COORDINATOR: (Role.TEAM_MANAGER, Role.NOMINATED_OFFICER),
    Role.ANALYST: (Role.TEAM_MANAGER, Role.NOMINATED_OFFICER),
    Role.IRO: (Role.NOMINATED_OFFICER,),
    Role.TEAM_MANAGER: (Role.NOMINATED_OFFICER,),
    Role.NOMINATED_OFFICER: (Role.DIRECTOR,),
    Role.POLICE_OFFICER: (Role.POLICE_COORDINATOR,),
    Role.PROVIDER_STAFF: (Role.PROVIDER_MANAGER,),
}


def escalation_recipients(user: User) -> list[User]:
    """Whom an urgent alert to this user escalates to: their team manager(s), else the nominated
    officer; the coordinator for police officers; the registered manager for provider staff. There
    are no teams yet, so every holder of the role at the user's agency is told."""
    for role in ESCALATES_TO.get(user.role, ()):
        people = list(agency_staff(user.agency, [role]))
        if people:
            return people
    return []
