"""Who may do what with a school's report, given the named reasons their agency has to see the child
(agencies.access; the labels are episodes.rules')."""

from homeward.agencies.models import Role
from homeward.episodes.rules import COUNCIL_STAFF, INSPECTOR, PROVIDER, PROVIDER_STAFF, RESPONSIBLE, SCHOOL


def may_report(user, reasons: list[str]) -> bool:
    """The designated safeguarding lead of a school the child is on roll at (Keeping Children Safe in
    Education 2025: the DSL acts on a child missing from education)."""
    return user.role == Role.SCHOOL_SAFEGUARDING_LEAD and SCHOOL in reasons


def may_answer(user, reasons: list[str]) -> bool:
    """The carer (the current placement's provider) or the council that looks after the child says
    whether the child is missing, away or accounted for: they know where the child should be."""
    return (user.role in PROVIDER_STAFF and PROVIDER in reasons) or (
        user.role in COUNCIL_STAFF and RESPONSIBLE in reasons
    )


def may_see(user, reasons: list[str], report) -> bool:
    """The school that made it, those who answer it, and inspectors of the council."""
    if not reasons:
        return False
    return report.school_id == user.agency_id or may_answer(user, reasons) or INSPECTOR in reasons
