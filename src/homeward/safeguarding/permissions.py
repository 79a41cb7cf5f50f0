"""Who may do what with safeguarding records, given the named reasons their agency has to see the
child (agencies.access). Seeing the child comes first, always; this only narrows what they may do.
"""

from homeward.agencies.models import AgencyKind, Role
from homeward.episodes.rules import COUNCIL_STAFF, INSPECTOR, RESPONSIBLE, SCHOOL, VIRTUAL_SCHOOL

# The brief for flags: social workers and their team managers at the council that looks after the child.
FLAG_ROLES = {Role.SOCIAL_WORKER, Role.TEAM_MANAGER}


def may_see_flags(user, reasons: list[str]) -> bool:
    """Flags are drawn from the episodes and what the child said: not for a school or the virtual
    school, which see a child for its education (agencies.fields: no episodes either)."""
    return bool(set(reasons) - {SCHOOL, VIRTUAL_SCHOOL})


def may_change_flags(user, reasons: list[str]) -> bool:
    """Raise, lower or clear a flag by hand."""
    return user.role in FLAG_ROLES and RESPONSIBLE in reasons


def may_see_screenings(user, reasons: list[str]) -> bool:
    # A screening records what is known of the child's life (abuse, health, relationships): like the
    # return interview's findings, it is for the council that looks after the child and its inspectors.
    # Partners see the grade on the screening flag.
    return RESPONSIBLE in reasons or INSPECTOR in reasons


def may_screen(user, reasons: list[str]) -> bool:
    return user.role in COUNCIL_STAFF and RESPONSIBLE in reasons


def may_manage_meetings(user, reasons: list[str]) -> bool:
    """Propose, schedule, record, cancel a strategy meeting and give its actions: the responsible council."""
    return user.role in COUNCIL_STAFF and RESPONSIBLE in reasons


def may_see_meeting(user, reasons: list[str], meeting, *, owns_an_action: bool = False) -> bool:
    """The responsible council and its inspectors; an invited agency that can see the child; an action's owner."""
    if not reasons:
        return False
    if RESPONSIBLE in reasons or INSPECTOR in reasons or owns_an_action:
        return True
    return meeting.invited_agencies.filter(pk=user.agency_id).exists()


def may_complete_action(user, reasons: list[str], action) -> bool:
    return bool(reasons) and (action.owner_id == user.pk or may_manage_meetings(user, reasons))


def may_keep_register(user) -> bool:
    """Councils and police forces add places to the location risk register."""
    return (
        user.is_authenticated
        and user.agency_id is not None
        and user.agency.kind in (AgencyKind.LOCAL_AUTHORITY, AgencyKind.POLICE)
        and user.role != Role.ANALYST
    )


def may_see_register(user) -> bool:
    """The register is for councils and police (its keepers, and their analysts)."""
    return (
        user.is_authenticated
        and user.agency_id is not None
        and user.agency.kind in (AgencyKind.LOCAL_AUTHORITY, AgencyKind.POLICE)
    )


def may_see_register_detail(user, entry) -> bool:
    """What is known about a place (its description) goes where the agency that added it said: to
    councils and police, or to its own staff only. Everyone who sees the register sees that a concern
    of that kind exists, its area, who to ask and its dates."""
    from homeward.safeguarding.models import DetailVisibleTo

    if not user.is_authenticated or user.agency_id is None:
        return False
    if entry.agency_id == user.agency_id:
        return True
    return entry.detail_visible_to == DetailVisibleTo.ALL and may_see_register(user)


def may_record_location_assessment(user, provider) -> bool:
    """Children's Homes (England) Regulations 2015, reg 46: the registered person assesses the home's
    location: here, the home's registered manager."""
    return (
        user.is_authenticated
        and provider is not None
        and user.agency_id == provider.pk
        and provider.kind == AgencyKind.PROVIDER
        and user.role == Role.PROVIDER_MANAGER
    )
