"""Dashboards (issue 9, item 5): one selector per figure, each over a Scope that says whose episodes
are counted. Every scope starts from the scoping function (agencies.access.visible_children), except
the national one: DfE statisticians see every episode's figures and never an episode (architecture.md),
computed ahead (reporting.snapshots).

A dashboard kind is who is looking and at what:
- council: the children the council looks after;
- host: episodes that began while another council's child was placed in the council's area;
- police: episodes that began in a placement in the force's area or were last known to be there;
- partnership: the council's area with the force(s) whose area covers it (multi-agency safeguarding
  arrangements: council and police as safeguarding partners); episodes that began in a placement
  in that area, whichever council looks after the child;
- national: every episode in England.
Only the council's own dashboard is uncontrolled; the rest are cross-council (reporting.disclosure).
"""

import datetime
import zoneinfo
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import ExtractHour, TruncDate
from django.http import Http404

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.episodes.models import Episode, InterviewStatus, Kind, RiskGrading
from homeward.linkage.models import CountUnit, Known
from homeward.places.models import District
from homeward.reporting import disclosure
from homeward.reporting.selectors import _units, sees_national_figures
from homeward.safeguarding.models import FlagStatus, RiskFlag

LONDON = zoneinfo.ZoneInfo("Europe/London")

COUNCIL, HOST, POLICE, PARTNERSHIP, NATIONAL = "council", "host", "police", "partnership", "national"
TITLES = {
    COUNCIL: "Children we look after",
    HOST: "Children placed in our area by other councils",
    POLICE: "Children missing from care in our force area",
    PARTNERSHIP: "Safeguarding partnership",
    NATIONAL: "England",
}

# Placement codes (SSDA903 PLACE, domain.md) grouped as the DfE's publications group them; the
# labels are short enough for a chart on a phone, and the table lists the codes behind each.
PLACEMENT_GROUPS = [
    ("Children's home", ("K1", "K2", "R1")),
    ("Supported (16+)", ("K3",)),
    ("Foster placement", ("U1", "U2", "U3", "U4", "U5", "U6")),
    ("Other residential", ("R2", "R3", "R5", "S1")),
    ("Parents or adoption", ("P1", "A3", "A4", "A5", "A6")),
]
OTHER_PLACEMENT = "Other or not known"

# Bands of the London clock the episode began in: three hours each, so eight rows fit a phone.
HOUR_BANDS = [(start, f"{start:02d}:00 to {start + 2:02d}:59") for start in range(0, 24, 3)]

# How long returned episodes lasted (domain.md: about 90% of incidents last 2 days or less).
DURATIONS = [
    ("under_1_day", "Under 24 hours", datetime.timedelta(days=1)),
    ("1_to_2_days", "1 to 2 days", datetime.timedelta(days=2)),
    ("2_to_7_days", "2 to 7 days", datetime.timedelta(days=7)),
    ("7_days_or_more", "7 days or more", None),
]
STILL_OPEN = ("still_open", "Not yet returned")

INTERVIEW_FIGURES = [
    ("returned", "Returned"),
    ("offered", "Offered"),
    ("held", "Held"),
    ("held_in_72_hours", "Held in 72 hours"),
    ("declined", "Declined"),
]


@dataclass
class Scope:
    kind: str
    title: str
    controlled: bool  # cross-council or national: reporting.disclosure applies
    # The episodes counted that began on the London days since..until, and the one count's units of
    # those days. Functions of the period, so that an area's placements are joined with the period's
    # episodes only: joining them with every year's episodes first took most of a force's page.
    episodes: Callable[[datetime.date, datetime.date], QuerySet]
    units: Callable[[datetime.date, datetime.date], QuerySet]
    agency: Agency | None = None
    area: Agency | None = None  # the partnership's council
    forces: list[Agency] = field(default_factory=list)  # the partnership's police force(s)
    # Figures drawn from one grouped query (_episode_cube) read it once per page, not once each.
    cache: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Choice:
    kind: str
    title: str
    area: str = ""  # a partnership's council code, when the viewer is a force


def _began(since: datetime.date, until: datetime.date, prefix: str = "") -> Q:
    """Began on the London days since..until (from the first day's midnight to the next after the last)."""
    start = datetime.datetime.combine(since, datetime.time(), LONDON)
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), LONDON)
    return Q(**{f"{prefix}started_at__gte": start, f"{prefix}started_at__lt": end})


def partnership_forces(*, council: Agency) -> list[Agency]:
    """The force(s) whose area covers the council's districts (places.District records both)."""
    forces = District.objects.filter(authority=council).values("police_force")
    return list(Agency.objects.filter(pk__in=forces, kind=AgencyKind.POLICE).order_by("name"))


def dashboards_for(*, user) -> list[Choice]:
    """The dashboards this user may open, in the order they are listed."""
    if not user.is_authenticated or user.agency_id is None:
        return []
    if sees_national_figures(user):
        return [Choice(NATIONAL, TITLES[NATIONAL])]
    agency = user.agency
    if agency.kind == AgencyKind.LOCAL_AUTHORITY:
        return [
            Choice(COUNCIL, TITLES[COUNCIL]),
            Choice(HOST, TITLES[HOST]),
            Choice(PARTNERSHIP, f"{TITLES[PARTNERSHIP]}: {agency.name}"),
        ]
    if agency.kind == AgencyKind.POLICE:
        councils = (
            Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY, districts__police_force=agency)
            .distinct()
            .order_by("name")
        )
        return [
            Choice(POLICE, TITLES[POLICE]),
            *(Choice(PARTNERSHIP, f"{TITLES[PARTNERSHIP]}: {council.name}", council.code) for council in councils),
        ]
    return []


def _units_in(units: QuerySet, since: datetime.date, until: datetime.date) -> QuerySet:
    return units.filter(started_on__gte=since, started_on__lte=until)


def national_scope() -> Scope:
    """Every episode and every one-count unit in England (any national analyst's: _units gives them all)."""
    units = CountUnit.objects.annotate(seen_known=F("known"))
    return Scope(
        kind=NATIONAL,
        title=TITLES[NATIONAL],
        controlled=True,
        episodes=lambda since, until: Episode.objects.filter(_began(since, until)),
        units=lambda since, until: _units_in(units, since, until),
    )


def dashboard_scope(*, user, kind: str, area: str = "") -> Scope:
    """Whose episodes and one-count units the dashboard counts; Http404 for one the user may not open."""
    choices = dashboards_for(user=user)
    if kind not in {c.kind for c in choices} or (area and area not in {c.area for c in choices}):
        raise Http404("No such dashboard.")
    if kind == NATIONAL:
        return national_scope()
    agency = user.agency
    seen = Episode.objects.filter(child__in=visible_children(user))
    units = _units(user)
    if kind == COUNCIL:
        return Scope(
            kind=kind,
            title=TITLES[kind],
            controlled=False,
            agency=agency,
            episodes=lambda since, until: seen.filter(_began(since, until), child__responsible_authority=agency),
            units=lambda since, until: _units_in(units.filter(seen_council=agency.pk), since, until),
        )
    if kind == HOST:

        def hosted(since: datetime.date, until: datetime.date) -> QuerySet:
            # Begun in a placement in its area (the area is kept on the episode: found by index).
            return seen.filter(_began(since, until), start_host_authority=agency).exclude(
                child__responsible_authority=agency
            )

        return Scope(
            kind=kind,
            title=TITLES[kind],
            controlled=True,
            agency=agency,
            episodes=hosted,
            units=lambda since, until: _units_in(units, since, until).filter(
                episode__in=hosted(since, until).values("pk")
            ),
        )
    if kind == POLICE:

        def in_force_area(since: datetime.date, until: datetime.date) -> QuerySet:
            # Begun in a placement in the area, or searched for by the force: two indexed conditions.
            return seen.filter(_began(since, until), Q(start_police_force=agency) | Q(location_police_force=agency))

        return Scope(
            kind=kind,
            title=TITLES[kind],
            controlled=True,
            agency=agency,
            episodes=in_force_area,
            units=lambda since, until: _units_in(units.filter(seen_force=agency.pk), since, until),
        )
    # A council's partnership is its own area; a force chooses one of the councils its area covers.
    council = agency if agency.kind == AgencyKind.LOCAL_AUTHORITY else Agency.objects.filter(code=area).first()
    if council is None:
        raise Http404("No such partnership.")

    def in_area(since: datetime.date, until: datetime.date) -> QuerySet:
        return seen.filter(_began(since, until), start_host_authority=council)

    return Scope(
        kind=PARTNERSHIP,
        title=f"{TITLES[PARTNERSHIP]}: {council.name}",
        controlled=True,
        agency=agency,
        area=council,
        forces=partnership_forces(council=council),
        episodes=in_area,
        units=lambda since, until: _units_in(units, since, until).filter(
            episode__in=in_area(since, until).values("pk")
        ),
    )


def dashboard_viewed(*, user, why: str, scope: Scope, since: datetime.date, until: datetime.date) -> None:
    """One audit entry for the page: figures only, so no child is named in it."""
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="dashboard",
        why=why,
        detail={
            "kind": scope.kind,
            "area": scope.area.code if scope.area else "",
            "since": since.isoformat(),
            "until": until.isoformat(),
        },
    )


@dataclass(frozen=True)
class EpisodeRow:
    """One episode of the period, with all that any figure groups it by."""

    child: int
    kind: str
    began_on: datetime.date  # the London day
    hour: int  # of the London clock
    band: str  # how long it lasted (DURATIONS), or STILL_OPEN
    interview: str  # how far its return interview got: "held_in_72_hours", "held_late", "declined", "offered", "none"
    interview_status: str  # episodes.models.InterviewStatus, "" for none
    ethnicity: str
    born: datetime.date
    sex: str
    first_grade: str  # the police's first risk grade, "" for none
    flagged: bool  # the child has a risk flag raised now
    placement_type: str | None  # of the placement current on the day it began; None: none was
    placement_where: str  # that placement "in" or "out" of the responsible council's area, or "unknown"


def _duration_band() -> Case:
    bands, lower = [], None
    for band, _, upper in DURATIONS:
        condition = Q(returned_at__isnull=False)
        if lower is not None:
            condition &= Q(returned_at__gte=F("started_at") + lower)
        if upper is not None:
            condition &= Q(returned_at__lt=F("started_at") + upper)
        bands.append(When(condition, then=Value(band)))
        lower = upper
    return Case(*bands, default=Value(STILL_OPEN[0]))


def episode_rows(scope: Scope, since: datetime.date, until: datetime.date) -> list[EpisodeRow]:
    """The period's episodes in the scope, read once per page for every figure: each figure
    re-reading the scope (an area's placements, the children the viewer may see) cost a query each.
    The placement it began in and its return interview are joined by key (one each); its first
    grade and whether the child is flagged are looked up by index; times come as the London day and
    hour, which are quick to read."""
    key = ("rows", since, until)
    if key not in scope.cache:
        # Where the placement it began in was: none held, not known, or in or out of the council's area.
        where = Case(
            When(start_placement__isnull=True, then=Value("")),
            When(start_host_authority__isnull=True, then=Value("unknown")),
            When(start_host_authority=F("child__responsible_authority"), then=Value("in")),
            default=Value("out"),
        )
        first_grade = RiskGrading.objects.filter(episode=OuterRef("pk")).order_by("graded_at", "id").values("grade")
        # Its return interview in one state: held (on time or late), else declined, else offered, else
        # not. An interview is declined only after an offer (episodes.models.INTERVIEW_TRANSITIONS).
        state = Case(
            When(return_interview__held_at__lte=F("return_interview__due_at"), then=Value("held_in_72_hours")),
            When(return_interview__held_at__isnull=False, then=Value("held_late")),
            When(return_interview__status=InterviewStatus.DECLINED, then=Value("declined")),
            When(return_interview__offered_at__isnull=False, then=Value("offered")),
            default=Value("none"),
        )
        rows = (
            scope.episodes(since, until)
            .annotate(
                start_day=TruncDate("started_at", tzinfo=LONDON),
                hour=ExtractHour("started_at", tzinfo=LONDON),
                band=_duration_band(),
                interview=state,
                first_grade=Subquery(first_grade[:1]),
                flagged=Exists(RiskFlag.objects.filter(child=OuterRef("child"), status=FlagStatus.RAISED)),
                where=where,
            )
            .values_list(
                "child_id",
                "kind",
                "start_day",
                "hour",
                "band",
                "interview",
                "return_interview__status",
                "child__ethnicity",
                "child__date_of_birth",
                "child__sex",
                "first_grade",
                "flagged",
                "start_placement__placement_type",
                "where",
            )
            .order_by()
        )
        scope.cache[key] = []
        for (
            child,
            kind,
            began_on,
            hour,
            band,
            state,
            status,
            ethnicity,
            born,
            sex,
            grade,
            flagged,
            placement_type,
            placement_where,
        ) in rows:
            scope.cache[key].append(
                EpisodeRow(
                    child=child,
                    kind=kind,
                    began_on=began_on,
                    hour=hour,
                    band=band,
                    interview=state,
                    interview_status=status or "",
                    ethnicity=ethnicity or "",
                    born=born,
                    sex=sex,
                    first_grade=grade or "",
                    flagged=bool(flagged),
                    # No placement current on the day (a gap in the record): no type, and no place.
                    placement_type=placement_type,
                    placement_where=placement_where or "unknown",
                )
            )
    return scope.cache[key]


def _episode_cube(scope: Scope, since: datetime.date, until: datetime.date) -> list[dict]:
    """The period's episodes counted by London month, kind, London hour, duration band and how far
    their return interview got: every figure that only groups them reads this."""
    key = ("cube", since, until)
    if key not in scope.cache:
        counted = Counter(
            (row.began_on.replace(day=1), row.kind, row.hour, row.band, row.interview)
            for row in episode_rows(scope, since, until)
        )
        scope.cache[key] = [
            {"month": month, "kind": kind, "hour": hour, "band": band, "interview": interview, "n": n}
            for (month, kind, hour, band, interview), n in counted.items()
        ]
    return scope.cache[key]


def episodes_by_month(
    *, scope: Scope, since: datetime.date, until: datetime.date
) -> dict[datetime.date, dict[str, int | None]]:
    """Missing and away episodes by the London month they began in; every month of the period listed.
    An episode is counted by the kind it has now (a switch is not split here, unlike the SSDA903)."""
    months: dict[datetime.date, dict[str, int]] = {}
    day = since.replace(day=1)
    while day <= until:
        months[day] = {Kind.MISSING: 0, Kind.AWAY: 0}
        day = disclosure.month_after(day)
    for row in _episode_cube(scope, since, until):
        months[row["month"]][row["kind"]] += row["n"]
    # The month's total is a column too, so that a small month is not given back by the period's total.
    return disclosure.grid(
        {month: {**kinds, "all": sum(kinds.values())} for month, kinds in months.items()}, controlled=scope.controlled
    )


def children_missing(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, int | None]:
    """Children with at least one episode, and of those how many were missing and how many away, with
    episodes in all; and the repeat rate: the share of those children with more than one episode."""
    episodes: Counter = Counter()
    missing: Counter = Counter()
    for row in episode_rows(scope, since, until):
        episodes[row.child] += 1
        missing[row.child] += row.kind == Kind.MISSING
    per_child = [(n, missing[child]) for child, n in episodes.items()]
    children = len(per_child)
    repeat = sum(1 for n, _ in per_child if n > 1)
    controlled = scope.controlled
    return {
        "children": disclosure.count(children, controlled=controlled),
        "missing": disclosure.count(sum(1 for _, m in per_child if m), controlled=controlled),
        "away": disclosure.count(sum(1 for n, m in per_child if n > m), controlled=controlled),
        "episodes": disclosure.count(sum(n for n, _ in per_child), controlled=controlled),
        "repeat": disclosure.count(repeat, controlled=controlled),
        "repeat_rate": disclosure.rate(repeat, children, controlled=controlled),
    }


def durations(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, int | None]:
    """How long the episodes that began in the period lasted, by band; those still open apart."""
    counted = {band: 0 for band, _, _ in DURATIONS} | {STILL_OPEN[0]: 0}
    for row in _episode_cube(scope, since, until):
        counted[row["band"]] += row["n"]
    return disclosure.cells(counted, controlled=scope.controlled)


def time_of_day(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, int | None]:
    """Episodes by the three-hour band of the London clock they began in."""
    bands = {label: 0 for _, label in HOUR_BANDS}
    for row in _episode_cube(scope, since, until):
        bands[HOUR_BANDS[row["hour"] // 3][1]] += row["n"]
    return disclosure.cells(bands, controlled=scope.controlled)


def _placements(scope: Scope, since: datetime.date, until: datetime.date) -> list[tuple[str | None, str, int]]:
    """(placement type, in / out of the responsible council's area / unknown, episodes), by the
    placement current on the London day each episode began (episode_rows). An episode begun with no
    placement current (a gap in the record) has no type and no place."""
    counted = Counter((row.placement_type, row.placement_where) for row in episode_rows(scope, since, until))
    return [(code, where, n) for (code, where), n in counted.items()]


def placements(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, dict]:
    """Two figures from one look-up of the placement each episode began in: episodes by kind of
    placement, and episodes in placements outside the area of the council looking after the child
    (children.models.Placement.out_of_area) with their share of those whose place is known."""
    group_of = {code: label for label, codes in PLACEMENT_GROUPS for code in codes}
    groups = {label: 0 for label, _ in PLACEMENT_GROUPS} | {OTHER_PLACEMENT: 0}
    places = {"in": 0, "out": 0, "unknown": 0}
    for code, where, n in _placements(scope, since, until):
        groups[group_of.get(code, OTHER_PLACEMENT)] += n
        places[where] += n
    controlled = scope.controlled
    return {
        "types": disclosure.cells(groups, controlled=controlled),
        "out_of_area": {
            **disclosure.cells(places, controlled=controlled),
            "share": disclosure.rate(places["out"], places["in"] + places["out"], controlled=controlled),
        },
    }


def return_interviews(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, int | float | None]:
    """For episodes that began in the period and have ended: interviews offered, held, held within
    72 hours of the return and declined (DfE 2014 guidance: offered after every return, within 72h)."""
    states: dict[str, int] = {"none": 0, "offered": 0, "declined": 0, "held_late": 0, "held_in_72_hours": 0}
    for row in _episode_cube(scope, since, until):
        if row["band"] != STILL_OPEN[0]:
            states[row["interview"]] += row["n"]
    held = states["held_late"] + states["held_in_72_hours"]
    counted = {
        "returned": sum(states.values()),
        "offered": held + states["declined"] + states["offered"],
        "held": held,
        "held_in_72_hours": states["held_in_72_hours"],
        "declined": states["declined"],
    }
    controlled, returned = scope.controlled, counted["returned"]
    return {
        **{key: disclosure.count(value, controlled=controlled) for key, value in counted.items()},
        "offered_rate": disclosure.rate(counted["offered"], returned, controlled=controlled),
        "held_in_72_hours_rate": disclosure.rate(counted["held_in_72_hours"], returned, controlled=controlled),
    }


def one_count(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, int | None]:
    """The one count (reporting.selectors) over the dashboard's units: known to both, police only,
    council only. Units about children the viewer cannot see stay "not yet identified" (_units)."""
    counted = dict(scope.units(since, until).values_list("seen_known").annotate(n=Count("id")).order_by())
    figures = {key: counted.get(key, 0) for key in (Known.BOTH, Known.POLICE_ONLY, Known.COUNCIL_ONLY)}
    shown = disclosure.cells(figures, controlled=scope.controlled)
    return {
        **{str(key): value for key, value in shown.items()},
        "combined": disclosure.count(sum(figures.values()), controlled=scope.controlled),
    }


def has_dashboards(user) -> bool:
    """Whether to offer the dashboards link: dashboards_for without its query, for every page's menu."""
    return user.agency_id is not None and (
        sees_national_figures(user) or user.agency.kind in (AgencyKind.LOCAL_AUTHORITY, AgencyKind.POLICE)
    )


def dashboard_figures(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict:
    """Every figure the page shows, each disclosure-controlled as the scope requires."""
    from homeward.reporting.disproportionality import disproportionality

    span = {"scope": scope, "since": since, "until": until}
    return {
        "months": episodes_by_month(**span),
        "children": children_missing(**span),
        "durations": durations(**span),
        "time_of_day": time_of_day(**span),
        "placements": placements(**span),
        "return_interviews": return_interviews(**span),
        "one_count": one_count(**span),
        "fairness": disproportionality(**span),
    }
