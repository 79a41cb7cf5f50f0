"""Who may do what in placement scrutiny, given the named reasons their agency has to see the child
(agencies.access). Seeing the child comes first; this only narrows what they may do."""

from homeward.agencies.models import Role
from homeward.episodes.rules import COUNCIL_STAFF, RESPONSIBLE
from homeward.scrutiny.models import RequirementKind

# Care Planning, Placement and Case Review (England) Regulations 2010 as amended 2013: the
# nominated officer approves an out-of-area placement, the Director of Children's Services a
# distant one (a director may do what their nominated officer does).
APPROVERS: dict[str, set[str]] = {
    RequirementKind.NOMINATED_OFFICER_APPROVAL: {Role.NOMINATED_OFFICER, Role.DIRECTOR},
    RequirementKind.DIRECTOR_APPROVAL: {Role.DIRECTOR},
    RequirementKind.HOST_NOTICE: COUNCIL_STAFF,
    RequirementKind.HOST_CONSULTATION: COUNCIL_STAFF,
}
# The host council's answer is its missing coordinator's or a manager's.
HOST_RESPONDERS = {Role.MISSING_COORDINATOR, Role.TEAM_MANAGER, Role.NOMINATED_OFFICER, Role.DIRECTOR}


def may_run_check(user, reasons: list[str]) -> bool:
    """The council that looks after the child checks a placement before making it."""
    return user.role in COUNCIL_STAFF and RESPONSIBLE in reasons


def may_record(user, reasons: list[str], kind: str) -> bool:
    return RESPONSIBLE in reasons and user.role in APPROVERS[kind]


def may_respond(user, host_authority_id: int) -> bool:
    return user.agency_id == host_authority_id and user.role in HOST_RESPONDERS
