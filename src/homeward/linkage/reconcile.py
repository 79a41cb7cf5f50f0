"""Episode reconciliation: which police report and which council episode describe the same absence,
and, for each that has no partner, the likely reason (issue 5, item 5).

Pure Python over plain records (no Django): the service (linkage.services) and the benchmark call
the same function. A report pairs with an episode of the child it is linked to:

1. by reference: the force's reference is already on the episode (the police added it in Homeward);
2. by time: the report's time (last seen, else reported) falls in the episode. SSDA903 periods
   carry dates only, so such an episode runs from the start of its first day to the end of its
   last. Failing that, the report may fall just outside: up to EARLY_SLACK before the start (the
   council recorded the day it heard, or the child left just before midnight) or, for a report
   whose only time is when it was made, up to LATE_SLACK after the end (a report made after the
   child was back). An episode containing the time beats one near it; then the nearer wins.

Several reports may pair with one episode (a second call, a second force): the absence counts once.
Reports of one child that pair with no episode, and overlap each other in time, are one police-only
absence. Everything is counted in units (`Unit`): an episode known to both, an episode known to the
council only, or an absence known to the police only.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

LONDON = zoneinfo.ZoneInfo("Europe/London")
EARLY_SLACK = datetime.timedelta(days=1)
LATE_SLACK = datetime.timedelta(days=1)
SHORT_ABSENCE = datetime.timedelta(hours=2)

BOTH, POLICE_ONLY, COUNCIL_ONLY = "both", "police_only", "council_only"

# The likely reason for each gap, as a coordinator would read it.
REASONS: dict[str, str] = {
    "away": "Recorded as away from placement (whereabouts known), so the police were not told.",
    "short": "Back within two hours, before the police needed to be told.",
    "not_reported": "Recorded as missing, but no police report of it has reached Homeward: check the force was told.",
    "no_apparent_risk": "The police graded it very low (no apparent risk); the council has no episode then.",
    "not_recorded": "The council has no episode of this child at this time.",
    "awaiting_review": "The report may be of a child in Homeward: a possible match is waiting for review.",
    "unidentified": (
        "Not yet identified as a child you may see: the person may not be looked after, may be looked "
        "after by a council elsewhere, or may be recorded too differently to match."
    ),
}
UNIDENTIFIED = "unidentified"


@dataclass(frozen=True, slots=True)
class EpisodeSpan:
    id: int
    child_id: int
    kind: str  # missing or away
    started_at: datetime.datetime
    returned_at: datetime.datetime | None
    police_references: frozenset[tuple[int, str]] = frozenset()  # (force id, reference)
    date_only: bool = False  # from an SSDA903 return: the times are local midnights


@dataclass(frozen=True, slots=True)
class ReportSpan:
    id: int
    child_id: int | None
    force_id: int
    reference: str
    at: datetime.datetime  # last seen, else reported
    risk_grade: str  # the first grade the police gave
    at_is_reported: bool = False  # `at` is when the report was made (no last-seen time)
    awaiting_review: bool = False
    likely_child_id: int | None = None  # awaiting review: the best candidate, whose council is told


@dataclass
class Unit:
    known: str
    reason: str  # a key of REASONS, "" when known to both
    child_id: int | None
    episode_id: int | None
    report_ids: list[int] = field(default_factory=list)
    started_at: datetime.datetime | None = None
    force_id: int | None = None  # the force of the report(s); None for council-only


@dataclass
class Reconciliation:
    pairs: dict[int, int]  # report id -> episode id
    units: list[Unit]


def _span(e: EpisodeSpan, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = e.started_at, e.returned_at or now
    if e.date_only:
        day_end = datetime.datetime.combine(
            end.astimezone(LONDON).date() + datetime.timedelta(days=1), datetime.time(), LONDON
        )
        end = max(end, day_end)
    return start, end


def fit(e: EpisodeSpan, r: ReportSpan, now: datetime.datetime) -> tuple[float, float] | None:
    """(how far outside the episode the report falls, how far from its start) in seconds, or None
    when it is too far to be the same absence."""
    start, end = _span(e, now)
    if r.at < start:
        outside = (start - r.at).total_seconds()
        if outside > EARLY_SLACK.total_seconds():
            return None
    elif r.at > end:
        outside = (r.at - end).total_seconds()
        if not r.at_is_reported or outside > LATE_SLACK.total_seconds():
            return None
    else:
        outside = 0.0
    return outside, abs((r.at - e.started_at).total_seconds())


def fits_in_time(
    episodes: Sequence[EpisodeSpan], reports: Sequence[ReportSpan], *, now: datetime.datetime
) -> Callable[[int, int], bool]:
    """fits(report id, child id): did that child have an episode at the report's time? For linkage,
    which asks it of children the report only weakly resembles (linkage.reports)."""
    by_child: dict[int, list[EpisodeSpan]] = defaultdict(list)
    for e in episodes:
        by_child[e.child_id].append(e)
    at = {r.id: r for r in reports}

    def fits(report_id: int, child_id: int) -> bool:
        report = at.get(report_id)
        return report is not None and any(fit(e, report, now) is not None for e in by_child.get(child_id, ()))

    return fits


def reconcile(
    *, episodes: Sequence[EpisodeSpan], reports: Sequence[ReportSpan], now: datetime.datetime
) -> Reconciliation:
    by_child: dict[int, list[EpisodeSpan]] = defaultdict(list)
    by_reference: dict[tuple[int, str], EpisodeSpan] = {}
    for e in episodes:
        by_child[e.child_id].append(e)
        for ref in e.police_references:
            by_reference[ref] = e
    pairs: dict[int, int] = {}
    unpaired: list[ReportSpan] = []
    for r in sorted(reports, key=lambda r: (r.at, r.id)):
        episode = by_reference.get((r.force_id, r.reference))
        if episode is None and r.child_id is not None:
            fits = [(found, e.id, e) for e in by_child.get(r.child_id, ()) if (found := fit(e, r, now)) is not None]
            if fits:
                episode = min(fits, key=lambda f: (f[0], f[1]))[2]
        if episode is not None:
            pairs[r.id] = episode.id
        else:
            unpaired.append(r)

    units: list[Unit] = []
    reports_of: dict[int, list[int]] = defaultdict(list)
    forces_of: dict[int, int] = {}
    for r in reports:
        if r.id in pairs:
            reports_of[pairs[r.id]].append(r.id)
            forces_of.setdefault(pairs[r.id], r.force_id)
    for e in sorted(episodes, key=lambda e: (e.started_at, e.id)):
        if reports_of.get(e.id) or e.police_references:
            units.append(
                Unit(
                    BOTH,
                    "",
                    e.child_id,
                    e.id,
                    sorted(reports_of.get(e.id, [])),
                    e.started_at,
                    forces_of.get(e.id) or min((f for f, _ in e.police_references), default=None),
                )
            )
        else:
            units.append(Unit(COUNCIL_ONLY, _council_only_reason(e), e.child_id, e.id, [], e.started_at, None))
    units.extend(_police_only_units(unpaired))
    return Reconciliation(pairs=pairs, units=units)


def _council_only_reason(e: EpisodeSpan) -> str:
    if e.kind == "away":
        return "away"
    if e.returned_at is not None and not e.date_only and e.returned_at - e.started_at <= SHORT_ABSENCE:
        return "short"
    return "not_reported"


def _police_only_units(reports: Iterable[ReportSpan]) -> list[Unit]:
    """Unpaired reports, one unit per absence: a linked child's reports within a day of each other
    are one absence; a report of no known child is its own."""
    units: list[Unit] = []
    open_unit: dict[int, tuple[Unit, datetime.datetime]] = {}
    for r in sorted(reports, key=lambda r: (r.at, r.id)):
        if r.child_id is not None:
            known = open_unit.get(r.child_id)
            if known is not None and r.at - known[1] <= datetime.timedelta(days=1):
                known[0].report_ids.append(r.id)
                open_unit[r.child_id] = (known[0], r.at)
                continue
            reason = "no_apparent_risk" if r.risk_grade == "no_apparent_risk" else "not_recorded"
            child_id = r.child_id
        else:
            reason = "awaiting_review" if r.awaiting_review else UNIDENTIFIED
            # Counted with the likeliest child's council until someone decides, so that council
            # sees there is a report to check.
            child_id = r.likely_child_id if r.awaiting_review else None
        unit = Unit(POLICE_ONLY, reason, child_id, None, [r.id], r.at, r.force_id)
        units.append(unit)
        if r.child_id is not None:
            open_unit[r.child_id] = (unit, r.at)
    return units
