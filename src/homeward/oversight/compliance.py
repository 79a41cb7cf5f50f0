"""Compliance with the statutory guidance, per council and month: each duty's share met, how fast,
and the cases behind every figure.

The selectors for other apps (reporting's dashboards link to them):

    compliance_by_month(*, user, authority, first, last, why) -> list[MonthFigures]
        Every duty for each month from `first`'s month to `last`'s (dates; any day in the month).
    compliance_cases(*, user, authority, duty, month, why) -> Figure
        One duty in one month, with its cases (figure.cases: met and not met, each with its time).
    authorities_overseen(user) -> QuerySet[Agency]
        The councils whose figures the user may see: their own council (council staff), or the
        councils an inspector holds a current grant for.

A Figure has `numerator` (cases met), `denominator` (cases the duty applied to), `share` (per cent,
one decimal; None with no cases) and `median` (a timedelta over the cases with a time; None without).
Both selectors read children only through agencies.access.visible_children and audit what they read:
figures as one LIST entry, a case list as one entry per child shown.

Which month a case falls in is the month (Europe/London) its duty fell due: the episode's start for
telling people, the child's return for the return interview and the police risk reviews, the
placement's start for distant placements, the rule's proposal for a strategy meeting.
"""

import datetime
import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind, InspectorGrant, Role
from homeward.alerts.models import Alert
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Placement
from homeward.episodes import clocks
from homeward.episodes.models import Episode, InterviewStatus, ReturnInterview, RiskGrading
from homeward.places.adjoining import AreaRelation
from homeward.safeguarding.models import MeetingStatus, StrategyMeeting
from homeward.scrutiny.models import Outcome, PlacementCheck, RequirementKind

LONDON = zoneinfo.ZoneInfo("Europe/London")

# How alerts.rules records telling people of an episode (rule 1): the alert's kind and its record.
EPISODE_OPENED = "episode_opened"
EPISODE_RECORD = "episodes.episode"


@dataclass(frozen=True)
class Duty:
    code: str
    name: str  # as the compliance page says it
    source: str  # where the duty comes from
    time_label: str  # what the median time measures


DUTIES: list[Duty] = [
    Duty(
        "responsible_told",
        "Responsible council told",
        "DfE statutory guidance 2014: the responsible authority must know of every episode",
        "from the report to the first person told",
    ),
    Duty(
        "host_told",
        "Host council told",
        "DfE statutory guidance 2014: the host authority (if different) must know",
        "from the report to the first person told",
    ),
    Duty(
        "police_told",
        "Police told",
        "DfE statutory guidance 2014: the police must know of every episode",
        "from the report to the first person told",
    ),
    Duty(
        "iro_told",
        "Independent reviewing officer told",
        "DfE statutory guidance 2014: the child's IRO must know",
        "from the report to the IRO being told",
    ),
    Duty(
        "interview_offered",
        "Return interview offered within 72 hours",
        "DfE statutory guidance 2014: offered within 72 hours of return",
        "from the return to the offer",
    ),
    Duty(
        "interview_held",
        "Return interview held, or declined by the child, within 72 hours",
        "DfE statutory guidance 2014: held within 72 hours of return; the child may decline",
        "from the return to the interview or the child's refusal",
    ),
    Duty(
        "distant_approved",
        "Distant placement approved by the Director on time",
        "Care Planning, Placement and Case Review (England) Regulations 2010, as amended 2013",
        "from the placement's start to the approval",
    ),
    Duty(
        "host_consulted",
        "Host council consulted on a distant placement on time",
        "Care Planning, Placement and Case Review (England) Regulations 2010, as amended 2013",
        "from the placement's start to the consultation",
    ),
    Duty(
        "meeting_held",
        "Strategy meeting held when the council's rule called for one",
        "The council's own rule (safeguarding settings)",
        "from the rule's proposal to the meeting",
    ),
    Duty(
        "health_attended",
        "Health at the strategy meeting",
        "Working Together to Safeguard Children 2023: strategy discussions include health",
        "from the proposal to the meeting",
    ),
    Duty(
        "education_attended",
        "Education at the strategy meeting",
        "Working Together to Safeguard Children 2023: "
        "strategy discussions include education (the school or the virtual school)",
        "from the proposal to the meeting",
    ),
    Duty(
        "risk_reviewed",
        "Police risk reviewed on time while the child was missing",
        "College of Policing APP on missing persons 2017: risk reviewed at set intervals",
        "longest wait between reviews",
    ),
]
DUTY_BY_CODE = {duty.code: duty for duty in DUTIES}


@dataclass
class Case:
    child_id: int
    la_child_id: str
    record: str  # what the case is: "Episode 12", "Placement check 3", "Strategy meeting 4"
    link: str
    due_from: datetime.datetime | datetime.date  # when the duty fell due
    met: bool
    took: datetime.timedelta | None  # how long it took; None when it was never done
    note: str = ""


@dataclass
class Figure:
    duty: Duty
    month: datetime.date  # the first of the month
    cases: list[Case] = field(default_factory=list)

    @property
    def denominator(self) -> int:
        return len(self.cases)

    @property
    def numerator(self) -> int:
        return sum(case.met for case in self.cases)

    @property
    def share(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.cases else None

    @property
    def median(self) -> datetime.timedelta | None:
        times = [case.took for case in self.cases if case.took is not None]
        return statistics.median(times) if times else None


@dataclass
class MonthFigures:
    month: datetime.date
    figures: list[Figure]


# ---------------------------------------------------------------------------------------------
# Who may see a council's figures
# ---------------------------------------------------------------------------------------------


def authorities_overseen(user) -> QuerySet:
    """A council's own staff see their council's figures; an inspector those of each council they
    hold a current grant for (agencies.access: the same grant that shows them its children)."""
    if user is None or not user.is_authenticated or user.agency_id is None:
        return Agency.objects.none()
    if user.role == Role.INSPECTOR:
        now = timezone.now()
        granted = InspectorGrant.objects.filter(user=user, starts_at__lte=now, expires_at__gt=now).values("authority")
        return Agency.objects.filter(pk__in=granted, kind=AgencyKind.LOCAL_AUTHORITY)
    if user.agency.kind == AgencyKind.LOCAL_AUTHORITY:
        return Agency.objects.filter(pk=user.agency_id)
    return Agency.objects.none()


def _children(user, authority: Agency) -> QuerySet:
    if not authorities_overseen(user).filter(pk=authority.pk).exists():
        raise PermissionDenied("You cannot see this council's compliance figures.")
    return visible_children(user).filter(responsible_authority=authority)


# ---------------------------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------------------------


def month_of(value: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.astimezone(LONDON).date()
    return value.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], month_of(first)
    while month <= month_of(last):
        months.append(month)
        month = _next_month(month)
    return months


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), LONDON)


# ---------------------------------------------------------------------------------------------
# Each duty's cases
# ---------------------------------------------------------------------------------------------


def _episode_case(episode: dict, due_from, met: bool, took, note: str = "") -> Case:
    return Case(
        child_id=episode["child_id"],
        la_child_id=episode["child__la_child_id"],
        record=f"Episode {episode['id']}",
        link=reverse("episodes:detail", args=[episode["id"]]),
        due_from=due_from,
        met=met,
        took=took,
        note=note,
    )


def _told_cases(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> dict[str, list[Case]]:
    """Telling people of an episode (alerts.rules.on_episode_opened): the first alert to the
    responsible council's staff, the host council's (when the child is placed in another council's
    area on the day the episode started), any police force's, and the child's IRO."""
    started = Episode.objects.filter(child__in=children, started_at__gte=start, started_at__lt=end)
    episodes = list(
        started.values(
            "id", "child_id", "child__la_child_id", "child__responsible_authority_id", "started_at", "reported_at"
        )
    )
    first: dict[tuple[int, str], datetime.datetime] = {}

    def note(key: tuple[int, str], at: datetime.datetime) -> None:
        if key not in first or at < first[key]:
            first[key] = at

    alerts = Alert.objects.filter(kind=EPISODE_OPENED, related_type=EPISODE_RECORD, related_id__in=started.values("pk"))
    for alert in alerts.values("related_id", "agency_id", "agency__kind", "recipient__role", "created_at"):
        episode = alert["related_id"]
        if alert["recipient__role"] == Role.IRO:
            # The guidance names the IRO apart from the council: telling the IRO does not tell it.
            note((episode, "iro"), alert["created_at"])
        else:
            note((episode, f"agency:{alert['agency_id']}"), alert["created_at"])
        if alert["agency__kind"] == AgencyKind.POLICE:
            note((episode, "police"), alert["created_at"])

    hosts = _hosts_on(children, episodes)
    cases: dict[str, list[Case]] = defaultdict(list)
    for e in episodes:
        wanted = [
            ("responsible_told", f"agency:{e['child__responsible_authority_id']}"),
            ("police_told", "police"),
            ("iro_told", "iro"),
        ]
        host = hosts.get(e["id"])
        if host is not None and host != e["child__responsible_authority_id"]:
            wanted.append(("host_told", f"agency:{host}"))
        for duty, key in wanted:
            at = first.get((e["id"], key))
            cases[duty].append(
                _episode_case(
                    e,
                    e["started_at"],
                    at is not None,
                    at - e["reported_at"] if at else None,
                    "" if at else "No one was told",
                )
            )
    return cases


def _hosts_on(children: QuerySet, episodes: list[dict]) -> dict[int, int | None]:
    """Each episode's host council: that of the placement the child was in on the day it started."""
    placements: dict[int, list[tuple]] = defaultdict(list)
    for p in Placement.objects.filter(child__in=children).values_list(
        "child_id", "start_date", "end_date", "host_authority_id"
    ):
        placements[p[0]].append(p[1:])
    hosts = {}
    for e in episodes:
        day = e["started_at"].astimezone(LONDON).date()
        hosts[e["id"]] = next(
            (
                host
                for begins, ends, host in placements[e["child_id"]]
                if begins <= day and (ends is None or ends > day)
            ),
            None,
        )
    return hosts


def _returned(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    # Due 72 hours after the return: a return whose 72 hours have not yet passed is not yet a case.
    due_by = timezone.now() - clocks.RETURN_INTERVIEW_DUE_AFTER
    return Episode.objects.filter(
        child__in=children, returned_at__gte=start, returned_at__lt=end, returned_at__lte=due_by
    )


def _interview_cases(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> dict[str, list[Case]]:
    episodes = list(_returned(children, start, end).values("id", "child_id", "child__la_child_id", "returned_at"))
    interviews = {
        i["episode_id"]: i
        for i in ReturnInterview.objects.filter(episode_id__in=_returned(children, start, end).values("pk")).values(
            "episode_id", "status", "offered_at", "held_at", "closed_at"
        )
    }
    cases: dict[str, list[Case]] = defaultdict(list)
    for e in episodes:
        returned = e["returned_at"]
        due = clocks.return_interview_due(returned)
        interview = interviews.get(e["id"], {})
        offered = interview.get("offered_at")
        cases["interview_offered"].append(
            _episode_case(
                e,
                returned,
                offered is not None and offered <= due,
                offered - returned if offered else None,
                "" if offered else "Not offered",
            )
        )
        done, note = None, "Neither held nor declined"
        if interview.get("held_at") is not None:
            done, note = interview["held_at"], "Held"
        elif interview.get("status") == InterviewStatus.DECLINED:
            done, note = interview["closed_at"], "Declined by the child"
        cases["interview_held"].append(
            _episode_case(e, returned, done is not None and done <= due, done - returned if done else None, note)
        )
    return cases


def _placement_cases(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> dict[str, list[Case]]:
    """Distant placements made: the Director's approval and the host council's consultation, each done
    by its due date (scrutiny.services sets it: before the placement, or within 5 working days in an
    emergency). An approval counts only when it approved."""
    checks = (
        PlacementCheck.objects.filter(
            child__in=children,
            placement__isnull=False,
            relation=AreaRelation.DISTANT,
            start_date__gte=start.date(),
            start_date__lt=end.date(),
        )
        .select_related("child")
        .prefetch_related("requirements")
    )
    cases: dict[str, list[Case]] = defaultdict(list)
    for check in checks:
        requirements = {r.kind: r for r in check.requirements.all()}
        for duty, kind in (
            ("distant_approved", RequirementKind.DIRECTOR_APPROVAL),
            ("host_consulted", RequirementKind.HOST_CONSULTATION),
        ):
            r = requirements.get(kind)
            done = (
                r is not None
                and r.done_at is not None
                and (kind != RequirementKind.DIRECTOR_APPROVAL or r.outcome == Outcome.APPROVED)
            )
            on_time = done and r.done_at.astimezone(LONDON).date() <= r.due_on
            took = r.done_at - _midnight(check.start_date) if done else None
            note = (
                "Not done"
                if not done
                else ("Done on time" if on_time else f"Done after its due date ({r.due_on:%-d %B %Y})")
            )
            cases[duty].append(
                Case(
                    child_id=check.child_id,
                    la_child_id=check.child.la_child_id,
                    record=f"Placement check {check.pk}",
                    link=reverse("scrutiny:check", args=[check.pk]),
                    due_from=check.start_date,
                    met=on_time,
                    took=took,
                    note=note,
                )
            )
    return cases


def _meeting_cases(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> dict[str, list[Case]]:
    # Proposed by the council's rule (no person proposed it): was it held?
    meetings = StrategyMeeting.objects.filter(
        child__in=children, proposed_by__isnull=True, proposed_at__gte=start, proposed_at__lt=end
    ).select_related("child")
    cases = []
    for m in meetings:
        held = m.status == MeetingStatus.HELD
        cases.append(
            Case(
                child_id=m.child_id,
                la_child_id=m.child.la_child_id,
                record=f"Strategy meeting {m.pk}",
                link=reverse("children:detail", args=[m.child_id]),
                due_from=m.proposed_at,
                met=held,
                took=m.held_at - m.proposed_at if held else None,
                note=m.get_status_display(),
            )
        )
    return {"meeting_held": cases, **_attendance_cases(children, start, end)}


HEALTH_KINDS = {AgencyKind.ICB, AgencyKind.NHS_TRUST}
EDUCATION_KINDS = {AgencyKind.VIRTUAL_SCHOOL, AgencyKind.SCHOOL}


def _attendance_cases(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> dict[str, list[Case]]:
    """Meetings held (in the month they were held) to which health, or education, was invited: did
    one of them come?"""
    meetings = (
        StrategyMeeting.objects.filter(
            child__in=children, status=MeetingStatus.HELD, held_at__gte=start, held_at__lt=end
        )
        .select_related("child")
        .prefetch_related("invited_agencies", "attended_agencies")
    )
    cases: dict[str, list[Case]] = {"health_attended": [], "education_attended": []}
    for m in meetings:
        invited = {a.kind for a in m.invited_agencies.all()}
        came = {a.kind for a in m.attended_agencies.all()}
        for duty, kinds, who in (
            ("health_attended", HEALTH_KINDS, "Health"),
            ("education_attended", EDUCATION_KINDS, "Education"),
        ):
            if not invited & kinds:
                continue  # nobody of theirs was invited: the meeting's invitations are the council's to answer for
            met = bool(came & kinds)
            cases[duty].append(
                Case(
                    child_id=m.child_id,
                    la_child_id=m.child.la_child_id,
                    record=f"Strategy meeting {m.pk}",
                    link=reverse("children:detail", args=[m.child_id]),
                    due_from=m.held_at,
                    met=met,
                    took=m.held_at - m.proposed_at,
                    note=f"{who} came" if met else f"{who} invited, did not come",
                )
            )
    return cases


def _review_cases(children: QuerySet, start: datetime.datetime, end: datetime.datetime) -> dict[str, list[Case]]:
    """Episodes the police graded, once the child was back: each grade reviewed within its interval
    (episodes.clocks) until the next grading, and the last until the return."""
    returned = _returned(children, start, end)
    gradings: dict[int, list[tuple]] = defaultdict(list)
    for g in (
        RiskGrading.objects.filter(episode__in=returned.values("pk"))
        .order_by("graded_at", "id")
        .values_list("episode_id", "graded_at", "grade")
    ):
        gradings[g[0]].append(g[1:])
    cases = []
    for e in returned.values("id", "child_id", "child__la_child_id", "returned_at"):
        if not gradings[e["id"]]:
            continue  # never graded by the police: no review was due
        on_time, longest = reviews_on_time(gradings[e["id"]], e["returned_at"], clocks.risk_review_interval)
        cases.append(
            _episode_case(
                e, e["returned_at"], on_time, longest, "Every review on time" if on_time else "A review was late"
            )
        )
    return {"risk_reviewed": cases}


def reviews_on_time(
    gradings: list[tuple[datetime.datetime, str]],
    returned_at: datetime.datetime,
    interval: Callable[[str], datetime.timedelta | None],
) -> tuple[bool, datetime.timedelta]:
    """Whether each grade was reviewed (by the next grading, or the return) within its interval, and
    the longest wait between reviews."""
    on_time, longest = True, datetime.timedelta(0)
    for (at, grade), following in zip(gradings, [g[0] for g in gradings[1:]] + [returned_at], strict=True):
        wait = following - at
        longest = max(longest, wait)
        allowed = interval(grade)
        if allowed is not None and wait > allowed:
            on_time = False
    return on_time, longest


_SOURCES = (_told_cases, _interview_cases, _placement_cases, _meeting_cases, _review_cases)


def _cases(
    children: QuerySet, first: datetime.date, last: datetime.date
) -> dict[tuple[str, datetime.date], list[Case]]:
    start, end = _midnight(month_of(first)), _midnight(_next_month(month_of(last)))
    by: dict[tuple[str, datetime.date], list[Case]] = defaultdict(list)
    for source in _SOURCES:
        for duty, cases in source(children, start, end).items():
            for case in cases:
                by[duty, month_of(case.due_from)].append(case)
    return by


# ---------------------------------------------------------------------------------------------
# The selectors
# ---------------------------------------------------------------------------------------------


def compliance_by_month(
    *, user, authority: Agency, first: datetime.date, last: datetime.date, why: str = "compliance figures"
) -> list[MonthFigures]:
    """Every duty for each month from first's to last's, for the council's children the user sees."""
    children = _children(user, authority)
    cases = _cases(children, first, last)
    months = [
        MonthFigures(month, [Figure(duty, month, cases.get((duty.code, month), [])) for duty in DUTIES])
        for month in months_between(first, last)
    ]
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="compliance",
        object_id=authority.code,
        why=why,
        detail={"first": month_of(first).isoformat(), "last": month_of(last).isoformat()},
    )
    return months


def compliance_cases(
    *, user, authority: Agency, duty: str, month: datetime.date, why: str = "compliance cases"
) -> Figure:
    """One duty's figure in one month, with its cases: each child shown is audited under the child."""
    if duty not in DUTY_BY_CODE:
        raise ValueError(f"Unknown duty {duty!r}.")
    children = _children(user, authority)
    month = month_of(month)
    figure = Figure(
        DUTY_BY_CODE[duty],
        month,
        sorted(_cases(children, month, month).get((duty, month), []), key=lambda case: (case.met, str(case.due_from))),
    )
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="compliance_case",
        why=why,
        items=[(case.record, case.child_id) for case in figure.cases],
        detail={"authority": authority.code, "duty": duty, "month": month.isoformat()},
    )
    return figure


def figures_rows(months: list[MonthFigures]) -> list[list[object]]:
    """The figures as rows for an export (no child in them)."""
    return [
        [
            m.month.strftime("%Y-%m"),
            f.duty.name,
            f.numerator,
            f.denominator,
            f.share,
            round(f.median.total_seconds() / 3600, 1) if f.median is not None else None,
        ]
        for m in months
        for f in m.figures
    ]


FIGURES_HEADER = ["month", "duty", "met", "cases", "share_met_percent", "median_hours"]


# ---------------------------------------------------------------------------------------------
# Return interview offer and acceptance rates (Ofsted Annex A asks of each child: offered a return
# interview after the last missing episode, Y/N; accepted it, Y/N. Offer rates range from under 30%
# to over 90% between councils: DfE 2023-24.)
# ---------------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class InterviewRates:
    month: datetime.date
    returns: int  # episodes of the council's children that ended with a return in the month
    offered: int  # of those, the interviews offered (whatever came after)
    accepted: int  # of those offered, the ones the child accepted or that were held
    declined: int  # of those offered, the ones the child has declined (and not since accepted)

    @property
    def offer_rate(self) -> float | None:
        return _rate(self.offered, self.returns)

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted, self.offered)


def interview_rates(*, user, authority: Agency, month: datetime.date, why: str = "interview rates") -> InterviewRates:
    """The council's return interview offer and acceptance rates for returns in one month (Europe/London).

    A held interview counts as accepted (an interview may be held straight from the offer); a child
    who accepted and later declined counts as declined, as the record now stands."""
    children = _children(user, authority)
    month = month_of(month)
    start, end = _midnight(month), _midnight(_next_month(month))
    rows = list(
        Episode.objects.filter(child__in=children, returned_at__gte=start, returned_at__lt=end).values_list(
            "return_interview__offered_at", "return_interview__status"
        )
    )
    offered = [status for offered_at, status in rows if offered_at is not None]
    declined = sum(status == InterviewStatus.DECLINED for status in offered)
    accepted = sum(status in (InterviewStatus.ACCEPTED, InterviewStatus.COMPLETED) for status in offered)
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="interview_rates",
        object_id=authority.code,
        why=why,
        detail={"month": month.isoformat()},
    )
    return InterviewRates(month=month, returns=len(rows), offered=len(offered), accepted=accepted, declined=declined)
