"""Who may do what in placement scrutiny, given the named reasons their agency has to see the child
(agencies.access; the grants are agencies.permissions'). Seeing the child comes first; this only
narrows what they may do."""

from homeward.agencies.access import Reason
from homeward.agencies.permissions import Permission, may
from homeward.scrutiny.models import RequirementKind

# Which grant records each requirement: the approvals by who answers for them, the host council
# told or consulted by the council's staff.
RECORDED_UNDER: dict[str, Permission] = {
    RequirementKind.NOMINATED_OFFICER_APPROVAL: Permission.APPROVE_OUT_OF_AREA,
    RequirementKind.DIRECTOR_APPROVAL: Permission.APPROVE_DISTANT,
    RequirementKind.HOST_NOTICE: Permission.NOTIFY_HOST,
    RequirementKind.HOST_CONSULTATION: Permission.NOTIFY_HOST,
}


def may_run_check(user, reasons: list[Reason]) -> bool:
    """The council that looks after the child checks a placement before making it."""
    return may(user, Permission.RUN_PLACEMENT_CHECK, reasons)


def may_record(user, reasons: list[Reason], kind: str) -> bool:
    return may(user, RECORDED_UNDER[kind], reasons)


def may_answer_as_host(user) -> bool:
    return may(user, Permission.ANSWER_AS_HOST)


def may_respond(user, host_authority_id: int) -> bool:
    """The host council asked, through its coordinator or a manager."""
    return user.agency_id == host_authority_id and may_answer_as_host(user)
