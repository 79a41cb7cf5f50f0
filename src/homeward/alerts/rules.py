"""Who must be told what, and by when, as episodes and placements change (issue 4, item 1).

The core sends signals from inside its services' transactions (episodes.signals, children.signals);
AlertsConfig.ready() connects the receivers below, so the core never imports alerts. A receiver's
alerts and clocks therefore commit, or roll back, with the change that caused them.

The duties (domain.md, "Duties after a child goes missing or returns"; DfE statutory guidance on
children who run away or go missing from home or care, January 2014):
  episode opened    -> the responsible council's missing coordinator(s), the child's allocated social
                       worker and IRO (if either is not allocated, the council's coordinator(s) and
                       team manager(s) in their place, told so), the host council's missing
                       coordinator(s) if the host differs,
                       and the coordinator(s) of the police force of the area; then a clock for each
                       "missing longer than" threshold that escalates up the chain if still open
  risk raised high  -> the responsible council's team manager(s) and nominated officer(s), urgent;
                       the child's allocated social worker and IRO
  return            -> the return interview service's workers and the child's allocated social
                       worker and IRO; the missing clocks stop; a clock tells the team manager(s)
                       if the interview is not done by its due time
  interview outcome -> completed or declined: the child's allocated social worker and IRO
  placed elsewhere  -> the host council's missing coordinator(s) and the force of the area's coordinator(s)
  health            -> the designated nurse(s) for looked-after children at the ICB(s) serving the
                       responsible council: an episode of a child whose Philomena profile records
                       medical needs; a return interview that discloses harm, an injury or signs of
                       sexual exploitation (each interview tells them once)
Each council's thresholds are its NotificationSettings (defaults.py). Nobody else is told, and a
person with two reasons to be told is told once. Subjects say what happened, never to whom: they
go by email, and the details are behind sign-in at the link.
"""

import datetime
import re
from collections.abc import Iterable

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from homeward.agencies.models import Agency, Role, User
from homeward.alerts.models import Alert, Urgency
from homeward.alerts.recipients import agency_staff, allocated, council_staff, designated_nurses
from homeward.alerts.selectors import notification_settings_for
from homeward.alerts.services import cancel_clock, notify, schedule_clock
from homeward.children.models import Placement
from homeward.episodes.models import Episode, InterviewStatus, Kind, PhilomenaProfile, ReturnInterview, RiskGrade

INTERVIEW_CLOSED = (InterviewStatus.DECLINED, InterviewStatus.COMPLETED)

# Task names as strings: alerts.tasks imports this module.
MISSING_LONGER_THAN_TASK = "homeward.alerts.tasks.missing_longer_than"
INTERVIEW_OVERDUE_TASK = "homeward.alerts.tasks.interview_overdue"
UKMPU_TASK = "homeward.alerts.tasks.ukmpu_due"
# The APP on missing persons: a force tells the NCA's UK Missing Persons Unit of anyone missing for
# more than 72 hours (domain.md, police side). Counted, as the council's clocks are, from MIS_START.
UKMPU_AFTER = datetime.timedelta(hours=72)

# Up the chain as a child stays missing: the first threshold reached tells the team manager(s), each
# later one the nominated officer(s) (defaults: 24 hours, then 72). domain.md: escalation to senior
# managers is set locally, so a council sets the thresholds; the chain's two rungs are the roles a
# council has. (At 72 hours the police force also notifies the NCA UK Missing Persons Unit — ACPO
# 2013 / APP 2017 — a police duty done in the force's own systems, not by Homeward.)
ESCALATION_CHAIN = (Role.TEAM_MANAGER, Role.NOMINATED_OFFICER)


def _episode_link(episode) -> str:
    # A literal path: the episode pages live in episodes.urls, which this app does not depend on.
    return f"/episodes/{episode.pk}/"


def _what(episode: Episode) -> str:
    return "missing" if episode.kind == Kind.MISSING else "away from placement without authorisation"


def _tell(
    event: str,
    *,
    groups: Iterable[tuple[Iterable[User], str, str]],
    link: str,
    child_id: int,
    related,
    now: datetime.datetime | None = None,
) -> None:
    """notify() once per subject, each person once across all groups (the first group naming them
    wins): groups are (people, urgency, subject), most specific reason first."""
    told: set[int] = set()
    for people, urgency, subject in groups:
        fresh = []
        for person in people:
            if person.pk not in told:
                told.add(person.pk)
                fresh.append((person, urgency))
        if fresh:
            notify(
                event=event, recipients=fresh, subject=subject, link=link, child_id=child_id, related=related, now=now
            )


def _caseworkers(child) -> list[User]:
    """The child's allocated social worker and IRO, where allocated (recipients.allocated): the
    people who plan the child's care must hear what happens to it, not only the managers."""
    return [person for field in ("social_worker", "iro") if (person := allocated(child, field)) is not None]


def _host_authority(child) -> Agency | None:
    placement = (
        Placement.objects.current().filter(child=child).select_related("host_authority").order_by("-start_date").first()
    )
    return placement.host_authority if placement else None


def _ukmpu_clock_key(episode_id: int) -> str:
    return f"alerts:ukmpu:{episode_id}"


def _missing_clock_key(episode_id: int, hours: int) -> str:
    return f"episode:{episode_id}:missing-over:{hours}h"


def _overdue_clock_key(interview_id: int) -> str:
    return f"return-interview:{interview_id}:overdue"


# ---------------------------------------------------------------------------------------------
# Receivers (connected in AlertsConfig.ready)
# ---------------------------------------------------------------------------------------------


def on_episode_opened(sender, *, episode, **kwargs) -> None:
    """Rule 1. DfE 2014: the responsible authority, the host authority (if different), the police and
    the child's IRO must know of every missing episode."""
    child = episode.child
    responsible = child.responsible_authority
    host = _host_authority(child)
    what = _what(episode)
    caseworkers = {field: allocated(child, field) for field in ("social_worker", "iro")}
    groups = []
    unallocated = [
        label for field, label in (("social_worker", "social worker"), ("iro", "IRO")) if caseworkers[field] is None
    ]
    if unallocated:
        # Nobody holds the case (or part of it): the coordinators and team managers are told in their
        # place, and the alert says why they, not a caseworker, are being told.
        groups.append(
            (
                council_staff(responsible, [Role.MISSING_COORDINATOR, Role.TEAM_MANAGER]),
                Urgency.NORMAL,
                f"A child you are responsible for has been reported {what}: no {' or '.join(unallocated)} is allocated",
            )
        )
    groups.append(
        (
            [
                *council_staff(responsible, [Role.MISSING_COORDINATOR]),
                *(p for p in caseworkers.values() if p is not None),
            ],
            Urgency.NORMAL,
            f"A child you are responsible for has been reported {what}",
        )
    )
    if host is not None and host.pk != responsible.pk:
        groups.append(
            (
                council_staff(host, [Role.MISSING_COORDINATOR]),
                Urgency.NORMAL,
                f"A child placed in your area by another council has been reported {what}",
            )
        )
    groups.append(
        (
            agency_staff(episode.location_police_force, [Role.POLICE_COORDINATOR]),
            Urgency.NORMAL,
            f"A child in care has been reported {what} in your force's area",
        )
    )
    _tell("episode_opened", groups=groups, link=_episode_link(episode), child_id=child.pk, related=episode)
    _tell_health_of_medical_needs(episode)

    # The clocks run from when the child left or was last seen (SSDA903 MIS_START), not from the
    # report: a child reported late may be past a threshold already, and is escalated at once.
    for hours in sorted(set(notification_settings_for(responsible).escalate_after_hours)):
        schedule_clock(
            _missing_clock_key(episode.pk, hours),
            episode.started_at + datetime.timedelta(hours=hours),
            MISSING_LONGER_THAN_TASK,
            {"episode_id": episode.pk, "hours": hours},
        )
    schedule_clock(
        _ukmpu_clock_key(episode.pk), episode.started_at + UKMPU_AFTER, UKMPU_TASK, {"episode_id": episode.pk}
    )


def on_episode_risk_graded(sender, *, episode, previous: str = "", **kwargs) -> None:
    """Rule 2. Raised to high -> the team manager(s) and the council's named senior officer at once,
    urgent: unacknowledged, it is re-sent and then escalates (services.notify sets those clocks).
    domain.md: "Escalation to senior managers ... (e.g. immediately for a high risk child)"."""
    # The episode's grade is the latest made: a late-recorded older grading does not raise it.
    if episode.risk_grade != RiskGrade.HIGH or previous == RiskGrade.HIGH:
        return
    managers = council_staff(episode.child.responsible_authority, [Role.TEAM_MANAGER, Role.NOMINATED_OFFICER])
    # The caseworkers are told without the urgent clocks: escalating theirs would only tell the
    # managers, who hold an urgent alert of their own already.
    _tell(
        "risk_high",
        groups=[
            (managers, Urgency.URGENT, "The police have graded a child you are responsible for as high risk"),
            (
                _caseworkers(episode.child),
                Urgency.NORMAL,
                "The police have graded a child you are allocated to as high risk",
            ),
        ],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=episode,
    )


def on_episode_returned(sender, *, episode, interview, **kwargs) -> None:
    """Rule 3. DfE 2014: a return home interview is offered every time a child returns, within 72
    hours (episodes.clocks). The interview service is told; the missing clocks stop; and the team
    manager(s) are told if the interview is neither held nor declined by its due time."""
    workers = agency_staff(interview.service, [Role.RHI_WORKER])
    _tell(
        "returned",
        groups=[
            (
                workers,
                Urgency.NORMAL,
                "A child has returned from being missing or away and is due a return home interview",
            ),
            (
                _caseworkers(episode.child),
                Urgency.NORMAL,
                "A child you are allocated to has returned from being missing or away: a return home interview is due within 72 hours",
            ),
        ],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=episode,
    )
    # A clock left behind (the council changed its thresholds while the child was away) finds the
    # episode closed when it fires, and does nothing.
    for hours in notification_settings_for(episode.child.responsible_authority).escalate_after_hours:
        cancel_clock(_missing_clock_key(episode.pk, hours))
    cancel_clock(_ukmpu_clock_key(episode.pk))
    _schedule_overdue(interview)


def on_return_interview_changed(sender, *, episode, interview, previous_status: str = "", **kwargs) -> None:
    """Completed or declined: the overdue clock stops. Offered again after a refusal: it starts again,
    and fires at once if the due time has passed — even if it had fired before the refusal (a clock's
    key is free again once it has run). Any other change leaves the clock as it is: re-setting one
    that has fired would tell the team managers again at every update."""
    _tell_health_of_harm(episode, interview)
    if interview.closed_at is not None:
        cancel_clock(_overdue_clock_key(interview.pk))
        # The outcome once, when it is reached: findings added to a completed interview tell nobody.
        if previous_status not in INTERVIEW_CLOSED:
            _tell_interview_outcome(episode, interview)
    elif previous_status in INTERVIEW_CLOSED:
        _schedule_overdue(interview)


# The significant indicators of sexual exploitation (domain.md, the SERAF-style screening) among
# those a child may disclose at a return interview (episodes.models.EXPLOITATION_INDICATORS).
SEXUAL_EXPLOITATION_INDICATORS = {
    "sexual_exploitation",
    "older_controlling_adult",
    "unknown_adults_cars",
    "money_or_gifts",
    "online_grooming",
}
HEALTH_TOLD = "health_told"


def _tell_health_of_medical_needs(episode) -> None:
    """A missing child whose Part A records medical needs: the designated nurse knows the health
    history and advises the search (Philomena Protocol: medical needs are part of the profile)."""
    profile = PhilomenaProfile.objects.filter(child=episode.child_id).order_by("-version").only("medical_needs").first()
    if profile is None or not profile.medical_needs:
        return
    _tell(
        HEALTH_TOLD,
        groups=[
            (
                designated_nurses(episode.child.responsible_authority),
                Urgency.NORMAL,
                f"A child in care with medical needs recorded has been reported {_what(episode)}",
            )
        ],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=episode,
    )


# What workers write when the child disclosed no harm ("None disclosed.", "No", "N/A", "Nil"): not a
# disclosure, so the nurse is not told of it.
_NO_HARM = re.compile(r"^\W*(none|no|nil|n/?a|nothing)\b", re.IGNORECASE)


def _discloses_harm(text: str) -> bool:
    return bool(text.strip()) and not _NO_HARM.match(text)


def _tell_health_of_harm(episode, interview) -> None:
    """A return interview disclosing harm, an injury or signs of sexual exploitation: the designated
    nurse arranges the health response (Working Together 2023: health is a safeguarding partner).
    Once for each interview, when its findings first show one; what the child said stays behind
    sign-in with the council that looks after the child (episodes.rules.may_see_interview_findings)."""
    indicators = set(interview.exploitation_indicators or [])
    found = [
        what
        for what, present in (
            ("harm", _discloses_harm(interview.harm_suffered)),
            ("an injury", "unexplained_injury" in indicators),
            ("signs of sexual exploitation", bool(indicators & SEXUAL_EXPLOITATION_INDICATORS)),
        )
        if present
    ]
    if (
        not found
        or Alert.objects.filter(
            kind=HEALTH_TOLD, related_type="episodes.returninterview", related_id=interview.pk
        ).exists()
    ):
        return
    _tell(
        HEALTH_TOLD,
        groups=[
            (
                designated_nurses(episode.child.responsible_authority),
                Urgency.NORMAL,
                f"A return home interview has disclosed {' and '.join(found)} for a child in care",
            )
        ],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=interview,
    )


def _tell_interview_outcome(episode, interview) -> None:
    """The allocated social worker and IRO learn the outcome of the return home interview (DfE 2014:
    what the child says informs the care plan); the findings stay behind sign-in at the link."""
    if interview.status == InterviewStatus.COMPLETED:
        subject = "The return home interview for a child you are allocated to has been held"
    else:
        subject = "A child you are allocated to has declined their return home interview"
    _tell(
        "interview_outcome",
        groups=[(_caseworkers(episode.child), Urgency.NORMAL, subject)],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=interview,
    )


def on_placements_created(sender, *, placements, **kwargs) -> None:
    """Rule 4. Care Planning, Placement and Case Review (England) Regulations 2010 (as amended 2013):
    the host authority must be notified of a placement in its area; the force of the area is told
    too, as it takes any missing report there. Whichever door the placement came by (a person, an
    SSDA903 return, a load). A placement recorded after it ended tells nobody: there is no child in
    the area to know of."""
    today = timezone.localdate()
    staff: dict[tuple[int, str], list[User]] = {}

    def people(agency: Agency, role: str) -> list[User]:
        if (agency.pk, role) not in staff:
            staff[agency.pk, role] = list(agency_staff(agency, [role]))
        return staff[agency.pk, role]

    current = [p for p in placements if p.host_authority_id is not None and (p.end_date is None or p.end_date > today)]
    # Each placement's child, host and force read a thousand at a time, not three queries a placement.
    for start in range(0, len(current), 1000):
        prefetch_related_objects(current[start : start + 1000], "child", "host_authority", "police_force")
    for placement in current:
        child = placement.child
        host = placement.host_authority
        if host.pk == child.responsible_authority_id:
            continue
        groups = [
            (
                people(host, Role.MISSING_COORDINATOR),
                Urgency.NORMAL,
                "A child from another council has been placed in your area",
            )
        ]
        if placement.police_force is not None:
            groups.append(
                (
                    people(placement.police_force, Role.POLICE_COORDINATOR),
                    Urgency.NORMAL,
                    "A child in care from another council's area has been placed in your force's area",
                )
            )
        _tell(
            "placed_in_area",
            groups=groups,
            link=reverse("children:detail", args=[child.pk]),
            child_id=child.pk,
            related=placement,
        )


def _schedule_overdue(interview) -> None:
    schedule_clock(
        _overdue_clock_key(interview.pk), interview.due_at, INTERVIEW_OVERDUE_TASK, {"interview_id": interview.pk}
    )


def connect() -> None:
    from homeward.children import signals as children_signals
    from homeward.episodes import signals as episode_signals

    episode_signals.episode_opened.connect(on_episode_opened, dispatch_uid="alerts.rules.episode_opened")
    episode_signals.episode_risk_graded.connect(on_episode_risk_graded, dispatch_uid="alerts.rules.episode_risk_graded")
    episode_signals.episode_returned.connect(on_episode_returned, dispatch_uid="alerts.rules.episode_returned")
    episode_signals.return_interview_changed.connect(
        on_return_interview_changed, dispatch_uid="alerts.rules.return_interview_changed"
    )
    children_signals.placements_created.connect(on_placements_created, dispatch_uid="alerts.rules.placements_created")


# ---------------------------------------------------------------------------------------------
# Clocks (run by the worker: alerts.tasks)
# ---------------------------------------------------------------------------------------------


def missing_longer_than(*, episode_id: int, hours: int, due_at: datetime.datetime) -> None:
    """A threshold reached: if the child is still missing or away, tell the next rung up the chain."""
    episode = Episode.objects.select_related("child__responsible_authority").filter(pk=episode_id).first()
    if episode is None or not episode.is_open:
        return  # returned (the clock was due to be cancelled) or erased
    responsible = episode.child.responsible_authority
    thresholds = sorted(set(notification_settings_for(responsible).escalate_after_hours) | {hours})
    rung = min(thresholds.index(hours), len(ESCALATION_CHAIN) - 1)
    # The rung's people, or the next rung's if a council has nobody in that role: someone is told.
    people = next(
        (found for role in ESCALATION_CHAIN[rung:] if (found := list(council_staff(responsible, [role])))), []
    )
    what = "missing" if episode.kind == Kind.MISSING else "away from placement"
    # At the clock's time when the worker is on time; at the real time when it is catching up.
    _tell(
        f"missing_over_{hours}h",
        groups=[
            (people, Urgency.NORMAL, f"A child you are responsible for has been {what} for more than {hours} hours")
        ],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=episode,
        now=max(due_at, timezone.now()),
    )


def ukmpu_due(*, episode_id: int, due_at: datetime.datetime) -> None:
    """72 hours missing: the force where the child was last known is reminded to tell the UK Missing
    Persons Unit. Not for a child recorded as away (whereabouts known), nor one back already."""
    episode = Episode.objects.select_related("location_police_force").filter(pk=episode_id).first()
    if episode is None or not episode.is_open or episode.kind != Kind.MISSING:
        return
    _tell(
        "ukmpu_due",
        groups=[
            (
                agency_staff(episode.location_police_force, [Role.POLICE_COORDINATOR]),
                Urgency.NORMAL,
                "A child in care has been missing in your force's area for 72 hours: tell the NCA UK Missing Persons Unit",
            )
        ],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=episode,
        now=max(due_at, timezone.now()),
    )


def interview_overdue(*, interview_id: int, due_at: datetime.datetime) -> None:
    """The 72 hours have passed (DfE 2014) and the interview is neither held nor declined."""
    interview = (
        ReturnInterview.objects.select_related("episode__child__responsible_authority").filter(pk=interview_id).first()
    )
    if interview is None or interview.closed_at is not None:
        return
    episode = interview.episode
    managers = council_staff(episode.child.responsible_authority, [Role.TEAM_MANAGER])
    _tell(
        "interview_overdue",
        groups=[(managers, Urgency.NORMAL, "A return home interview for a child you are responsible for is overdue")],
        link=_episode_link(episode),
        child_id=episode.child_id,
        related=interview,
        now=max(due_at, timezone.now()),
    )
