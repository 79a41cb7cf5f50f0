"""Who may do what with safeguarding records, given the named reasons their agency has to see the
child (agencies.access). Seeing the child comes first, always; this only narrows what they may do.
"""

from homeward.agencies.access import Reason
from homeward.agencies.models import AgencyKind, Role
from homeward.agencies.permissions import Permission, may


def may_see_flags(user, reasons: list[Reason]) -> bool:
    return may(user, Permission.SEE_FLAGS, reasons)


def may_change_flags(user, reasons: list[Reason]) -> bool:
    """Raise, lower or clear a flag by hand."""
    return may(user, Permission.CHANGE_FLAGS, reasons)


def may_see_screenings(user, reasons: list[Reason]) -> bool:
    return may(user, Permission.SEE_SCREENINGS, reasons)


def may_screen(user, reasons: list[Reason]) -> bool:
    return may(user, Permission.SCREEN, reasons)


def may_manage_meetings(user, reasons: list[Reason]) -> bool:
    """Propose, schedule, record, cancel a strategy meeting and give its actions: the responsible council."""
    return may(user, Permission.MANAGE_MEETINGS, reasons)


def may_complete_action(user, reasons: list[Reason], action) -> bool:
    return bool(reasons) and (action.owner_id == user.pk or may_manage_meetings(user, reasons))


def may_keep_register(user) -> bool:
    """Councils and police forces add places to the location risk register."""
    return may(user, Permission.KEEP_REGISTER)


def may_see_register(user) -> bool:
    """The register is for councils and police (its keepers, and their analysts)."""
    return may(user, Permission.SEE_REGISTER)


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
