"""Who may do what to an episode, given the named reasons their agency has to see the child.

Seeing a child comes from agencies.access (the one scoping function); this module only narrows what
each kind of agency and role may *do* once it sees the child. The labels are access.REASONS' own
(tests/episodes/test_access_reasons.py proves every one exists there).
"""

from homeward.agencies.models import Role

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
# Health and education see the child for their own work, not for the search: they never read Part A
# (agencies.fields.SHOWN_BY_REASON says the same).
PARTNER_REASONS = {HEALTH, VIRTUAL_SCHOOL, SCHOOL}

# Reasons that let an agency act on an episode (report, update, record a return). Inspectors read
# only; the return-interview service acts only on its interview.
ACTING_REASONS = {RESPONSIBLE, HOST, POLICE_OF_PLACEMENT, PROVIDER, POLICE_OF_LOCATION}

COUNCIL_STAFF = {
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.MISSING_COORDINATOR,
    Role.NOMINATED_OFFICER,
    Role.DIRECTOR,
    Role.IRO,
}
POLICE = {Role.POLICE_OFFICER, Role.POLICE_COORDINATOR}
PROVIDER_STAFF = {Role.PROVIDER_STAFF, Role.PROVIDER_MANAGER}
# Performance analysts work on figures, not cases: they see but do not act.
ACTING_ROLES = COUNCIL_STAFF | POLICE | PROVIDER_STAFF


def may_act(user, reasons: list[str]) -> bool:
    """Report an episode, change its kind, add sightings and notes, record the return."""
    return user.role in ACTING_ROLES and bool(ACTING_REASONS.intersection(reasons))


def may_police(user, reasons: list[str]) -> bool:
    """Grade risk, add a police reference, record the safe and well check (APP 2017: police duties)."""
    return user.role in POLICE and bool(reasons)


def may_close(user, reasons: list[str]) -> bool:
    """The police close their investigation; the responsible authority closes its record."""
    return may_police(user, reasons) or (user.role in COUNCIL_STAFF and RESPONSIBLE in reasons)


def may_record_interview(user, reasons: list[str], interview) -> bool:
    """The assigned service's workers, or the responsible authority's staff (who commission it)."""
    if user.role == Role.RHI_WORKER and user.agency_id == interview.service_id:
        return True
    return user.role in COUNCIL_STAFF and RESPONSIBLE in reasons


def may_see_interview_findings(user, reasons: list[str], interview) -> bool:
    # What a child says at an interview held independently of the placement (DfE 2014) goes to the
    # service, the authority that looks after the child and its inspectors: not to the home or to
    # every agency that can see the episode.
    if interview is None:
        return False
    return user.agency_id == interview.service_id or RESPONSIBLE in reasons or INSPECTOR in reasons


def may_keep_profile(user, reasons: list[str]) -> bool:
    """Philomena Part A is kept by the provider; the responsible authority may update it too."""
    return (user.role in PROVIDER_STAFF and PROVIDER in reasons) or (
        user.role in COUNCIL_STAFF and RESPONSIBLE in reasons
    )


def may_read_profile(user, reasons: list[str], *, has_open_episode: bool) -> bool:
    # Philomena Protocol: Part A goes to the police only when the child is reported missing.
    if not set(reasons) - PARTNER_REASONS:
        return False
    if user.role in POLICE:
        return has_open_episode
    return True
