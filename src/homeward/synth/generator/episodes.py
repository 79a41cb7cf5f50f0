"""The step that makes each child's missing and away episodes and everything that follows them."""

import datetime
import hashlib
import itertools
import math
import random
import zoneinfo
from bisect import bisect_right
from collections import Counter, defaultdict

from homeward.places import reference
from homeward.synth.geography import Geography
from homeward.synth.generator.records import (
    Child,
    Episode,
    EpisodeNote,
    KindChange,
    Placement,
    ReturnInterview,
    RiskGrading,
    World,
)
from homeward.synth.generator.calibration import _family
from homeward.synth.generator.drawing import _age_on, _birthday, lookup_postcode


LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
_MINUTES_PER_YEAR = 365.25 * 24 * 60
_DAY = 24 * 60

# Who goes missing, and how often (domain.md "National figures": about 11% of looked-after children
# go missing in a year, 6-7 incidents each, two thirds of them more than once, some dozens of times;
# about half of incidents from children's homes and semi-independent placements, which hold about a
# seventh of the children; 55% of incidents start at 16 or over, 44% at 10-15, under 0.2% below 10).
# A child's episodes are a Poisson process whose rate is the child's own tendency (lasting across
# years) times a factor for age and one for the kind of placement. For over a third of children the
# tendency is 0; the rest draw it from one of two gamma distributions (share of all children, shape,
# mean episodes a year): children who might go once in a while (most never do), and children who go
# repeatedly, whose long tail gives the few missing dozens of times a year. Tuned on a world of
# 85,000 children: 11% of the 117,000 looked after in the year go missing, 6.5 times each.
TENDENCIES: tuple[tuple[float, float, float], ...] = ((0.45, 1.0, 0.2), (0.175, 2.4, 11.7))
AGE_RATE: dict[int, float] = {
    **dict.fromkeys(range(0, 8), 0.0),
    8: 0.002,
    9: 0.006,
    10: 0.05,
    11: 0.12,
    12: 0.22,
    13: 0.5,
    14: 0.8,
    15: 0.95,
    16: 0.92,
    17: 0.85,
}
PLACEMENT_RATE: dict[str, float] = {
    "home": 2.6,
    "supported": 2.6,
    "secure": 0.6,
    "foster": 1.0,
    "parents": 1.2,
    "adoption": 0.05,
    "other": 0.9,
}
# Missing and away (DfE: "away" is undercounted by a fifth or more because many councils record every
# incident as missing). Each council's own practice: its share of incidents recorded as away.
AWAY_PRACTICE: tuple[tuple[float, float], ...] = ((0.25, 0.03), (0.75, 0.28))  # (share of councils, away share)
# How long (about 90% of incidents last 2 days or less): lognormal hours, and a small share of long
# absences (weeks or months) that leave children still missing on the snapshot day (DfE: about 220
# still missing and 60 still away at 31 March).
DURATION_HOURS = {"missing": (7.0, 1.35), "away": (5.0, 1.15)}  # median, sigma
LONG_ABSENCE = {"missing": (0.012, 40.0), "away": (0.012, 20.0)}  # share, mean extra days
# A week gone: the council's note that marks a long-term absence (tests/synth find them by it).
LONG_TERM_AFTER = 7 * 24 * 60  # minutes
LONG_TERM_NOTE = {
    "missing": "Long-term missing: not found after seven days. A long-term plan is agreed with the police; "
    "strategy meetings continue until the child is found.",
    "away": "Long-term away: away from the placement for more than seven days, whereabouts known. "
    "The plan for the child's return is reviewed each week.",
}
# Reported within minutes or hours; some are recorded days later, after the child is back.
REPORT_DELAY_MINUTES = (35.0, 1.0)
LATE_REPORT = (0.04, 1.5)  # share, median days
# The police are told of nearly every "missing" incident and a few "away" ones, and grade risk
# (APP 2017). Initial grades of missing children (roughly: absent / no apparent risk 20%, low 35%,
# medium 38%, high 7%); many forces never grade a child of 13 or under as no apparent risk.
POLICE_TOLD = {"missing": 0.95, "away": 0.06}
RISK_GRADES = ("no_apparent_risk", "low", "medium", "high")
INITIAL_GRADE = {"missing": (24, 33, 36, 7), "away": (75, 25, 0, 0)}  # 13-and-under move "no apparent risk" to low
REGRADE_SHARE = 0.22
# Return home interviews: each council's offer rate (from under 30% to over 90%); about 63% of
# those held are held within 72 hours of the return.
OFFER_RATE_RANGE = (0.22, 0.97)
INTERVIEW_OUTCOME = {"declined": 0.27, "held_when_offered": 0.30, "accepted": 0.43}
# Why a declined interview was declined (episodes.models.DeclineReason; "other" needs words of its
# own, which the world does not write). Drawn from a stream of its own, so the rest of the world is
# the same as before reasons were drawn.
DECLINE_REASONS = {"did_not_want": 0.5, "trusted_adult": 0.2, "not_independent": 0.12, "not_reached": 0.18}
# Local hour at which episodes start: few in the small hours, most in the afternoon and evening.
_START_HOURS = (2, 1.5, 1, 0.7, 0.5, 0.5, 0.6, 1, 1.5, 2, 2.2, 2.5, 2.8, 3, 3.5, 4.5, 5.5, 6, 6.5, 6.5, 6, 5, 4, 3)
_CUM_START_HOURS = list(itertools.accumulate(_START_HOURS))


def episode_window(
    as_at: datetime.date, years: int, until: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC moments the episodes run between: midnight (Europe/London) `years` years before the
    end of the snapshot day, to the end of that day, or to `until` on it (a world up to now)."""
    end_day = as_at + datetime.timedelta(days=1)
    try:
        start_day = end_day.replace(year=end_day.year - years)
    except ValueError:  # 29 February
        start_day = end_day.replace(year=end_day.year - years, day=28)

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), LONDON).astimezone(UTC)

    return midnight(start_day), (until.astimezone(UTC) if until else midnight(end_day))


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


_CLOTHES_COLOURS = "black grey navy white red blue green khaki burgundy pink beige".split()
_CLOTHES_TOPS = (
    "hoodie",
    "puffer jacket",
    "tracksuit top",
    "school blazer",
    "denim jacket",
    "T-shirt",
    "coat",
    "sweatshirt",
)
_CLOTHES_BOTTOMS = ("jeans", "tracksuit bottoms", "leggings", "school trousers", "joggers", "skirt", "shorts")
_CLOTHES_SHOES = ("white trainers", "black trainers", "sliders", "school shoes", "boots", "grey trainers")
_CIRCUMSTANCES = (
    "Left after an argument with staff about phone use.",
    "Did not return from school at the expected time.",
    "Went out to meet friends and did not come back by the agreed time.",
    "Left the placement during the night; bed found empty at the morning check.",
    "Seen getting into a car driven by an adult not known to staff.",
    "Walked out after a family contact visit was cancelled.",
    "Said they were going to the shop and did not come back.",
    "Left after receiving several calls from an unknown number.",
    "Did not return after an agreed hour of free time.",
    "Ran off when staff tried to talk about a missed appointment.",
)
_AWAY_CIRCUMSTANCES = (
    "Known to be at a friend's house; refusing to come back tonight.",
    "Staying at a parent's address without agreement.",
    "At a boyfriend's house; address known to staff.",
    "At a relative's home; carer has spoken to the young person by phone.",
    "Out with friends in town past the agreed time; in contact by phone.",
)
_ELSEWHERE = (
    "School",
    "Town centre",
    "Bus station",
    "Train station",
    "Shopping centre",
    "Park",
    "Friend's address",
    "Fast food restaurant",
    "Leisure centre",
    "College",
)
_SIGHTINGS = (
    "Seen by a member of the public",
    "Seen on CCTV",
    "Seen by a friend's parent",
    "Seen by police patrol",
    "Seen by school staff",
    "Posted a photo online from here",
)
_FOUND_PLACES = (
    "Address of an adult known to police",
    "Railway station",
    "Town centre",
    "Park",
    "Friend's address",
    "Shopping centre",
    "Hospital",
    "Flat of an older associate",
)
_FAMILY = ("Mother", "Father", "Aunt", "Grandmother", "Older sibling", "Friend's parent", "Uncle")
_GRADE_SOURCES = (
    "Initial report from the carer",
    "Call from placement staff",
    "Information from the social worker",
    "Review of missing history",
    "Sighting reported by a member of the public",
    "Enquiries at known addresses",
    "Intelligence checks",
    "Contact with the child by phone",
    "Information from a friend",
)
_GRADE_RATIONALE = {
    "no_apparent_risk": "Whereabouts believed known; no concerns raised.",
    "low": "No specific threat identified; history of returning of own accord.",
    "medium": "Known associates of concern; previous missing episodes; vulnerable to exploitation.",
    "high": "Immediate risk of serious harm: believed to be with adults linked to exploitation.",
}
_ENQUIRIES = (
    "Checked known friends' addresses; not there.",
    "Called the child's phone; no answer.",
    "Spoke to school; not seen today.",
    "Checked places frequented in the profile; not found.",
)
_NOTES = (
    "Social worker informed.",
    "Family contacted; no contact from the child.",
    "Strategy discussion to be considered if not found by the morning.",
    "Emergency duty team informed.",
)
_WHY_WENT = (
    "Wanted to see friends.",
    "Unhappy at the placement.",
    "Wanted to see family.",
    "Argument with staff.",
    "Pressured by older associates.",
    "Felt bored and restricted.",
    "Did not want to say.",
)
_WITH_WHOM = (
    "With friends from school.",
    "With a parent.",
    "With older associates; would not name them.",
    "Alone, mostly in town.",
    "With a boyfriend or girlfriend.",
    "With a cousin.",
)
_HARM = (
    "None disclosed.",
    "None disclosed.",
    "None disclosed.",
    "Cold and hungry; slept outside.",
    "Was in a fight.",
    "Given alcohol by adults.",
)
_HELP = (
    "More time with family.",
    "A say in house rules.",
    "Help with school.",
    "Someone to talk to.",
    "Support to stay away from certain people.",
    "A move nearer home.",
)
# Indicators disclosed at a return interview (codes of episodes.models.EXPLOITATION_INDICATORS).
_INDICATORS = (
    "older_controlling_adult",
    "unknown_adults_cars",
    "money_or_gifts",
    "exploitation_hotspot",
    "substance_misuse",
    "criminal_exploitation",
    "carrying_drugs_or_money",
    "peers_exploited",
    "online_grooming",
    "sexual_exploitation",
)


def _force_abbreviation(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split() if word not in {"and", "of", "the"}).upper()


class _Episodes:
    """Draws each child's episodes across the window, and what happens in each."""

    def __init__(self, world: World, geo: Geography, rng: random.Random) -> None:
        self.world, self.geo, self.rng = world, geo, rng
        self.decline_rng = random.Random(f"{world.seed}:decline-reasons")
        self.start, self.end = episode_window(world.as_at, world.years, world.until)
        self.span = (self.end - self.start).total_seconds() / 60  # the snapshot, in minutes from the start
        self.providers = {p.urn: p for p in world.providers}
        self.forces = dict(reference.police_forces())
        self._midnights: dict[datetime.date, float] = {}
        # Each council's practice: how much it records as away, and how often it offers an interview.
        self.away_share: dict[str, float] = {}
        self.offer_rate: dict[str, float] = {}
        low, high = OFFER_RATE_RANGE
        for code in sorted(geo.authorities):
            practice = rng.choices(AWAY_PRACTICE, weights=[share for share, _ in AWAY_PRACTICE])[0][1]
            self.away_share[code] = min(0.6, max(0.0, rng.gauss(practice, practice / 4)))
            self.offer_rate[code] = low + (high - low) * rng.betavariate(1.6, 0.9)

    # Time: minutes from the window's start (floats while drawing; whole minutes in the records).

    def minute_of(self, day: datetime.date) -> float:
        """Local midnight at the start of `day`."""
        found = self._midnights.get(day)
        if found is None:
            found = (datetime.datetime.combine(day, datetime.time(), LONDON) - self.start).total_seconds() / 60
            self._midnights[day] = found
        return found

    def at(self, minute: float) -> datetime.datetime:
        return self.start + datetime.timedelta(minutes=int(minute))

    def local_day(self, minute: float) -> datetime.date:
        return self.at(minute).astimezone(LONDON).date()

    # Places

    def force_of(self, postcode: str) -> str:
        return reference.force_for_authority(self.geo.host_authority(lookup_postcode(postcode)))

    def postcode_near(self, authority: str, *, far_share: float = 0.0, near_share: float = 0.0) -> str:
        """A postcode in the council's area, or in a council nearby or far away."""
        rng, roll = self.rng, self.rng.random()
        if roll < far_share + near_share:
            band = (50.0, 1000.0) if roll < far_share else (0.0, 50.0)
            candidates = self.geo.candidates(authority, *band)
            if candidates:
                weights = [self.geo.population[code] for code, _ in candidates]
                authority = rng.choices([code for code, _ in candidates], weights=weights)[0]
        return rng.choice(self.geo.postcodes[authority]).postcode

    # The child's episodes

    def child_episodes(self, child: Child, placements: list[Placement]) -> None:
        rng, roll = self.rng, self.rng.random()
        for share, shape, mean in TENDENCIES:
            if roll < share:
                tendency = rng.gammavariate(shape, mean / shape)
                break
            roll -= share
        else:
            return
        segments = self._segments(child, placements, tendency)
        t, i = 0.0, 0
        while i < len(segments):
            # The next start: walk the cumulative rate through the segments.
            need, start = rng.expovariate(1.0), None
            while i < len(segments):
                low, high, rate, placement, until = segments[i]
                t = max(t, low)
                if t < high and rate > 0:
                    available = (high - t) * rate
                    if need <= available:
                        start = t + need / rate
                        break
                    need -= available
                i += 1
            if start is None:
                return
            start = self._time_of_day(start, not_before=t, before=min(until - 30, self.span))
            if start >= until - 30:
                t = start + 60
                continue
            kind = "away" if rng.random() < self.away_share[child.responsible_authority] else "missing"
            duration = self._duration(kind)
            # The episode ends with the placement (SSDA903 rules 575/577); one that would end after
            # the snapshot is still open on the snapshot day.
            end: float | None = min(start + duration, until)
            if end >= self.span:
                end = None
            start, end = int(start), (None if end is None else max(int(start) + 5, int(end)))
            self._episode(child, placement, kind, start, end)
            if end is None:
                return
            t = end + 60 + rng.expovariate(1 / 360)

    def _segments(self, child: Child, placements: list[Placement], tendency: float) -> list[tuple]:
        """(from, to, rate per minute, placement, placement end) for each stretch of one placement at
        one age, within the window."""
        segments = []
        per_minute = tendency / _MINUTES_PER_YEAR
        for placement in placements:
            low = max(0.0, self.minute_of(placement.start_date))
            until = self.minute_of(placement.end_date) if placement.end_date else self.span + _DAY * 3650
            high = min(until, self.span)
            if high <= low:
                continue
            factor = PLACEMENT_RATE[_family(placement.placement_type)]
            age = _age_on(child.date_of_birth, self.local_day(low))
            while low < high:
                birthday = self.minute_of(_birthday(child.date_of_birth, age + 1))
                upto = min(high, birthday)
                segments.append((low, upto, per_minute * factor * AGE_RATE.get(age, AGE_RATE[17]), placement, until))
                low, age = upto, age + 1
        return segments

    def _time_of_day(self, start: float, *, not_before: float, before: float) -> float:
        """Move the start to a likely local hour on the same day, when that still fits."""
        day = self.local_day(start)
        hour = bisect_right(_CUM_START_HOURS, self.rng.random() * _CUM_START_HOURS[-1])
        moved = self.minute_of(day) + hour * 60 + self.rng.randrange(60)
        return moved if not_before <= moved < before else start

    def _duration(self, kind: str) -> float:
        share, mean_days = LONG_ABSENCE[kind]
        if self.rng.random() < share:
            return 2 * _DAY + self.rng.expovariate(1 / (mean_days * _DAY))
        median, sigma = DURATION_HOURS[kind]
        return max(5.0, _lognormal(self.rng, median * 60, sigma))

    def _episode(self, child: Child, placement: Placement, kind: str, start: int, end: int | None) -> None:
        rng, key = self.rng, (child.responsible_authority, child.la_child_id)
        snapshot = self.span - 1
        stop = snapshot if end is None else min(end, snapshot)  # nothing after the return or the snapshot
        age = _age_on(child.date_of_birth, self.local_day(start))
        family = _family(placement.placement_type)
        provider = self.providers.get(placement.urn) if placement.urn else None
        reporter = provider.urn if provider else child.responsible_authority
        placement_force = self.force_of(placement.placement_postcode)
        council = self.geo.host_authority(lookup_postcode(placement.placement_postcode))

        # Where last seen (Philomena Part B).
        roll = rng.random()
        if roll < 0.55:
            location = (
                provider.name
                if provider and family in {"home", "secure", "supported"}
                else ("Foster home" if family == "foster" else "Placement address")
            )
            postcode = placement.placement_postcode
        elif roll < 0.92:
            location, postcode = rng.choice(_ELSEWHERE), self.postcode_near(council)
        else:
            location, postcode = "Walking away from the placement", ""
        clothing = (
            f"{rng.choice(_CLOTHES_COLOURS)} {rng.choice(_CLOTHES_TOPS)}, {rng.choice(_CLOTHES_COLOURS)} "
            f"{rng.choice(_CLOTHES_BOTTOMS)}, {rng.choice(_CLOTHES_SHOES)}"
        )
        circumstances = rng.choice(_AWAY_CIRCUMSTANCES if kind == "away" else _CIRCUMSTANCES)
        out_of_character = rng.choices((None, False, True), weights=(25, 65, 10))[0]

        # Reported: within minutes or hours; a few days later, after the return.
        if rng.random() < LATE_REPORT[0]:
            delay = _lognormal(rng, LATE_REPORT[1] * _DAY, 0.6)
        else:
            delay = 2 + _lognormal(rng, *REPORT_DELAY_MINUTES)
        reported = int(min(start + delay, snapshot))

        # A switch between away and missing while the child is still gone.
        changes: list[tuple[int, str, str]] = []
        final_kind = kind
        length = (end if end is not None else self.span) - start
        if length > 120 and rng.random() < (0.06 if kind == "away" else 0.02):
            at = int(start + length * rng.uniform(0.15, 0.6))
            if reported < at < stop:
                final_kind = "missing" if kind == "away" else "away"
                changes.append((at, kind, final_kind))

        # The police: told soon after the report (or after the switch to missing), while the child is still gone.
        force = reference_ = ""
        police_at = None
        told_from = changes[0][0] if changes and final_kind == "missing" else reported
        told_kind = final_kind if changes and final_kind == "missing" else kind
        if rng.random() < POLICE_TOLD[told_kind]:
            at = int(told_from + 1 + _lognormal(rng, 8, 0.8))
            if at < stop:
                force, police_at = (self.force_of(postcode) if postcode else placement_force), at

        gradings = self._gradings(key, start, told_kind, age, force, police_at, stop) if police_at else []
        notes = self._notes(key, start, reported, stop, length, council, force, reporter)
        if length > LONG_TERM_AFTER and start + LONG_TERM_AFTER < stop:
            # The long absences above are meant: the record says so, as the council would, a week in.
            notes.append(
                EpisodeNote(
                    key[0],
                    key[1],
                    self.at(start),
                    self.at(start + LONG_TERM_AFTER),
                    "note",
                    key[0],
                    LONG_TERM_NOTE[final_kind],
                    "",
                    "",
                )
            )
            notes.sort(key=lambda note: note.at)

        return_how = found_by = return_place = return_postcode = recorded_by = closed_by = ""
        returned = safe_and_well = closed = None
        if end is not None:
            returned = self.at(end)
            return_how = rng.choices(
                ("own_accord", "police", "carer", "family", "other"),
                weights=(45, 25, 12, 13, 5) if force else (65, 0, 20, 12, 3),
            )[0]
            if return_how == "police":
                found_by = f"Officers of {self.forces[force]}"
                return_place = rng.choice(_FOUND_PLACES)
                return_postcode = self.postcode_near(council, near_share=0.25, far_share=0.12)
            elif return_how == "family":
                found_by, return_place, return_postcode = rng.choice(_FAMILY), "Family home", child.home_postcode
            elif return_how == "carer":
                found_by = "Placement staff" if provider else "Foster carer" if family == "foster" else "Carer"
                return_place, return_postcode = rng.choice(_ELSEWHERE), self.postcode_near(council)
            elif return_how == "other":
                found_by, return_place, return_postcode = "Member of the public", rng.choice(_ELSEWHERE), ""
            else:
                return_place, return_postcode = "Placement", placement.placement_postcode
            recorded_by = force if return_how == "police" and force else reporter
            recorded = int(min(end + _lognormal(rng, 40, 1.0), max(end, snapshot)))
            last = end
            if force and rng.random() < 0.9:
                at = end + _lognormal(rng, 6 * 60, 0.8)
                if at < snapshot:
                    safe_and_well, last = self.at(at), at
            if rng.random() < 0.85:
                at = last + _lognormal(rng, 2 * _DAY, 0.9)
                if at < snapshot:
                    closed, closed_by = self.at(at), force or child.responsible_authority
            self._interview(key, child.responsible_authority, start, end, recorded, snapshot)

        started = self.at(start)
        self.world.episodes.append(
            Episode(
                responsible_authority=key[0],
                la_child_id=key[1],
                started_at=started,
                kind=final_kind,
                reported_at=self.at(reported),
                reporting_agency=reporter,
                last_seen_location=location,
                last_seen_postcode=postcode,
                clothing=clothing,
                circumstances=circumstances,
                out_of_character=out_of_character,
                police_force=force,
                police_reference=reference_,
                police_reported_at=self.at(police_at) if police_at else None,
                returned_at=returned,
                return_how=return_how,
                found_by=found_by,
                return_place=return_place,
                return_postcode=return_postcode,
                return_recorded_by=recorded_by,
                safe_and_well_at=safe_and_well,
                closed_at=closed,
                closed_by=closed_by,
            )
        )
        self.world.kind_changes.extend(
            KindChange(key[0], key[1], started, self.at(at), from_kind, to_kind, reporter)
            for at, from_kind, to_kind in changes
        )
        self.world.risk_gradings.extend(gradings)
        self.world.episode_notes.extend(notes)

    def _gradings(
        self, key, start: int, kind: str, age: int, force: str, police_at: int, stop: float
    ) -> list[RiskGrading]:
        rng = self.rng
        grade = rng.choices(RISK_GRADES, weights=INITIAL_GRADE[kind])[0]
        if grade == "no_apparent_risk" and age <= 13 and kind == "missing":
            grade = "low"  # many forces never grade a child of 13 or under as no apparent risk
        at = police_at + min(_lognormal(rng, 20, 0.9), max(0.0, stop - police_at - 1))
        gradings = [
            RiskGrading(
                key[0],
                key[1],
                self.at(start),
                self.at(at),
                grade,
                force,
                rng.choice(_GRADE_SOURCES[:3]),
                _GRADE_RATIONALE[grade],
            )
        ]
        chance = REGRADE_SHARE
        while rng.random() < chance:
            at += _lognormal(rng, 5 * 60, 1.0)
            if at >= stop:
                break
            step = 1 if rng.random() < 0.65 else -1
            index = min(len(RISK_GRADES) - 1, max(0, RISK_GRADES.index(grade) + step))
            if RISK_GRADES[index] == grade:
                break
            grade = RISK_GRADES[index]
            gradings.append(
                RiskGrading(
                    key[0],
                    key[1],
                    self.at(start),
                    self.at(at),
                    grade,
                    force,
                    rng.choice(_GRADE_SOURCES[3:]),
                    _GRADE_RATIONALE[grade],
                )
            )
            chance /= 3
        return gradings

    def _notes(
        self, key, start: int, reported: int, stop: float, length: float, council: str, force: str, reporter: str
    ) -> list[EpisodeNote]:
        """Sightings, enquiries and notes between the report and the return (or the snapshot)."""
        rng, notes = self.rng, []
        if length < 180 or stop <= reported + 60:
            return notes

        def at() -> datetime.datetime:
            return self.at(reported + (stop - reported) * rng.uniform(0.1, 0.9))

        if rng.random() < (0.25 if force else 0.1):
            postcode = self.postcode_near(council, near_share=0.28, far_share=0.12)
            notes.append(
                EpisodeNote(
                    key[0],
                    key[1],
                    self.at(start),
                    at(),
                    "sighting",
                    force or reporter,
                    rng.choice(_SIGHTINGS) + ".",
                    self.geo.district_names[lookup_postcode(postcode).district_code],
                    postcode,
                )
            )
        if force and rng.random() < 0.12:
            notes.append(
                EpisodeNote(key[0], key[1], self.at(start), at(), "enquiry", force, rng.choice(_ENQUIRIES), "", "")
            )
        if rng.random() < 0.08:
            notes.append(EpisodeNote(key[0], key[1], self.at(start), at(), "note", key[0], rng.choice(_NOTES), "", ""))
        notes.sort(key=lambda note: note.at)
        return notes

    def _interview(self, key, council: str, start: int, end: int, assigned: int, snapshot: float) -> None:
        rng = self.rng
        times: dict[str, float | None] = {"offered": None, "accepted": None, "held": None, "closed": None}
        status = "assigned"
        if rng.random() < self.offer_rate[council]:
            offered = end + _lognormal(rng, 30 * 60, 0.9)
            outcome = rng.choices(list(INTERVIEW_OUTCOME), weights=list(INTERVIEW_OUTCOME.values()))[0]
            if offered < snapshot:
                status, times["offered"] = "offered", offered
                if outcome == "declined":
                    closed = offered + _lognormal(rng, 60, 1.0)
                    if closed < snapshot:
                        status, times["closed"] = "declined", closed
                elif outcome == "held_when_offered":
                    closed = offered + _lognormal(rng, 8 * 60, 1.0)
                    if closed < snapshot:
                        status, times["held"], times["closed"] = "completed", offered, closed
                else:
                    accepted = offered + _lognormal(rng, 4 * 60, 1.0)
                    held = accepted + _lognormal(rng, 30 * 60, 0.9)
                    closed = held + _lognormal(rng, 8 * 60, 1.0)
                    if accepted < snapshot:
                        status, times["accepted"] = "accepted", accepted
                        if closed < snapshot and rng.random() < 0.92:
                            status, times["held"], times["closed"] = "completed", held, closed
        findings = ("", "", "", "", "")
        if status == "completed":
            indicators = rng.sample(_INDICATORS, rng.choice((1, 1, 2, 3))) if rng.random() < 0.25 else []
            findings = (
                rng.choice(_WHY_WENT),
                rng.choice(_WITH_WHOM),
                rng.choice(_HARM),
                " ".join(sorted(indicators)),
                rng.choice(_HELP),
            )
        self.world.return_interviews.append(
            ReturnInterview(
                key[0],
                key[1],
                self.at(start),
                f"RHI-{council}",
                self.at(assigned),
                status,
                *(
                    self.at(times[name]) if times[name] is not None else None
                    for name in ("offered", "accepted", "held", "closed")
                ),
                *findings,
                self.decline_rng.choices(list(DECLINE_REASONS), weights=list(DECLINE_REASONS.values()))[0]
                if status == "declined"
                else "",
            )
        )

    def police_references(self) -> None:
        """Each force numbers its reports in the order it received them, year by year. A mark of the
        world (three letters from its seed, size and years) keeps two worlds' references apart."""
        digest = hashlib.sha256(f"{self.world.seed}:{self.world.children_wanted}:{self.world.years}".encode()).digest()
        mark = "".join(chr(ord("A") + byte % 26) for byte in digest[:3])
        serials: Counter[tuple[str, int]] = Counter()
        told = sorted(
            (e for e in self.world.episodes if e.police_force),
            key=lambda e: (e.police_force, e.police_reported_at, e.responsible_authority, e.la_child_id),
        )
        for episode in told:
            year = episode.police_reported_at.astimezone(LONDON).year
            serials[(episode.police_force, year)] += 1
            episode.police_reference = f"{_force_abbreviation(self.forces[episode.police_force])}/{mark}/{year}/{serials[(episode.police_force, year)]:06d}"


def episodes_step(world: World, geo: Geography, rng: random.Random) -> None:
    """Each child's missing and away episodes in the `years` before the snapshot, with the police
    reports, risk grades, sightings, returns and return interviews that follow them."""
    maker = _Episodes(world, geo, rng)
    by_child: dict[tuple[str, str], list[Placement]] = defaultdict(list)
    for placement in world.placements:
        by_child[(placement.responsible_authority, placement.la_child_id)].append(placement)
    for child in world.children:
        placements = sorted(by_child[(child.responsible_authority, child.la_child_id)], key=lambda p: p.start_date)
        maker.child_episodes(child, placements)
    maker.police_references()
