"""SSDA903 Missing periods from Homeward episodes: the statutory split, in one place (architecture rule 3).

Source: DfE, "Children looked after return (SSDA903) guide", Missing module, and domain.md
("Definitions"): an episode that changes from away to missing (or back) "is recorded as two
episodes" for the SSDA903 return (Standard Safeguarding Dataset guidance). MISSING is M (whereabouts
not known) or A (away from placement without authorisation); MIS_START is the date the child left or
was last seen by a responsible adult, whichever is later (Episode.started_at); MIS_END the date of
return, blank while still missing. Dates are the local dates in England (Europe/London).

The return carries dates, not times, and a child's periods are keyed by CHILD + MIS_START (the
importer's natural key, returns.ssda903; DfE rule 574: no overlapping periods). Parts that begin on
the same date (a switch on the day the episode began, or two episodes in one day) therefore make one
period: from that date to the last part's end, coded as the part that lasted longest (an open part
is the longest; a tie goes to M, the more serious).

Pure functions: no database, no clock.
"""

import datetime
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from django.db.models import Q
from django.utils import timezone

CODES = {"missing": "M", "away": "A"}  # Kind values -> SSDA903 MISSING


# DfE rule 574: a child's missing periods never overlap, and no period starts while one is open. The
# one test, on records in hand (the importer's batch) and as a condition on Episode rows (a report).
def overlaps(
    started_at: datetime.datetime,
    returned_at: datetime.datetime | None,
    start: datetime.datetime,
    end: datetime.datetime | None,
) -> bool:
    """Do [started_at, returned_at) and [start, end) overlap? None is "still open"."""
    return (end is None or started_at < end) and (returned_at is None or returned_at > start)


def overlapping(start: datetime.datetime, end: datetime.datetime | None = None) -> Q:
    """`overlaps` as a filter on episodes: those that overlap [start, end)."""
    condition = Q(returned_at__isnull=True) | Q(returned_at__gt=start)
    return condition if end is None else condition & Q(started_at__lt=end)


class EpisodeLike(Protocol):
    kind: str  # the kind now
    started_at: datetime.datetime
    returned_at: datetime.datetime | None


class KindChangeLike(Protocol):
    at: datetime.datetime
    from_kind: str
    to_kind: str


class Part(NamedTuple):
    """A stretch of one episode in one kind, to the moment (end None: still open)."""

    kind: str
    start: datetime.datetime
    end: datetime.datetime | None


class Period(NamedTuple):
    """One row of the SSDA903 Missing table: (MISSING, MIS_START, MIS_END or None)."""

    code: str
    start: datetime.date
    end: datetime.date | None


def episode_parts(episode: EpisodeLike, kind_changes: Iterable[KindChangeLike]) -> list[Part]:
    """The episode cut at each change of kind; the first part takes the earliest change's from_kind."""
    changes = sorted(kind_changes, key=lambda change: change.at)
    kind, start = (changes[0].from_kind if changes else episode.kind), episode.started_at
    parts = []
    for change in changes:
        parts.append(Part(kind, start, change.at))
        kind, start = change.to_kind, change.at
    parts.append(Part(kind, start, episode.returned_at))
    return parts


def _local(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _longest(parts: list[Part]) -> str:
    def length(part: Part) -> tuple[float, bool]:
        seconds = float("inf") if part.end is None else (part.end - part.start).total_seconds()
        return seconds, part.kind == "missing"

    return max(parts, key=length).kind


def missing_periods(parts: Iterable[Part]) -> list[Period]:
    """A child's parts (from one episode or several, which never overlap) as SSDA903 periods, one per
    start date, in date order."""
    groups: dict[datetime.date, list[Part]] = {}
    for part in sorted(parts, key=lambda part: part.start):
        groups.setdefault(_local(part.start), []).append(part)
    return [Period(CODES[_longest(group)], start, _local(group[-1].end)) for start, group in groups.items()]


def episode_periods(episode: EpisodeLike, kind_changes: Iterable[KindChangeLike]) -> list[Period]:
    """The SSDA903 Missing periods one episode makes: one, or one more at each change of kind."""
    return missing_periods(episode_parts(episode, kind_changes))
