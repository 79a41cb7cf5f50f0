"""The duties after an episode, planted in a synthetic world with the truth kept beside them.

A loaded world holds episodes, their risk gradings and return interviews (synth.loader), but not
who was told of each episode (alerts) nor the strategy meetings the council's rule proposed: the
loader bypasses the services whose signals make them. `duties_plant` draws them, some late and some
never done, deterministically from the world's seed; `duties_load` writes them as the services
would have; `duties_truth` says, from the world's records alone, what share of each duty was met and
how fast, per council and month, for oversight.compliance to be measured against.

The distant placement duties (the Director's approval, the host council's consultation) are planted
for each current placement in a distant council; the placement checks they complete are those that
scrutiny makes when the loader writes the placements.
"""

import datetime
import math
import random
import statistics
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.models import Alert
from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.episodes.models import Episode as EpisodeRow
from homeward.places.adjoining import AreaRelation, area_relation
from homeward.safeguarding.models import MeetingStatus, StrategyMeeting
from homeward.scrutiny.models import Outcome, PlacementCheck, Requirement, RequirementKind
from homeward.synth.generator import World, lookup_postcode, episode_window
from homeward.synth.geography import geography

LONDON = zoneinfo.ZoneInfo("Europe/London")

# Who is told of an episode (alerts.rules, rule 1), how often it is planted as never done, and the
# median minutes from the report to telling them when it is done (a long tail makes some late).
TELLING: dict[str, tuple[float, float]] = {
    "responsible_told": (0.03, 6),
    "host_told": (0.14, 25),
    "police_told": (0.06, 10),
    "iro_told": (0.20, 45),
}
# DfE 2014 and alerts.rules: told as the coordinator (councils), the force's coordinator, the IRO.
TOLD_ROLE = {
    "responsible_told": Role.MISSING_COORDINATOR,
    "host_told": Role.MISSING_COORDINATOR,
    "police_told": Role.POLICE_COORDINATOR,
    "iro_told": Role.IRO,
}
SUBJECTS = {
    "responsible_told": "A child you are responsible for has been reported missing",
    "host_told": "A child placed in your area by another council has been reported missing",
    "police_told": "A child in care has been reported missing in your force's area",
    "iro_told": "A child you are responsible for has been reported missing",
}
# The default strategy meeting rule's trigger (alerts.defaults: 3 episodes in 30 days), how often a
# proposed meeting is held, and the median days to holding it.
MEETING_EPISODES, MEETING_DAYS = 3, 30
MEETING_HELD, MEETING_MEDIAN_DAYS = 0.78, 4
# Working Together 2023: health and education at the strategy discussion. How often each came to a
# held meeting they were invited to (the ICB's designated nurse; the virtual school or the school).
HEALTH_CAME, EDUCATION_CAME = 0.7, 0.6
# A distant placement's approval and consultation: done before the placement starts, done after it
# (late), or never done, with these chances.
PLACEMENT_DUTY_CHANCES = {"on_time": 0.8, "late": 0.12}

# DfE 2014: the return interview within 72 hours. APP 2017: the review intervals (episodes.clocks),
# written out again so that the truth does not lean on the code it checks.
INTERVIEW_HOURS = 72
REVIEW_HOURS = {"high": 1, "medium": 4, "low": 12, "no_apparent_risk": 12}


@dataclass
class Notice:
    duty: str  # a key of TELLING
    agency: str  # the council's or force's code
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    told_at: datetime.datetime


@dataclass
class Meeting:
    responsible_authority: str
    la_child_id: str
    proposed_at: datetime.datetime
    held_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    reason: str
    health_came: bool = False  # of a held meeting: the council's ICB came (synth.partners)
    education_came: bool = False  # the council's virtual school came


@dataclass
class DistantPlacement:
    responsible_authority: str
    la_child_id: str
    start_date: datetime.date
    approved_at: datetime.datetime | None  # the Director's approval
    consulted_at: datetime.datetime | None  # the host council's consultation


@dataclass
class Plan:
    notices: list[Notice] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    distant_placements: list[DistantPlacement] = field(default_factory=list)
    # Every (duty, episode key) a notice was due for, told or not: the denominators.
    due: list[tuple[str, str, tuple]] = field(default_factory=list)  # (duty, council, episode key)


def _lognormal_minutes(rng: random.Random, median: float, sigma: float = 1.0) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def duties_plant(world: World) -> Plan:
    """Who was told of each episode and when, and the strategy meetings the rule proposed."""
    rng = random.Random(f"{world.seed}:duties")
    attendance = random.Random(f"{world.seed}:attendance")
    plan = Plan()
    placements_by_child: dict[tuple[str, str], list] = defaultdict(list)
    for p in world.placements:
        placements_by_child[p.responsible_authority, p.la_child_id].append(p)
    geo = geography()
    snapshot = episode_window(world.as_at, world.years, world.until)[1]

    for e in world.episodes:
        key = (e.responsible_authority, e.la_child_id)
        day = e.started_at.astimezone(LONDON).date()
        host = next(
            (
                geo.host_authority(lookup_postcode(p.placement_postcode))
                for p in placements_by_child[key]
                if p.start_date <= day and (p.end_date is None or p.end_date > day)
            ),
            None,
        )
        told = {
            "responsible_told": e.responsible_authority,
            "police_told": e.police_force,
            "iro_told": e.responsible_authority,
        }
        if host is not None and host != e.responsible_authority:
            told["host_told"] = host
        for duty, agency in told.items():
            plan.due.append((duty, e.responsible_authority, (key, e.started_at)))
            missed, median = TELLING[duty]
            # An episode no force knows of (no police force on it) is one the police were not told of.
            if rng.random() < missed or not agency:
                continue
            at = e.reported_at + datetime.timedelta(minutes=round(_lognormal_minutes(rng, median)))
            plan.notices.append(Notice(duty, agency, *key, e.started_at, at))

    by_child: dict[tuple[str, str], list] = defaultdict(list)
    for e in world.episodes:
        by_child[e.responsible_authority, e.la_child_id].append(e)
    for key, episodes in by_child.items():
        episodes.sort(key=lambda e: e.started_at)
        for i in range(MEETING_EPISODES - 1, len(episodes)):
            if episodes[i].started_at - episodes[i - MEETING_EPISODES + 1].started_at <= datetime.timedelta(
                days=MEETING_DAYS
            ):
                proposed = episodes[i].reported_at + datetime.timedelta(minutes=5)
                held = cancelled = None
                if rng.random() < MEETING_HELD:
                    held = proposed + datetime.timedelta(
                        minutes=round(_lognormal_minutes(rng, MEETING_MEDIAN_DAYS * 1440, 0.6))
                    )
                    held = held if held < snapshot else None
                elif rng.random() < 0.5:
                    cancelled = proposed + datetime.timedelta(days=2)
                # Their own stream: planting attendance leaves every other duty's draws as they were.
                came = (
                    held is not None and attendance.random() < HEALTH_CAME,
                    held is not None and attendance.random() < EDUCATION_CAME,
                )
                plan.meetings.append(
                    Meeting(
                        *key, proposed, held, cancelled, f"{MEETING_EPISODES} episodes in {MEETING_DAYS} days", *came
                    )
                )
                break  # one proposal a child: a child has at most one open meeting

    for p in world.placements:
        # scrutiny checks the placements current when they are loaded: those the world ends with.
        host = geo.host_authority(lookup_postcode(p.placement_postcode))
        if p.end_date is None and area_relation(p.responsible_authority, host) == AreaRelation.DISTANT:
            plan.distant_placements.append(
                DistantPlacement(
                    p.responsible_authority,
                    p.la_child_id,
                    p.start_date,
                    _placement_duty_done(rng, p.start_date),
                    _placement_duty_done(rng, p.start_date),
                )
            )
    return plan


def _placement_duty_done(rng: random.Random, start: datetime.date) -> datetime.datetime | None:
    draw, midday = rng.random(), datetime.datetime.combine(start, datetime.time(12), LONDON)
    if draw < PLACEMENT_DUTY_CHANCES["on_time"]:
        return midday - datetime.timedelta(days=rng.randint(0, 10))
    if draw < PLACEMENT_DUTY_CHANCES["on_time"] + PLACEMENT_DUTY_CHANCES["late"]:
        return midday + datetime.timedelta(days=rng.randint(1, 20))
    return None


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _person(agency: Agency, role: str) -> User:
    user, _ = User.objects.get_or_create(
        username=f"synth-{agency.code.lower()}-{role}",
        defaults={"agency": agency, "role": role, "password": make_password(None)},
    )
    return user


def duties_load(plan: Plan, *, user=None) -> dict[str, int]:
    """Write the plan's alerts and strategy meetings for a world already loaded (synth.loader)."""
    with transaction.atomic():
        councils = {r.responsible_authority for r in plan.notices} | {m.responsible_authority for m in plan.meetings}
        episodes = {
            ((code, la_id), started): (pk, child)
            for pk, child, code, la_id, started in EpisodeRow.objects.filter(
                child__responsible_authority__code__in=councils
            ).values_list("pk", "child_id", "child__responsible_authority__code", "child__la_child_id", "started_at")
        }
        children = {key: child for (key, _), (_, child) in episodes.items()}
        agencies = {a.code: a for a in Agency.objects.filter(code__in={n.agency for n in plan.notices})}
        people: dict[tuple[str, str], User] = {}
        alerts = []
        for n in plan.notices:
            agency = agencies.get(n.agency)
            found = episodes.get(((n.responsible_authority, n.la_child_id), n.started_at))
            if agency is None or found is None:
                continue
            role = TOLD_ROLE[n.duty]
            if (agency.code, role) not in people:
                people[agency.code, role] = _person(agency, role)
            episode, child = found
            alerts.append(
                Alert(
                    recipient=people[agency.code, role],
                    agency=agency,
                    kind="episode_opened",
                    subject=SUBJECTS[n.duty],
                    link=f"/episodes/{episode}/",
                    related_type="episodes.episode",
                    related_id=episode,
                    child_id=child,
                    created_at=n.told_at,
                )
            )
        Alert.objects.bulk_create(alerts, batch_size=2000)

        meetings, planned = [], []
        for m in plan.meetings:
            child = children.get((m.responsible_authority, m.la_child_id))
            if child is None:
                continue
            planned.append(m)
            status = (
                MeetingStatus.HELD
                if m.held_at
                else MeetingStatus.CANCELLED
                if m.cancelled_at
                else MeetingStatus.PROPOSED
            )
            meetings.append(
                StrategyMeeting(
                    child_id=child,
                    status=status,
                    proposed_at=m.proposed_at,
                    reason=m.reason,
                    rule_facts={"rule": m.reason},
                    held_at=m.held_at,
                    cancelled_at=m.cancelled_at,
                    cancelled_reason="No longer needed" if m.cancelled_at else "",
                )
            )
        created = StrategyMeeting.objects.bulk_create(meetings, batch_size=2000)
        _attendance_load(planned, created)
        audit_record_many(
            user=user,
            action=Action.CREATE,
            object_type="strategy_meeting",
            why="synth load",
            items=[(m.pk, m.child_id) for m in created],
        )
        done = _placement_duties_load(plan.distant_placements)
    return {"alerts": len(alerts), "strategy_meetings": len(created), "placement_duties_done": done}


def _attendance_load(planned: list[Meeting], created: list[StrategyMeeting]) -> None:
    """The council, its ICB and its virtual school invited to each held meeting (synth.partners made
    them), and those the plan says came recorded as attending."""
    codes = {m.responsible_authority for m in planned if m.held_at is not None}
    councils = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    icbs = {
        council.code: icb
        for icb in Agency.objects.filter(kind=AgencyKind.ICB, councils_served__code__in=codes).prefetch_related(
            "councils_served"
        )
        for council in icb.councils_served.all()
    }
    schools = {a.code.removeprefix("VS-"): a for a in Agency.objects.filter(code__in=[f"VS-{code}" for code in codes])}
    for m, meeting in zip(planned, created, strict=True):
        council = councils.get(m.responsible_authority)
        if m.held_at is None or council is None:
            continue
        health, education = icbs.get(council.code), schools.get(council.code)
        meeting.invited_agencies.set([a for a in (council, health, education) if a is not None])
        meeting.attended_agencies.set(
            [
                a
                for a, came in ((council, True), (health, m.health_came), (education, m.education_came))
                if came and a is not None
            ]
        )


def _placement_duties_load(placements: list[DistantPlacement]) -> int:
    planned = {((d.responsible_authority, d.la_child_id), d.start_date): d for d in placements}
    checks = (
        PlacementCheck.objects.filter(placement__isnull=False, relation=AreaRelation.DISTANT)
        .select_related("child__responsible_authority")
        .prefetch_related("requirements")
    )
    done = []
    for check in checks:
        council = check.child.responsible_authority
        d = planned.get(((council.code, check.child.la_child_id), check.start_date))
        if d is None:
            continue
        for requirement in check.requirements.all():
            if requirement.kind == RequirementKind.DIRECTOR_APPROVAL and d.approved_at is not None:
                requirement.done_at, requirement.done_by = d.approved_at, _person(council, Role.DIRECTOR)
                requirement.outcome, requirement.reasons = (
                    Outcome.APPROVED,
                    "Approved: the placement meets the child's needs.",
                )
            elif requirement.kind == RequirementKind.HOST_CONSULTATION and d.consulted_at is not None:
                requirement.done_at, requirement.done_by = d.consulted_at, _person(council, Role.MISSING_COORDINATOR)
                requirement.outcome, requirement.reasons = Outcome.SENT, "Consulted the host council."
            else:
                continue
            done.append(requirement)
    Requirement.objects.bulk_update(done, ["done_at", "done_by", "outcome", "reasons"], batch_size=500)
    return len(done)


# ---------------------------------------------------------------------------------------------
# The truth
# ---------------------------------------------------------------------------------------------


@dataclass
class Truth:
    met: int = 0
    cases: int = 0
    times: list[datetime.timedelta] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return 100 * self.met / self.cases if self.cases else None

    @property
    def median(self) -> datetime.timedelta | None:
        return statistics.median(self.times) if self.times else None


def _month(value: datetime.datetime) -> datetime.date:
    return value.astimezone(LONDON).date().replace(day=1)


def duties_truth(world: World, plan: Plan, *, now: datetime.datetime) -> dict[tuple[str, str, datetime.date], Truth]:
    """What was met, per (council, duty, month), from the world and the plan alone."""
    truth: dict[tuple[str, str, datetime.date], Truth] = defaultdict(Truth)
    episodes = {((e.responsible_authority, e.la_child_id), e.started_at): e for e in world.episodes}

    first_told: dict[tuple[str, tuple], datetime.datetime] = {}
    for n in plan.notices:
        key = (n.duty, ((n.responsible_authority, n.la_child_id), n.started_at))
        first_told[key] = min(first_told.get(key, n.told_at), n.told_at)
    for duty, council, key in plan.due:
        e = episodes[key]
        t = truth[council, duty, _month(e.started_at)]
        t.cases += 1
        if (duty, key) in first_told:
            t.met += 1
            t.times.append(first_told[duty, key] - e.reported_at)

    interviews = {((i.responsible_authority, i.la_child_id), i.started_at): i for i in world.return_interviews}
    gradings: dict[tuple, list] = defaultdict(list)
    for g in world.risk_gradings:
        gradings[(g.responsible_authority, g.la_child_id), g.started_at].append(g)
    limit = datetime.timedelta(hours=INTERVIEW_HOURS)
    for key, e in episodes.items():
        if e.returned_at is None or e.returned_at > now - limit:
            continue
        month, council = _month(e.returned_at), e.responsible_authority
        i = interviews.get(key)
        offered = truth[council, "interview_offered", month]
        offered.cases += 1
        if i is not None and i.offered_at is not None:
            offered.times.append(i.offered_at - e.returned_at)
            offered.met += i.offered_at - e.returned_at <= limit
        held = truth[council, "interview_held", month]
        held.cases += 1
        done = None if i is None else i.held_at or (i.closed_at if i.status == "declined" else None)
        if done is not None:
            held.times.append(done - e.returned_at)
            held.met += done - e.returned_at <= limit
        graded = sorted(gradings.get(key, []), key=lambda g: g.graded_at)
        if graded:
            reviewed = truth[council, "risk_reviewed", month]
            reviewed.cases += 1
            ends = [g.graded_at for g in graded[1:]] + [e.returned_at]
            waits = [
                (end - g.graded_at, datetime.timedelta(hours=REVIEW_HOURS[g.grade]))
                for g, end in zip(graded, ends, strict=True)
            ]
            reviewed.met += all(wait <= allowed for wait, allowed in waits)
            reviewed.times.append(max(wait for wait, _ in waits))

    for d in plan.distant_placements:
        # Not an emergency: both are due by the day the placement starts (Care Planning Regulations).
        for duty, at in (("distant_approved", d.approved_at), ("host_consulted", d.consulted_at)):
            t = truth[d.responsible_authority, duty, d.start_date.replace(day=1)]
            t.cases += 1
            if at is not None:
                t.met += at.astimezone(LONDON).date() <= d.start_date
                # In UTC: two London times subtract as wall clocks, an hour out across a change of clocks.
                t.times.append(
                    at.astimezone(datetime.UTC)
                    - datetime.datetime.combine(d.start_date, datetime.time(), LONDON).astimezone(datetime.UTC)
                )

    for m in plan.meetings:
        t = truth[m.responsible_authority, "meeting_held", _month(m.proposed_at)]
        t.cases += 1
        if m.held_at is not None:
            t.met += 1
            t.times.append(m.held_at - m.proposed_at)
            for duty, came in (("health_attended", m.health_came), ("education_attended", m.education_came)):
                t = truth[m.responsible_authority, duty, _month(m.held_at)]
                t.cases += 1
                t.met += came
                t.times.append(m.held_at - m.proposed_at)
    return truth
