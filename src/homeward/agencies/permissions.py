"""Who may do what, in one table beside access.REASONS (issue 12).

access.REASONS decides whether an agency sees a child at all; PERMISSIONS decides what a person may do
once it does. Each Permission is granted to some roles through some of the reasons they have to see the
child (or, for work that is not about one child, to some roles of some kinds of agency). Everything is
keyed by enums, so a renamed label or role cannot silently open or close a door.

A few rules also depend on the record in hand (an interview's own service, a meeting action's owner,
a home's own manager): those stay beside their records (episodes.rules, safeguarding.permissions,
scrutiny.permissions, schools.rules) and ask `may` for the part this table answers.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from homeward.agencies.access import Reason
from homeward.agencies.models import AgencyKind, Role

COUNCIL_STAFF = frozenset(
    {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.DIRECTOR, Role.IRO}
)
POLICE = frozenset({Role.POLICE_OFFICER, Role.POLICE_COORDINATOR})
PROVIDER_STAFF = frozenset({Role.PROVIDER_STAFF, Role.PROVIDER_MANAGER})
# Performance analysts work on figures, not cases: they see but do not act.
ACTING_ROLES = COUNCIL_STAFF | POLICE | PROVIDER_STAFF
ANY_ROLE = frozenset(Role)

# Health and education see the child for their own work, not for the search: never Part A or the
# flags drawn from the episodes (agencies.fields.SHOWN_BY_REASON says the same).
PARTNER_REASONS = frozenset({Reason.HEALTH, Reason.VIRTUAL_SCHOOL, Reason.SCHOOL})
ANY_REASON = frozenset(Reason)
# Reasons that let an agency act on an episode. Inspectors read only; the return-interview service
# acts only on its interview.
ACTING_REASONS = frozenset(
    {Reason.RESPONSIBLE, Reason.HOST, Reason.POLICE_OF_PLACEMENT, Reason.PROVIDER, Reason.POLICE_OF_LOCATION}
)
RESPONSIBLE = frozenset({Reason.RESPONSIBLE})
COUNCIL_AND_INSPECTOR = frozenset({Reason.RESPONSIBLE, Reason.INSPECTOR})


class Permission(StrEnum):
    # On an episode
    ACT_ON_EPISODE = "act_on_episode"  # report, change its kind, add sightings and notes, record the return
    POLICE_EPISODE = "police_episode"  # grade risk, add a police reference, the safe and well check
    CLOSE_EPISODE = "close_episode"  # the police close their investigation; the council its record
    RECORD_INTERVIEW = "record_interview"  # besides the interview's own service (episodes.rules)
    SEE_INTERVIEW_FINDINGS = "see_interview_findings"  # besides the interview's own service
    # Part A
    KEEP_PROFILE = "keep_profile"
    READ_PROFILE = "read_profile"  # the police only while the child is missing (episodes.rules)
    # Safeguarding
    SEE_FLAGS = "see_flags"
    CHANGE_FLAGS = "change_flags"
    SEE_SCREENINGS = "see_screenings"
    SCREEN = "screen"
    READ_SHARING_REGISTER = "read_sharing_register"  # what was shared, and decisions not to share
    DECIDE_NOT_TO_SHARE = "decide_not_to_share"
    MANAGE_MEETINGS = "manage_meetings"  # propose, schedule, record, cancel, give actions
    SEE_EVERY_MEETING = "see_every_meeting"  # others see those they are invited to (safeguarding.selectors)
    # Placements
    RUN_PLACEMENT_CHECK = "run_placement_check"
    APPROVE_OUT_OF_AREA = "approve_out_of_area"
    APPROVE_DISTANT = "approve_distant"
    NOTIFY_HOST = "notify_host"
    # Schools
    REPORT_FROM_SCHOOL = "report_from_school"
    ANSWER_SCHOOL_REPORT = "answer_school_report"
    # Work that is not about one child: granted by the kind of agency
    KEEP_REGISTER = "keep_register"  # add places to the location risk register
    SEE_REGISTER = "see_register"
    ANSWER_AS_HOST = "answer_as_host"  # besides being the host council asked (scrutiny.permissions)
    REVIEW_LINKS = "review_links"
    CONFIGURE_COUNCIL = "configure_council"  # besides being that council (agencies.configuration)


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]
    reasons: frozenset[Reason] = frozenset()  # for an action on a child: any one of these
    kinds: frozenset[AgencyKind] = frozenset()  # for other work: the person's agency is one of these


def _on_child(roles: Iterable[Role], reasons: Iterable[Reason]) -> Grant:
    return Grant(roles=frozenset(roles), reasons=frozenset(reasons))


def _in_agency(roles: Iterable[Role], kinds: Iterable[AgencyKind]) -> Grant:
    return Grant(roles=frozenset(roles), kinds=frozenset(kinds))


COUNCILS_AND_POLICE = (AgencyKind.LOCAL_AUTHORITY, AgencyKind.POLICE)

# An action is allowed when any one of its grants is met.
PERMISSIONS: dict[Permission, tuple[Grant, ...]] = {
    Permission.ACT_ON_EPISODE: (_on_child(ACTING_ROLES, ACTING_REASONS),),
    # APP 2017: the police grade risk and lead the search, whichever reason their force has.
    Permission.POLICE_EPISODE: (_on_child(POLICE, ANY_REASON),),
    Permission.CLOSE_EPISODE: (_on_child(POLICE, ANY_REASON), _on_child(COUNCIL_STAFF, RESPONSIBLE)),
    # The council commissions the interview; its service's workers are allowed by episodes.rules.
    Permission.RECORD_INTERVIEW: (_on_child(COUNCIL_STAFF, RESPONSIBLE),),
    # What a child says at an interview held independently of the placement (DfE 2014) goes to the
    # service, the council that looks after the child and its inspectors.
    Permission.SEE_INTERVIEW_FINDINGS: (_on_child(ANY_ROLE, COUNCIL_AND_INSPECTOR),),
    # Philomena Protocol: Part A is kept by the provider; the council may update it too.
    Permission.KEEP_PROFILE: (_on_child(PROVIDER_STAFF, {Reason.PROVIDER}), _on_child(COUNCIL_STAFF, RESPONSIBLE)),
    Permission.READ_PROFILE: (_on_child(ANY_ROLE, ANY_REASON - PARTNER_REASONS),),
    # Flags are drawn from the episodes and what the child said: health sees them (it is told of
    # exploitation), schools and the virtual school see a child for its education.
    Permission.SEE_FLAGS: (_on_child(ANY_ROLE, ANY_REASON - {Reason.SCHOOL, Reason.VIRTUAL_SCHOOL}),),
    Permission.CHANGE_FLAGS: (_on_child({Role.SOCIAL_WORKER, Role.TEAM_MANAGER}, RESPONSIBLE),),
    # A screening records what is known of the child's life: for the council and its inspectors;
    # partners see the grade on the screening flag.
    Permission.SEE_SCREENINGS: (_on_child(ANY_ROLE, COUNCIL_AND_INSPECTOR),),
    Permission.SCREEN: (_on_child(COUNCIL_STAFF, RESPONSIBLE),),
    # The duty to share (Children's Wellbeing and Schools Act 2026): the council that looks after the
    # child answers for its sharing and Ofsted reads it; its social workers and team managers decide
    # that sharing would be more detrimental to the child.
    Permission.READ_SHARING_REGISTER: (_on_child(ANY_ROLE, COUNCIL_AND_INSPECTOR),),
    Permission.DECIDE_NOT_TO_SHARE: (_on_child({Role.SOCIAL_WORKER, Role.TEAM_MANAGER}, RESPONSIBLE),),
    Permission.MANAGE_MEETINGS: (_on_child(COUNCIL_STAFF, RESPONSIBLE),),
    # The council's record and its inspectors': every meeting about the child.
    Permission.SEE_EVERY_MEETING: (_on_child(ANY_ROLE, COUNCIL_AND_INSPECTOR),),
    Permission.RUN_PLACEMENT_CHECK: (_on_child(COUNCIL_STAFF, RESPONSIBLE),),
    # Care Planning, Placement and Case Review (England) Regulations 2010 as amended 2013: the
    # nominated officer approves an out-of-area placement, the Director of Children's Services a
    # distant one (a director may do what their nominated officer does).
    Permission.APPROVE_OUT_OF_AREA: (_on_child({Role.NOMINATED_OFFICER, Role.DIRECTOR}, RESPONSIBLE),),
    Permission.APPROVE_DISTANT: (_on_child({Role.DIRECTOR}, RESPONSIBLE),),
    Permission.NOTIFY_HOST: (_on_child(COUNCIL_STAFF, RESPONSIBLE),),
    # Keeping Children Safe in Education 2025: the school's designated safeguarding lead acts on a
    # child missing from education.
    Permission.REPORT_FROM_SCHOOL: (_on_child({Role.SCHOOL_SAFEGUARDING_LEAD}, {Reason.SCHOOL}),),
    # The carer or the council knows where the child should be.
    Permission.ANSWER_SCHOOL_REPORT: (
        _on_child(PROVIDER_STAFF, {Reason.PROVIDER}),
        _on_child(COUNCIL_STAFF, RESPONSIBLE),
    ),
    Permission.KEEP_REGISTER: (_in_agency(ANY_ROLE - {Role.ANALYST}, COUNCILS_AND_POLICE),),
    Permission.SEE_REGISTER: (_in_agency(ANY_ROLE, COUNCILS_AND_POLICE),),
    Permission.ANSWER_AS_HOST: (
        _in_agency(
            {Role.MISSING_COORDINATOR, Role.TEAM_MANAGER, Role.NOMINATED_OFFICER, Role.DIRECTOR},
            {AgencyKind.LOCAL_AUTHORITY},
        ),
    ),
    # Linkage review: the council's missing coordinator and the force's coordinator decide pairs.
    Permission.REVIEW_LINKS: (
        _in_agency({Role.MISSING_COORDINATOR, Role.TEAM_MANAGER}, {AgencyKind.LOCAL_AUTHORITY}),
        _in_agency({Role.POLICE_COORDINATOR}, {AgencyKind.POLICE}),
    ),
    # The Director of Children's Services or the nominated officer answers for the council's settings.
    Permission.CONFIGURE_COUNCIL: (_in_agency({Role.DIRECTOR, Role.NOMINATED_OFFICER}, {AgencyKind.LOCAL_AUTHORITY}),),
}


def may(user, action: Permission, reasons: Iterable[Reason] = ()) -> bool:
    """Whether this person may do this: on a child, given the reasons they have to see it
    (access.access_reasons); otherwise, given their agency's kind."""
    if user is None or not user.is_authenticated or user.agency_id is None:
        return False
    reasons = set(reasons)
    for grant in PERMISSIONS[action]:
        if user.role not in grant.roles:
            continue
        if grant.reasons & reasons or (grant.kinds and user.agency.kind in grant.kinds):
            return True
    return False
