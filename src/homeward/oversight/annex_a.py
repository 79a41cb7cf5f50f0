"""Ofsted's inspection data list (Annex A, list of children in care): for each child the council looks
after, the missing and away episodes in the last 12 months, and whether a return interview was
offered, and accepted, after the last missing episode (domain.md, "What has changed since 2017").

Episodes are counted as the SSDA903 Missing table counts them (episodes.ssda903_periods): an
episode that changed between missing and away is one period of each.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency
from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode, KindChange, ReturnInterview
from homeward.episodes.ssda903_periods import episode_periods
from homeward.oversight.compliance import authorities_overseen

LOOK_BACK = datetime.timedelta(days=365)  # Annex A: "in the last 12 months"

HEADER = [
    "Child ID",
    "Gender",
    "Ethnicity",
    "Date of birth",
    "Number of missing episodes in the last 12 months",
    "Number of away episodes in the last 12 months",
    "Offered a return interview after the last missing episode (Y/N)",
    "Accepted the return interview (Y/N)",
]


@dataclass
class AnnexARow:
    child: Child
    missing: int
    away: int
    offered: bool | None  # None: no missing episode in the last 12 months
    accepted: bool | None

    def cells(self) -> list[object]:
        c = self.child
        return [
            c.la_child_id,
            c.get_sex_display(),
            c.ethnicity,
            c.date_of_birth,
            self.missing,
            self.away,
            self.offered,
            self.accepted,
        ]


def _children_in_care(user, authority: Agency, on: datetime.date):
    if not authorities_overseen(user).filter(pk=authority.pk).exists():
        raise PermissionDenied("You cannot see this council's list of children in care.")
    in_care = Placement.objects.current(on).values("child_id")
    return visible_children(user).filter(responsible_authority=authority, pk__in=in_care)


def annex_a_count(*, user, authority: Agency, on: datetime.date | None = None) -> int:
    """How many children the list would hold: a figure, shown before anyone downloads the names."""
    return _children_in_care(user, authority, on or timezone.localdate()).count()


def annex_a_rows(*, user, authority: Agency, why: str, on: datetime.date | None = None) -> list[AnnexARow]:
    """The list as on `on` (today by default), one row per child in care, each child's export audited."""
    on = on or timezone.localdate()
    in_care = _children_in_care(user, authority, on)
    children = list(in_care.order_by("la_child_id"))
    since = datetime.datetime.combine(on, datetime.time(), timezone.get_current_timezone()) - LOOK_BACK
    recent = Episode.objects.filter(child__in=in_care, started_at__gte=since)
    episodes = list(recent.order_by("started_at", "id").only("id", "child_id", "kind", "started_at", "returned_at"))
    changes: dict[int, list[KindChange]] = defaultdict(list)
    for change in KindChange.objects.filter(episode__in=recent):
        changes[change.episode_id].append(change)
    interviews = {i.episode_id: i for i in ReturnInterview.objects.filter(episode__in=recent)}

    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"M": 0, "A": 0})
    last_missing: dict[int, Episode] = {}
    for episode in episodes:
        codes = [period.code for period in episode_periods(episode, changes[episode.pk])]
        for code in codes:
            counts[episode.child_id][code] += 1
        if "M" in codes:
            last_missing[episode.child_id] = episode  # in start order: the last one wins

    rows = []
    for child in children:
        offered = accepted = None
        episode = last_missing.get(child.pk)
        if episode is not None:
            interview = interviews.get(episode.pk)
            offered = interview is not None and interview.offered_at is not None
            # Held when offered counts as accepted: the child took it up.
            accepted = interview is not None and (interview.accepted_at is not None or interview.held_at is not None)
        rows.append(AnnexARow(child, counts[child.pk]["M"], counts[child.pk]["A"], offered, accepted))
    audit_record_many(
        user=user,
        action=Action.EXPORT,
        object_type="annex_a",
        why=why,
        items=[(child.pk, child.pk) for child in children],
        detail={"authority": authority.code, "on": on.isoformat()},
    )
    return rows
