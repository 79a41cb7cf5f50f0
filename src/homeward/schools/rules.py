"""Who may do what with a school's report, given the named reasons their agency has to see the child
(agencies.access; the grants are agencies.permissions')."""

from homeward.agencies.access import Reason
from homeward.agencies.permissions import Permission, may


def may_report(user, reasons: list[Reason]) -> bool:
    return may(user, Permission.REPORT_FROM_SCHOOL, reasons)


def may_answer(user, reasons: list[Reason]) -> bool:
    """The carer or the council that looks after the child says whether the child is missing, away or
    accounted for: they know where the child should be."""
    return may(user, Permission.ANSWER_SCHOOL_REPORT, reasons)


def may_see(user, reasons: list[Reason], report) -> bool:
    """The school that made it, those who answer it, and inspectors of the council."""
    if not reasons:
        return False
    return report.school_id == user.agency_id or may_answer(user, reasons) or Reason.INSPECTOR in reasons
