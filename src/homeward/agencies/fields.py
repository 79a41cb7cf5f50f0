"""Which parts of a child's record each reason shows: least data per reason (issue 10).

access.REASONS decides whether an agency sees a child at all; SHOWN_BY_REASON, beside it, decides
what of the record that reason needs for its work. A user with several reasons sees the union; a
role in ROLE_LIMITS sees no more than its limit, whatever its reasons. The child API and pages
(children.api, children.views), and the episode pages and API (episodes.views, episodes.api: who the
child is, Part A, return interview findings) all ask `fields_visible`, so a page and the API cannot
show different things to the same person. Templates are given the set and test membership only.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from homeward.agencies.access import Reason, access_reasons_many
from homeward.agencies.models import Role


class Field(StrEnum):
    IDENTITY = "identity"  # names and other names, date of birth, sex, ethnicity, council child id
    IDENTIFIERS = "identifiers"  # NHS number and unique pupil number
    FAMILY_HOME = "family_home"  # the family home postcode each placement records (SSDA903 HOME_POST)
    CURRENT_PLACEMENT = "current_placement"  # the placement now (and one about to start): where, by whom
    PLACEMENT_HISTORY = "placement_history"  # placements that have ended
    PHILOMENA_PROFILE = "philomena_profile"  # Part A: associates, places, addresses, medical, photo
    INTERVIEW_FINDINGS = "interview_findings"  # what the child said at a return home interview
    EPISODES = "episodes"  # the episodes themselves: where last seen, risk, sightings, the return
    MISSING_NOW = "missing_now"  # only whether the child is missing or away now, and since when
    CONTACTS = "contacts"  # who to call: the council's 24-hour contact and the child's social worker


@dataclass(frozen=True)
class Shown:
    always: frozenset[Field]
    # Only while the child has an open episode (missing or away), as episodes.rules.may_read_profile
    # counts "reported missing".
    while_missing: frozenset[Field] = frozenset()


def _shown(*always: Field, while_missing: tuple[Field, ...] = ()) -> Shown:
    return Shown(frozenset(always), frozenset(while_missing))


# Keyed by access.Reason (tests/agencies/test_fields.py proves it names every reason in access.REASONS).
SHOWN_BY_REASON: dict[Reason, Shown] = {
    # The council that looks after the child keeps the record and answers for all of it.
    Reason.RESPONSIBLE: _shown(*Field),
    # Told of each child placed in its area and of each episode there (Care Planning Regulations
    # 2010): who the child is and where they live now, not the family home or where they lived before.
    # It shares in the local response to a missing child, so it reads Part A as it does today.
    Reason.HOST: _shown(Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.PHILOMENA_PROFILE, Field.EPISODES),
    # The force of the area: who the child is and where they live; Part A goes to the police only when
    # the child is reported missing (Philomena Protocol).
    Reason.POLICE_OF_PLACEMENT: _shown(
        Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.EPISODES, while_missing=(Field.PHILOMENA_PROFILE,)
    ),
    # The home or carers look after the child now and keep Part A (Philomena Protocol).
    Reason.PROVIDER: _shown(Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.PHILOMENA_PROFILE, Field.EPISODES),
    # The force searching where the child was last known to be: who to look for, where to bring them
    # back to, and Part A; the reason itself ends with the return (access._police_of_episode_location).
    Reason.POLICE_OF_LOCATION: _shown(
        Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.EPISODES, while_missing=(Field.PHILOMENA_PROFILE,)
    ),
    # Meets the child where they live and records the interview; which interview's findings it reads
    # is narrowed to its own by episodes.rules.may_see_interview_findings.
    Reason.RETURN_INTERVIEW_SERVICE: _shown(
        Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.PHILOMENA_PROFILE, Field.INTERVIEW_FINDINGS, Field.EPISODES
    ),
    # Ofsted judges placement stability and missing practice from the record; its data list asks only
    # whether a return interview was offered and accepted (Annex A), never what the child said.
    Reason.INSPECTOR: _shown(
        Field.IDENTITY, Field.CURRENT_PLACEMENT, Field.PLACEMENT_HISTORY, Field.PHILOMENA_PROFILE, Field.EPISODES
    ),
    # The designated and named nurses: who the child is and their NHS number (to find the health
    # record), where they live now (to see them), who to call, and the episodes they are told of
    # (alerts.rules: exploitation, injuries, medical needs). Not Part A or what the child said.
    Reason.HEALTH: _shown(
        Field.IDENTITY, Field.IDENTIFIERS, Field.CURRENT_PLACEMENT, Field.CONTACTS, Field.MISSING_NOW, Field.EPISODES
    ),
    # The virtual school head: who the child is and their unique pupil number, where they live now
    # (which decides the school), who to call, and whether they are missing from education now.
    Reason.VIRTUAL_SCHOOL: _shown(
        Field.IDENTITY, Field.IDENTIFIERS, Field.CURRENT_PLACEMENT, Field.CONTACTS, Field.MISSING_NOW
    ),
    # A school: who its pupil is, who to call, and whether the child is missing now; nothing of where
    # the child lives or of the episodes (the meetings it is invited to: safeguarding.permissions).
    Reason.SCHOOL: _shown(Field.IDENTITY, Field.CONTACTS, Field.MISSING_NOW),
}

# Roles that see no more than this, whatever their agency's reasons.
ROLE_LIMITS: dict[str, frozenset[Field]] = {
    # A council's performance analyst works on figures (reporting), not on any child's case.
    Role.ANALYST: frozenset(),
}


def fields_visible_many(*, user, children) -> dict[int, frozenset[Field]]:
    """For each child (of those the caller has already read through the scope), the fields shown."""
    from homeward.episodes.models import Episode

    ids = [child.pk for child in children]
    reasons = access_reasons_many(user, ids)
    missing = set(Episode.objects.filter(child_id__in=ids, returned_at__isnull=True).values_list("child_id", flat=True))
    limit = ROLE_LIMITS.get(user.role)
    result = {}
    for pk in ids:
        shown: set[Field] = set()
        for label in reasons[pk]:
            rule = SHOWN_BY_REASON[label]
            shown |= rule.always | (rule.while_missing if pk in missing else frozenset())
        result[pk] = frozenset(shown if limit is None else shown & limit)
    return result


def fields_visible(*, user, child) -> frozenset[Field]:
    """The parts of this child's record the user's reasons and role show (empty: none of it)."""
    return fields_visible_many(user=user, children=[child])[child.pk]


def placement_ended(placement, today: datetime.date) -> bool:
    return placement.end_date is not None and placement.end_date <= today


def placements_visible(*, placements, fields: frozenset[Field], today: datetime.date) -> list:
    """The placements these fields show: the current (and next) ones, the ended ones, or both."""
    return [
        p
        for p in placements
        if (Field.PLACEMENT_HISTORY if placement_ended(p, today) else Field.CURRENT_PLACEMENT) in fields
    ]
