"""The risk rules: for one child, which flags their record's facts raise, each with the facts named.

Pure over what `facts_for` reads: no writes, no access checks (the services call this for a child
whose record a permitted write has just changed). Each rule returns a Finding when its facts hold:

| flag | raised when (defaults; each council's own in alerts.NotificationSettings / SafeguardingSettings) |
|---|---|
| repeat missing | N episodes starting within D days, for any threshold (3 in 30 days, 3 in 90 days) |
| missing overnight | still missing at the end of a night (06:00 Europe/London) having gone during it or before |
| missing over 24 hours | an episode longer than 24 hours (still open and past 24 hours counts) |
| aged 13 or under | an episode that started when the child was 13 or under |
| exploitation location | last seen, last known, sighted or found at a place on the location risk register (an entry by an agency entitled to see the child: exploitation_location) |
| exploitation disclosed | a return interview recorded exploitation indicators |
| screening | the latest exploitation screening is moderate or significant |

Episodes of both kinds (missing and away) count: the DfE and Ofsted count both.

A flag is not lowered because time passes: the rules read the whole record, so a fact once true stays
true and a flag stays raised until a person clears it (the Oxford case: a girl missing 126 times in
15 months stays flagged throughout). A rule's finding goes away only when its facts are withdrawn: a
later screening graded below moderate, indicators removed from an interview, a register entry
withdrawn as entered in error. Then the service lowers the flag.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from homeward import dates
from homeward.children.models import Child
from homeward.episodes.models import EXPLOITATION_INDICATORS, Episode, EpisodeUpdate, UpdateKind
from homeward.safeguarding import screening
from homeward.safeguarding.models import AreaKind, FlagKind, LocationRisk, RiskFlag, SafeguardingSettings, Screening

LIST_AT_MOST = 10  # episodes named one by one in an explanation; the facts keep them all


@dataclass
class Finding:
    kind: str
    explanation: str
    facts: dict
    evidence: list[str]  # stable keys of the facts ("episode:12"): new keys are new facts


@dataclass
class EpisodeFacts:
    """What the rules read of one episode: a plain row, not a model (they read every episode of the
    child on every event, and the Oxford girl had 126)."""

    pk: int
    started_at: datetime.datetime
    returned_at: datetime.datetime | None
    last_seen_postcode: str
    last_seen_location: str
    last_known_postcode: str
    last_known_location: str
    return_postcode: str
    return_place: str
    interview_id: int | None
    indicators: list[str]  # exploitation indicators recorded at its return interview
    held_at: datetime.datetime | None  # when that interview was held
    sightings: list[tuple[str, str, datetime.datetime]] = field(default_factory=list)  # (postcode, place, at)


EPISODE_COLUMNS = [
    "pk",
    "started_at",
    "returned_at",
    "last_seen_postcode",
    "last_seen_location",
    "last_known_postcode",
    "last_known_location",
    "return_postcode",
    "return_place",
    "return_interview__id",
    "return_interview__exploitation_indicators",
    "return_interview__held_at",
]


@dataclass
class ChildFacts:
    child: Child
    episodes: list[EpisodeFacts]  # oldest first
    latest_screening: Screening | None
    register: list[LocationRisk]  # entries not withdrawn
    settings: SafeguardingSettings
    repeat_thresholds: list[dict]  # [{"episodes": 3, "days": 30}, …]
    now: datetime.datetime
    not_holding: dict[str, str] = field(default_factory=dict)  # kind -> why its facts no longer hold
    # Register entries already counted for this child (in its location flag's evidence), and whether an
    # agency has a reason to see the child now (asked of the access function, only for entries that match).
    counted_before: set[int] = field(default_factory=set)
    agency_sees: Callable[[int], bool] = lambda agency_id: False


def facts_for(
    child: Child, *, settings: SafeguardingSettings, repeat_thresholds: list[dict], now: datetime.datetime
) -> ChildFacts:
    rows = Episode.objects.filter(child=child).order_by("started_at", "id").values_list(*EPISODE_COLUMNS)
    episodes = [EpisodeFacts(*row[:10], row[10] or [], row[11]) for row in rows]
    by_id = {e.pk: e for e in episodes}
    sightings = EpisodeUpdate.objects.filter(episode__child=child, kind=UpdateKind.SIGHTING).order_by("at", "id")
    for episode_id, postcode, place, at in sightings.values_list("episode_id", "postcode", "location", "at"):
        by_id[episode_id].sightings.append((postcode, place, at))
    latest = Screening.objects.filter(child=child).order_by("-screened_at", "-id").first()
    register = list(
        LocationRisk.objects.filter(withdrawn_at__isnull=True, starts_on__lte=timezone.localdate(now)).exclude(
            area_kind=AreaKind.HOME
        )
    )
    counted = (
        RiskFlag.objects.filter(child=child, kind=FlagKind.EXPLOITATION_LOCATION)
        .values_list("evidence", flat=True)
        .first()
    )
    counted_before = {int(key.rsplit(":", 1)[1]) for key in counted or [] if ":location:" in key}
    return ChildFacts(
        child,
        episodes,
        latest,
        register,
        settings,
        repeat_thresholds,
        now,
        counted_before=counted_before,
        agency_sees=_agency_sees(child),
    )


def _agency_sees(child: Child) -> Callable[[int], bool]:
    from homeward.safeguarding.selectors import agency_may_see_child

    answers: dict[int, bool] = {}

    def sees(agency_id: int) -> bool:
        if agency_id not in answers:
            answers[agency_id] = agency_may_see_child(agency_id, child.pk)
        return answers[agency_id]

    return sees


def evaluate(facts: ChildFacts) -> dict[str, Finding]:
    """Every rule's finding, by flag kind; a kind is absent when its facts do not hold."""
    findings = {}
    for kind, rule in RULES.items():
        found = rule(facts)
        if found is not None:
            findings[kind] = found
    return findings


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------


def day(value: datetime.datetime | datetime.date) -> str:
    return dates.when(value, date_only=True)


def moment(value: datetime.datetime) -> str:
    return dates.when(value)


def _episodes_named(episodes: list[EpisodeFacts]) -> str:
    shown = episodes[-LIST_AT_MOST:]
    earlier = len(episodes) - len(shown)
    dates = ", ".join(day(e.started_at) for e in shown)
    ids = ", ".join(f"#{e.pk}" for e in shown)
    more = f" and {earlier} earlier" if earlier else ""
    return f"{dates}{more} (episode{'s' if len(episodes) > 1 else ''} {ids}{more})"


def _end(episode: EpisodeFacts, now: datetime.datetime) -> datetime.datetime:
    return episode.returned_at or now


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------


def repeat_missing(facts: ChildFacts) -> Finding | None:
    """N or more episodes starting within D days (the latest such run for each threshold)."""
    episodes = facts.episodes
    met = []
    for threshold in sorted(facts.repeat_thresholds, key=lambda t: (t["days"], t["episodes"])):
        n, days = threshold["episodes"], threshold["days"]
        span = datetime.timedelta(days=days)
        run, first = None, 0
        for last, episode in enumerate(episodes):
            while episodes[first].started_at <= episode.started_at - span:
                first += 1
            if last - first + 1 >= n:
                run = episodes[first : last + 1]
        if run:
            met.append((n, days, run))
    if not met:
        return None
    lines, thresholds, evidence = [], [], set()
    for n, days, run in met:
        lines.append(f"{len(run)} episodes in {days} days ({n} or more raise this flag): {_episodes_named(run)}.")
        thresholds.append(
            {
                "episodes": n,
                "days": days,
                "episode_ids": [e.pk for e in run],
                "started": [e.started_at.isoformat() for e in run],
            }
        )
        evidence.update(f"episode:{e.pk}" for e in run)
    return Finding(
        FlagKind.REPEAT_MISSING,
        "\n".join(lines),
        {"thresholds": thresholds, "episodes_on_record": len(episodes)},
        sorted(evidence),
    )


def first_night_end_after(start: datetime.datetime, ends: datetime.time) -> datetime.datetime:
    local = timezone.localtime(start)
    tz = timezone.get_default_timezone()
    candidate = datetime.datetime.combine(local.date(), ends, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), ends, tzinfo=tz)
    return candidate


def missing_overnight(facts: ChildFacts) -> Finding | None:
    """Still missing when a night ended (06:00 Europe/London), having gone during it or before.
    Covers the episode spanning 22:00–06:00 and the child who left at 23:30 and was back at 09:00."""
    ends = facts.settings.night_ends
    found = []
    for episode in facts.episodes:
        night_end = first_night_end_after(episode.started_at, ends)
        if _end(episode, facts.now) >= night_end:
            found.append((episode, night_end))
    if not found:
        return None
    shown = found[-LIST_AT_MOST:]
    words = "; ".join(f"from {moment(e.started_at)}, still missing at {moment(n)} (episode #{e.pk})" for e, n in shown)
    more = f"; and {len(found) - len(shown)} earlier" if len(found) > len(shown) else ""
    return Finding(
        FlagKind.MISSING_OVERNIGHT,
        f"Missing overnight {len(found)} time{'s' if len(found) > 1 else ''}: {words}{more}.",
        {"night_ends": ends.strftime("%H:%M"), "episode_ids": [e.pk for e, _ in found]},
        [f"episode:{e.pk}" for e, _ in found],
    )


def missing_over_hours(facts: ChildFacts) -> Finding | None:
    hours = facts.settings.long_missing_hours
    limit = datetime.timedelta(hours=hours)
    found = [e for e in facts.episodes if _end(e, facts.now) - e.started_at > limit]
    if not found:
        return None
    shown = found[-LIST_AT_MOST:]

    def words(e: EpisodeFacts) -> str:
        length = _end(e, facts.now) - e.started_at
        total_hours = int(length.total_seconds() // 3600)
        state = "so far, still missing" if e.returned_at is None else f"back {moment(e.returned_at)}"
        return f"{total_hours} hours from {moment(e.started_at)} ({state}; episode #{e.pk})"

    more = f"; and {len(found) - len(shown)} earlier" if len(found) > len(shown) else ""
    return Finding(
        FlagKind.MISSING_OVER_24_HOURS,
        f"Missing for more than {hours} hours {len(found)} time{'s' if len(found) > 1 else ''}: "
        f"{'; '.join(words(e) for e in shown)}{more}.",
        {"hours": hours, "episode_ids": [e.pk for e in found]},
        [f"episode:{e.pk}" for e in found],
    )


def young_child(facts: ChildFacts) -> Finding | None:
    # Many forces never grade a child aged 13 or under as "no apparent risk" (domain.md, police side).
    limit = facts.settings.young_child_max_age
    found = [(e, facts.child.age_on(timezone.localtime(e.started_at).date())) for e in facts.episodes]
    found = [(e, age) for e, age in found if age <= limit]
    if not found:
        return None
    shown = found[-LIST_AT_MOST:]
    words = ", ".join(f"aged {age} on {day(e.started_at)} (episode #{e.pk})" for e, age in shown)
    more = f", and {len(found) - len(shown)} earlier" if len(found) > len(shown) else ""
    return Finding(
        FlagKind.YOUNG_CHILD,
        f"Aged {limit} or under when missing or away {len(found)} time{'s' if len(found) > 1 else ''}: {words}{more}.",
        {"max_age": limit, "episodes": [{"id": e.pk, "age": age} for e, age in found]},
        [f"episode:{e.pk}" for e, _ in found],
    )


def _places(episode: EpisodeFacts) -> list[tuple[str, str, str, datetime.datetime]]:
    """(what, postcode, place words, when) for every place the episode records."""
    # Last known is the last-seen place or the latest sighting's: it comes last, so that a match is
    # named by what happened there.
    places = [("Last seen", episode.last_seen_postcode, episode.last_seen_location, episode.started_at)]
    places += [("Seen", postcode, place, at) for postcode, place, at in episode.sightings]
    if episode.returned_at is not None:
        places.append(("Found or returned", episode.return_postcode, episode.return_place, episode.returned_at))
    places.append(("Last known to be", episode.last_known_postcode, episode.last_known_location, episode.started_at))
    return places


def _matches(entry: LocationRisk, postcode: str, words: str) -> bool:
    if entry.area_kind == AreaKind.HOME:
        return False  # a concern about a home is for placement decisions (models.AreaKind.HOME)
    if entry.area_kind == AreaKind.PLACE:
        return bool(words) and re.search(rf"\b{re.escape(entry.area)}\b", words, re.IGNORECASE) is not None
    if not postcode:
        return False
    if entry.area_kind == AreaKind.POSTCODE:
        return postcode == entry.area
    if entry.area_kind == AreaKind.SECTOR:
        return postcode[:-2] == entry.area
    return postcode.split(" ")[0] == entry.area


def counts_for(entry: LocationRisk, facts: ChildFacts) -> bool:
    """Whether a register entry may count on this child's record: an entry writes to a child's record
    only if the agency that added it may see the child (trust issue, item 2).

    It counts when it was added by the council that looks after the child; or by an agency with a
    reason to see the child now (agencies.access: the host council or police force of the placement,
    the force where an open episode was last known); or when it has counted for this child before (its
    key is in the child's location flag's evidence), so that a flag does not fall when a placement
    ends and the agency's reason lapses: a fact once true stays true. Any other agency's entry is not
    this rule's to apply: the service tells the child's council instead, which decides, and raises the
    flag itself (services.risk_flag_raise) if it judges the entry concerns the child."""
    return (
        entry.agency_id == facts.child.responsible_authority_id
        or entry.pk in facts.counted_before
        or facts.agency_sees(entry.agency_id)
    )


def exploitation_location(facts: ChildFacts) -> Finding | None:
    """A place the episode records matches a register entry that was in force then or is now (a place
    found to be a hotspot after the child was seen there still says something about the child), and
    that may count for the child (counts_for)."""
    found, seen = [], set()
    for episode in facts.episodes:
        started = timezone.localtime(episode.started_at).date()
        entries = [r for r in facts.register if r.expires_on is None or r.expires_on > started]
        for what, postcode, words, at in _places(episode):
            for entry in entries:
                key = f"episode:{episode.pk}:location:{entry.pk}"
                if key not in seen and _matches(entry, postcode, words) and counts_for(entry, facts):
                    seen.add(key)
                    found.append((episode, what, postcode or words, at, entry, key))
    if not found:
        return None
    shown = found[-LIST_AT_MOST:]
    words = "; ".join(
        f"{what.lower()} at {place} on {day(at)} (episode #{e.pk}): {entry.get_kind_display().lower()} "
        f"({entry.get_area_kind_display().lower()} {entry.area} on the register)"
        for e, what, place, at, entry, _ in shown
    )
    more = f"; and {len(found) - len(shown)} earlier" if len(found) > len(shown) else ""
    return Finding(
        FlagKind.EXPLOITATION_LOCATION,
        f"{words[0].upper()}{words[1:]}{more}.",
        {
            "matches": [
                {
                    "episode_id": e.pk,
                    "where": what,
                    "place": place,
                    "at": at.isoformat(),
                    "register_id": entry.pk,
                    "kind": entry.kind,
                }
                for e, what, place, at, entry, _ in found
            ]
        },
        [key for *_, key in found],
    )


def exploitation_disclosed(facts: ChildFacts) -> Finding | None:
    """Indicators recorded at a return interview. The explanation counts them without naming them:
    the findings are for the service, the responsible authority and inspectors (episodes.rules);
    the facts keep the codes for the pages to show to those who may see them."""
    found = [e for e in facts.episodes if e.indicators]
    if not found:
        return None
    shown = found[-LIST_AT_MOST:]

    def words(e: EpisodeFacts) -> str:
        n = len(e.indicators)
        held = f"held {day(e.held_at)}" if e.held_at else "recorded"
        return f"{n} indicator{'s' if n > 1 else ''} at the interview {held} after episode #{e.pk}"

    more = f"; and {len(found) - len(shown)} earlier" if len(found) > len(shown) else ""
    return Finding(
        FlagKind.EXPLOITATION_DISCLOSED,
        f"Exploitation indicators disclosed: {'; '.join(words(e) for e in shown)}{more}.",
        {
            "interviews": [
                {
                    "episode_id": e.pk,
                    "interview_id": e.interview_id,
                    "held_at": e.held_at.isoformat() if e.held_at else None,
                    "indicators": list(e.indicators),
                }
                for e in found
            ]
        },
        [f"interview:{e.interview_id}:{code}" for e in found for code in e.indicators],
    )


def screening_moderate(facts: ChildFacts) -> Finding | None:
    latest = facts.latest_screening
    if latest is None:
        return None
    label = screening.Band(latest.band).label.lower()
    if not screening.at_least(latest.band, screening.Band.MODERATE):
        facts.not_holding[FlagKind.SCREENING] = (
            f"The latest screening, on {day(latest.screened_at)}, graded {label} (score {latest.score})."
        )
        return None
    return Finding(
        FlagKind.SCREENING,
        f"Exploitation screening on {day(latest.screened_at)} graded {label} (score {latest.score}); "
        f"reassessment due {day(latest.reassess_due)}.",
        {
            "screening_id": latest.pk,
            "band": latest.band,
            "score": latest.score,
            "drivers": [d["code"] for d in latest.drivers],
        },
        [f"screening:{latest.pk}"],
    )


RULES: dict[str, Callable[[ChildFacts], Finding | None]] = {
    FlagKind.REPEAT_MISSING: repeat_missing,
    FlagKind.MISSING_OVERNIGHT: missing_overnight,
    FlagKind.MISSING_OVER_24_HOURS: missing_over_hours,
    FlagKind.YOUNG_CHILD: young_child,
    FlagKind.EXPLOITATION_LOCATION: exploitation_location,
    FlagKind.EXPLOITATION_DISCLOSED: exploitation_disclosed,
    FlagKind.SCREENING: screening_moderate,
}

INDICATOR_LABELS = EXPLOITATION_INDICATORS  # for pages showing the codes in a flag's facts
