"""Who may do what to an episode, given the named reasons their agency has to see the child.

Seeing a child comes from agencies.access (the one scoping function); this module only narrows what
each kind of agency and role may *do* once it sees the child: agencies.permissions holds the table, and
these functions add what depends on the record in hand.
"""

from homeward.agencies.access import Reason
from homeward.agencies.models import Role
from homeward.agencies.permissions import POLICE, Permission, may


def may_act(user, reasons: list[Reason]) -> bool:
    """Report an episode, change its kind, add sightings and notes, record the return."""
    return may(user, Permission.ACT_ON_EPISODE, reasons)


def may_police(user, reasons: list[Reason]) -> bool:
    """Grade risk, add a police reference, record the safe and well check (APP 2017: police duties)."""
    return may(user, Permission.POLICE_EPISODE, reasons)


def may_close(user, reasons: list[Reason]) -> bool:
    """The police close their investigation; the responsible authority closes its record."""
    return may(user, Permission.CLOSE_EPISODE, reasons)


def may_record_interview(user, reasons: list[Reason], interview) -> bool:
    """The assigned service's workers, or the responsible authority's staff (who commission it)."""
    if user.role == Role.RHI_WORKER and user.agency_id == interview.service_id:
        return True
    return may(user, Permission.RECORD_INTERVIEW, reasons)


def may_see_interview_findings(user, reasons: list[Reason], interview) -> bool:
    if interview is None:
        return False
    return user.agency_id == interview.service_id or may(user, Permission.SEE_INTERVIEW_FINDINGS, reasons)


def may_keep_profile(user, reasons: list[Reason]) -> bool:
    return may(user, Permission.KEEP_PROFILE, reasons)


def may_read_profile(user, reasons: list[Reason], *, has_open_episode: bool) -> bool:
    # Philomena Protocol: Part A goes to the police only when the child is reported missing.
    if not may(user, Permission.READ_PROFILE, reasons):
        return False
    return has_open_episode if user.role in POLICE else True
