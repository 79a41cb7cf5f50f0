"""What every episode write shares: finding the child or episode through the scope, refusing, naming times and places, the timeline entry and the audit entry."""

import datetime
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from homeward.agencies.access import access_reasons
from homeward.agencies.models import Agency
from homeward import dates
from homeward.audit.services import audit_record
from homeward.children.models import Child, Placement
from homeward.children.selectors import child_lookup
from homeward.episodes.models import (
    Episode,
    EpisodeUpdate,
)
from homeward.episodes.selectors import episode_lookup
from homeward.places import postcodes
from homeward.places.models import District


NO_SUCH_CHILD = "No such child."
LONDON = zoneinfo.ZoneInfo("Europe/London")


class Conflict(ValidationError):
    """The input contradicts what is already recorded under the same key (the API answers 409)."""


# The words each time field is named by in a message (dates: messages name the field).
TIME_LABELS = {
    "left_at": "the time the child left",
    "last_seen_at": "the time last seen",
    "started_at": "the start",
    "reported_at": "the time reported",
    "returned_at": "the return time",
    "graded_at": "the time graded",
    "offered_at": "the time offered",
    "held_at": "the time held",
    "at": "the time",
}


def _aware(value, field: str) -> datetime.datetime | None:
    # Entered in Europe/London when no offset is given (architecture rule 4).
    return dates.aware(value, field, TIME_LABELS[field])


def _at_or_now(value, field: str, *, not_before: datetime.datetime, not_before_what: str) -> datetime.datetime:
    """A time given (or now), not in the future, and not before the moment it must follow."""
    at = _aware(value, field) or timezone.now()
    dates.has_happened(at, field, TIME_LABELS[field])
    return dates.not_before(at, not_before, field, TIME_LABELS[field], not_before_what)


def _child_for(user, child, why: str) -> tuple[Child, list[str]]:
    """The child, if the user can see it (selectors' one look-up: a refusal is audited). A child
    named in a request's body is bad input, not a missing page: ValidationError naming the field."""
    pk = child.pk if isinstance(child, Child) else child
    try:
        found = child_lookup(
            user=user, child_id=pk, why=why, queryset=Child.objects.select_related("responsible_authority")
        )
    except Http404:
        # Never reveal whether a child the user cannot see exists.
        raise ValidationError({"child": NO_SUCH_CHILD}) from None
    return found, access_reasons(user, found)


def _episode_for(user, episode, why: str) -> tuple[Episode, list[str]]:
    """The episode, locked for this transaction, if the user can see its child; else Http404 (the
    refusal audited by the one look-up)."""
    pk = episode.pk if isinstance(episode, Episode) else episode
    found = episode_lookup(
        user=user,
        episode_id=pk,
        why=why,
        queryset=(Episode.objects.select_for_update(of=("self",)).select_related("child__responsible_authority")),
    )
    return found, access_reasons(user, found.child)


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"Your role cannot {what}.")


def _not_closed(episode: Episode) -> None:
    if episode.closed_at is not None:
        raise ValidationError({"episode": f"This episode was closed on {dates.when(episode.closed_at)}."})


def _place(raw: str, field: str) -> tuple[str, Agency | None]:
    """A postcode normalised, and the police force of its district (None outside England and Wales)."""
    raw = (raw or "").strip()
    if not raw:
        return "", None
    code = postcodes.normalise(raw)
    if code is None:
        raise ValidationError(
            {field: f"“{raw}” is not a postcode. Enter a full UK postcode, like B1 1AA, or leave it blank."}
        )
    found = postcodes.lookup(code)
    if found is None:
        raise ValidationError({field: f"{code} is not a live postcode in the ONS Postcode Directory."})
    district = District.objects.select_related("police_force").filter(code=found.district_code).first()
    return code, district.police_force if district else None


def care_problem(spans, day: datetime.date) -> str:
    """Why a missing or away period cannot start on `day`, given the child's placements as (start,
    end or None) pairs; "" when it can. SSDA903 rules 578/581: a missing period lies within the child's
    period of care. A child with no placement held here is not judged: Homeward does not know its care."""
    spans = list(spans)
    if not spans or any(start <= day and (end is None or day <= end) for start, end in spans):
        return ""
    return (
        f"The child was not looked after on {dates.when(day)} (no placement then): a missing or away period "
        "lies within the child's period of care (SSDA903 rule 578)."
    )


def start_placements_refresh(episodes: QuerySet) -> int:
    """Set each episode's start_placement: the placement current on the London day it began (the
    latest begun by then and not ended by then), and the host council and police force of its area.
    Called whenever episodes are written and whenever a child's placements are (a placement recorded
    late, an end date or a postcode corrected, changes which one was current or where it was).
    Returns the episodes it went through."""
    # (The outer start given its type: TruncDate cannot read the type of an outer reference.)
    began_on = TruncDate(ExpressionWrapper(OuterRef("started_at"), output_field=DateTimeField()), tzinfo=LONDON)
    current = Placement.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=began_on), child=OuterRef("child"), start_date__lte=began_on
    ).order_by("-start_date", "-pk")
    done = episodes.update(start_placement=Subquery(current.values("pk")[:1]))
    placement = Placement.objects.filter(pk=OuterRef("start_placement"))
    episodes.update(
        start_host_authority=Subquery(placement.values("host_authority")[:1]),
        start_police_force=Subquery(placement.values("police_force")[:1]),
    )
    return done


def _placement_force(child: Child) -> Agency | None:
    placement = (
        Placement.objects.current().filter(child=child).select_related("police_force").order_by("-start_date").first()
    )
    return placement.police_force if placement else None


def _log(episode: Episode, user, kind: str, at: datetime.datetime, text: str = "", **extra) -> EpisodeUpdate:
    return EpisodeUpdate.objects.create(
        episode=episode, kind=kind, at=at, by=user, agency=user.agency, text=text, **extra
    )


def _audit(
    user,
    why: str,
    action: str,
    episode: Episode,
    detail: dict | None = None,
    *,
    object_type: str = "episode",
    object_id=None,
) -> None:
    audit_record(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id if object_id is not None else episode.pk,
        child_id=episode.child_id,
        why=why,
        detail=detail,
    )
