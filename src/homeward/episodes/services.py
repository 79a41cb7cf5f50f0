"""Writes to episodes: one path for each, whichever door it came in by (form, API, import, command).

Each service is keyword-only and runs in one transaction. It finds the child or episode through the
scoping function (agencies.access), checks what the user's role and reasons allow (episodes.rules),
validates, writes, adds an EpisodeUpdate for the child's timeline and an audit entry.

Errors: ValidationError({"field": "reason"}) naming the input at fault; an episode the user cannot
see is Http404 (its existence is not revealed); seeing it but lacking the role is PermissionDenied;
Conflict (a ValidationError) when a retry under the same key is not the same report.
`child` and `episode` may be given as objects or ids: either way they are re-read through the scope.
"""

import datetime
import io
import warnings
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from PIL import Image, ImageOps

from homeward.agencies.access import access_reasons
from homeward.agencies.models import Agency, AgencyKind
from homeward import dates
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child, Placement
from homeward.children.selectors import child_lookup
from homeward.episodes import clocks, rules, signals
from homeward.episodes.models import (
    EXPLOITATION_INDICATORS,
    DeclineReason,
    FREE_UPDATE_KINDS,
    INTERVIEW_TRANSITIONS,
    Episode,
    EpisodeUpdate,
    InterviewStatus,
    Kind,
    KindChange,
    PhilomenaProfile,
    PoliceReference,
    ReturnHow,
    ReturnInterview,
    ReturnInterviewCommission,
    RiskGrade,
    RiskGrading,
    UpdateKind,
)
from homeward.episodes.selectors import episode_lookup
from homeward.places import postcodes
from homeward.places.models import District

NO_SUCH_CHILD = "No such child."
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# A 5 MB file can claim a picture of billions of pixels (a decompression bomb): the header is read
# first, and anything over this is refused before a pixel is decoded. 40 million is above any phone
# camera's usual photo (12 to 24 million) and needs about 120 MB to decode.
PHOTO_MAX_PIXELS = 40_000_000
# The formats accepted, as Pillow names them, and the extension each is stored under.
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
PHOTO_NOT_AN_IMAGE = "The photo must be a JPEG, PNG or WebP image."


class Conflict(ValidationError):
    """The input contradicts what is already recorded under the same key (the API answers 409)."""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


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
    dates.not_before(at, not_before, field, TIME_LABELS[field], not_before_what)
    return at


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


# ---------------------------------------------------------------------------------------------
# The episode's lifecycle
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def episode_open(
    *,
    user,
    why: str,
    child: Child | int,
    kind: str,
    started_at: datetime.datetime | None = None,
    left_at: datetime.datetime | None = None,
    last_seen_at: datetime.datetime | None = None,
    reported_at: datetime.datetime | None = None,
    last_seen_location: str = "",
    last_seen_postcode: str = "",
    clothing: str = "",
    circumstances: str = "",
    out_of_character: bool | None = None,
    client_reference: str = "",
) -> tuple[Episode, bool]:
    """Report a child missing or away. Returns (episode, created).

    started_at is the later of left_at and last_seen_at (SSDA903 MIS_START); give those, or
    started_at alone. A retry with the same client_reference from the same agency returns the
    episode it made the first time, unchanged, with created False.

    A return interview of the child's still open when this episode was reported (not yet held nor
    declined) stays open: the duty to offer it stands (DfE 2014). It is linked to this episode
    (missing_again_episode), which says so on its timeline; the next return assigns its own.
    """
    child, reasons = _child_for(user, child, why)
    _require(rules.may_act(user, reasons), "report this child missing")
    client_reference = (client_reference or "").strip()
    if kind not in Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of episode: use missing or away."})
    left_at, last_seen_at = _aware(left_at, "left_at"), _aware(last_seen_at, "last_seen_at")
    started_at = _aware(started_at, "started_at")
    given = [t for t in (left_at, last_seen_at) if t is not None]
    derived = max(given) if given else None
    if started_at is None and derived is None:
        raise ValidationError({"started_at": "Enter when the child left or was last seen by a responsible adult."})
    if started_at is not None and derived is not None and started_at != derived:
        raise ValidationError(
            {
                "started_at": f"The start is the later of when the child left and when a responsible adult last saw them ({dates.when(derived)})."
            }
        )
    started_at = started_at or derived
    for field, value in (("left_at", left_at), ("last_seen_at", last_seen_at), ("started_at", started_at)):
        if value is not None:
            dates.has_happened(value, field, TIME_LABELS[field])
    if timezone.localtime(started_at).date() < child.date_of_birth:  # SSDA903 rule 586
        raise ValidationError({"started_at": "An episode cannot start before the child's date of birth."})
    outside = care_problem(
        child.placements.values_list("start_date", "end_date"), timezone.localtime(started_at).date()
    )
    if outside:
        raise ValidationError({"started_at": outside})
    reported_at = _at_or_now(
        reported_at, "reported_at", not_before=started_at, not_before_what="the child left or was last seen"
    )
    if client_reference:
        earlier = Episode.objects.filter(reporting_agency=user.agency, client_reference=client_reference).first()
        if earlier is not None:
            return _retried(user, why, earlier, child=child, kind=kind, started_at=started_at), False

    # SSDA903 rule 574: no overlapping periods and no new period while one is open.
    overlapping = (
        child.episodes.filter(Q(returned_at__isnull=True) | Q(returned_at__gt=started_at))
        .order_by("started_at")
        .first()
    )
    if overlapping is not None and overlapping.is_open:
        raise ValidationError(
            {
                "child": (
                    f"{child.full_name} is already recorded as {overlapping.get_kind_display().lower()} since "
                    f"{dates.when(overlapping.started_at)}. Add an update to that episode, or record the return first."
                )
            }
        )
    if overlapping is not None:
        raise ValidationError(
            {
                "started_at": (
                    f"This overlaps the episode from {dates.when(overlapping.started_at)} to {dates.when(overlapping.returned_at)}: "
                    "an episode starts after the one before it ended."
                )
            }
        )

    postcode, force = _place(last_seen_postcode, "last_seen_postcode")
    episode = Episode(
        child=child,
        kind=kind,
        left_at=left_at,
        last_seen_at=last_seen_at,
        started_at=started_at,
        reported_at=reported_at,
        reported_by=user,
        reporting_agency=user.agency,
        client_reference=client_reference,
        last_seen_location=last_seen_location.strip(),
        last_seen_postcode=postcode,
        clothing=clothing.strip(),
        circumstances=circumstances.strip(),
        out_of_character=out_of_character,
        last_known_location=last_seen_location.strip(),
        last_known_postcode=postcode,
        location_police_force=force or _placement_force(child),
    )
    try:
        with transaction.atomic():
            episode.save()
    except IntegrityError:
        # Lost a race: the same retry arrived twice at once, or another report for this child.
        earlier = (
            Episode.objects.filter(reporting_agency=user.agency, client_reference=client_reference).first()
            if client_reference
            else None
        )
        if earlier is not None:
            return _retried(user, why, earlier, child=child, kind=kind, started_at=started_at), False
        raise ValidationError({"child": f"{child.full_name} is already recorded as missing or away."}) from None

    parts = [f"Reported {episode.get_kind_display().lower()} by {user.agency.name}."]
    if left_at:
        parts.append(f"Left {dates.when(left_at)}.")
    if last_seen_at:
        parts.append(f"Last seen by a responsible adult {dates.when(last_seen_at)}.")
    if not given:
        parts.append(f"Missing since {dates.when(started_at)}.")
    # DfE 2014: an interview is offered after every return. One not yet held nor declined when this
    # episode was reported stays open (going missing does not discharge it) and is linked to this
    # episode, so whoever holds it knows; the next return adds its own interview. "When reported",
    # not "now": a report entered late finds the interviews that were open at the time.
    still_open = ReturnInterview.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=reported_at),
        episode__child=child,
        episode__returned_at__lte=reported_at,
        missing_again_episode__isnull=True,
    ).exclude(episode=episode)
    for earlier in still_open.select_related("episode").order_by("episode__started_at"):
        parts.append(
            f"The return interview after the episode of {dates.when(earlier.episode.started_at, date_only=True)} is still open."
        )
    still_open.update(missing_again_episode=episode)
    _log(
        episode,
        user,
        UpdateKind.REPORTED,
        reported_at,
        " ".join(parts),
        location=episode.last_seen_location,
        postcode=postcode,
        detail={"kind": kind},
    )
    _audit(user, why, Action.CREATE, episode, {"kind": kind})
    signals.episode_opened.send(Episode, user=user, episode=episode)
    return episode, True


@transaction.atomic
def episode_open_with_profile(*, user, why: str, child: Child | int, profile: dict[str, str], **report) -> Episode:
    """A report, and the essentials of Part A asked with it for a child who has no Philomena profile
    yet (the report form): both are saved or neither is. Blank answers write no profile."""
    episode, created = episode_open(user=user, why=why, child=child, **report)
    if created and any(value.strip() for value in profile.values()):
        if PhilomenaProfile.objects.filter(child=episode.child).exists():
            name = episode.child.first_name
            raise ValidationError(
                {
                    "profile": f"Someone saved {name}'s Philomena profile while you wrote this report. Clear the answers about {name} and send the report, then add them to the profile."
                }
            )
        philomena_profile_save(user=user, why=why, child=episode.child, **profile)
    return episode


def _retried(user, why: str, earlier: Episode, *, child: Child, kind: str, started_at: datetime.datetime) -> Episode:
    """The episode a retry made the first time; Conflict if the retry is not the same report."""
    first_kind = earlier.kind_changes.order_by("at", "id").values_list("from_kind", flat=True).first() or earlier.kind
    reference = f"Your agency already used client_reference “{earlier.client_reference}”"
    differs = {}
    if earlier.child_id != child.pk:
        differs["child"] = f"{reference} for a report about another child."
    if kind != first_kind:
        differs["kind"] = (
            f"{reference} for a report of a child {Kind(first_kind).label.lower()}, not {Kind(kind).label.lower()}."
        )
    if started_at != earlier.started_at:
        differs["started_at"] = (
            f"{reference} for a report starting {dates.when(earlier.started_at)} (the later of "
            f"left and last seen), not {dates.when(started_at)}."
        )
    if differs:
        raise Conflict(differs)
    _audit(user, why, Action.READ, earlier, {"retry_of_client_reference": earlier.client_reference})
    return earlier


@transaction.atomic
def episode_kind_change(*, user, why: str, episode: Episode | int, to_kind: str, at=None, text: str = "") -> Episode:
    """Missing becomes away, or away missing. The SSDA903 export splits the episode here (KindChange)."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_act(user, reasons), "change this episode")
    if to_kind not in Kind.values:
        raise ValidationError({"to_kind": f"“{to_kind}” is not a kind of episode: use missing or away."})
    if to_kind == episode.kind:
        raise ValidationError({"to_kind": f"The episode is already recorded as {episode.get_kind_display().lower()}."})
    if not episode.is_open:
        raise ValidationError(
            {"episode": "The child has returned: the kind can only change while the episode is open."}
        )
    latest = episode.kind_changes.order_by("-at").values_list("at", flat=True).first()
    at = _at_or_now(
        at, "at", not_before=latest or episode.started_at, not_before_what="the episode's last change or start"
    )
    previous = episode.kind
    KindChange.objects.create(episode=episode, at=at, from_kind=previous, to_kind=to_kind, by=user)
    episode.kind = to_kind
    episode.save(update_fields=["kind", "updated_at"])
    label = f"Now {episode.get_kind_display().lower()} (was {Kind(previous).label.lower()})."
    _log(
        episode,
        user,
        UpdateKind.KIND_CHANGE,
        at,
        f"{label} {text.strip()}".strip(),
        detail={"from": previous, "to": to_kind},
    )
    _audit(user, why, Action.UPDATE, episode, {"kind": to_kind})
    signals.episode_kind_changed.send(Episode, user=user, episode=episode)
    return episode


@transaction.atomic
def episode_grade_risk(
    *, user, why: str, episode: Episode | int, risk_grade: str, source: str, rationale: str = "", graded_at=None
) -> Episode:
    """Grade or regrade risk (police only), keeping the time and source of each grade (APP 2017)."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_police(user, reasons), "grade risk: the police grade it")
    if risk_grade not in RiskGrade.values:
        raise ValidationError(
            {"risk_grade": f"“{risk_grade}” is not a risk grade: use one of {', '.join(RiskGrade.values)}."}
        )
    if not (source or "").strip():
        raise ValidationError({"source": "Say where the information for this grade came from."})
    _not_closed(episode)
    graded_at = _at_or_now(graded_at, "graded_at", not_before=episode.started_at, not_before_what="the episode started")
    previous = episode.risk_grade
    RiskGrading.objects.create(
        episode=episode,
        grade=risk_grade,
        graded_at=graded_at,
        graded_by=user,
        agency=user.agency,
        source=source.strip(),
        rationale=(rationale or "").strip(),
    )
    # The current grade is the latest made, whatever order they were recorded in.
    latest = episode.risk_gradings.order_by("-graded_at", "-id").first()
    episode.risk_grade, episode.risk_graded_at = latest.grade, latest.graded_at
    episode.save(update_fields=["risk_grade", "risk_graded_at", "updated_at"])
    text = f"Risk graded {RiskGrade(risk_grade).label.lower()}"
    text += f" (was {RiskGrade(previous).label.lower()})." if previous else "."
    text += f" Source: {source.strip()}."
    if rationale.strip():
        text += f" {rationale.strip()}"
    _log(episode, user, UpdateKind.RISK_GRADE, graded_at, text, detail={"grade": risk_grade, "previous": previous})
    _audit(user, why, Action.UPDATE, episode, {"risk_grade": risk_grade})
    signals.episode_risk_graded.send(Episode, user=user, episode=episode, previous=previous)
    return episode


@transaction.atomic
def episode_add_police_reference(*, user, why: str, episode: Episode | int, reference: str) -> Episode:
    """The force's own reference. Adding the same one again to the same episode changes nothing."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_police(user, reasons), "add a police reference")
    reference = (reference or "").strip()
    if not reference or len(reference) > 40:
        raise ValidationError({"reference": "Enter your force's reference (up to 40 characters)."})
    existing = PoliceReference.objects.filter(force=user.agency, reference=reference).first()
    if existing is not None:
        if existing.episode_id == episode.pk:
            return episode
        raise ValidationError({"reference": "Your force has already given this reference to another episode."})
    try:
        with transaction.atomic():
            PoliceReference.objects.create(episode=episode, force=user.agency, reference=reference, added_by=user)
    except IntegrityError:
        raise ValidationError({"reference": "Your force has already given this reference to an episode."}) from None
    _log(
        episode,
        user,
        UpdateKind.POLICE_REFERENCE,
        timezone.now(),
        f"{user.agency.name} reference {reference}.",
        detail={"reference": reference},
    )
    _audit(user, why, Action.UPDATE, episode, {"police_reference": reference})
    return episode


@transaction.atomic
def episode_add_update(
    *,
    user,
    why: str,
    episode: Episode | int,
    kind: str,
    text: str = "",
    at=None,
    location: str = "",
    postcode: str = "",
) -> EpisodeUpdate:
    """A sighting, an enquiry made, or a note. A sighting moves where the child is last known to be."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_act(user, reasons), "add to this episode")
    if kind not in FREE_UPDATE_KINDS:
        raise ValidationError({"kind": f"“{kind}” cannot be added here: use one of {', '.join(FREE_UPDATE_KINDS)}."})
    _not_closed(episode)
    if kind == UpdateKind.SIGHTING and not episode.is_open:
        raise ValidationError(
            {"kind": "A sighting is added while the child is missing or away; this episode has ended."}
        )
    text, location = (text or "").strip(), (location or "").strip()
    if not text and not (kind == UpdateKind.SIGHTING and (location or postcode)):
        raise ValidationError({"text": "Say what happened."})
    at = _at_or_now(at, "at", not_before=episode.started_at, not_before_what="the episode started")
    code, force = _place(postcode, "postcode")
    if kind == UpdateKind.SIGHTING and not episode.updates.filter(kind=UpdateKind.SIGHTING, at__gt=at).exists():
        # The latest sighting is where the child is last known to be; its force now leads the search.
        episode.last_known_location, episode.last_known_postcode = location, code
        if force is not None:
            episode.location_police_force = force
        episode.save(
            update_fields=["last_known_location", "last_known_postcode", "location_police_force", "updated_at"]
        )
    update = _log(episode, user, kind, at, text, location=location, postcode=code)
    _audit(user, why, Action.UPDATE, episode, {"update": kind})
    signals.episode_updated.send(Episode, user=user, episode=episode, update=update)
    return update


@transaction.atomic
def episode_record_return(
    *,
    user,
    why: str,
    episode: Episode | int,
    returned_at,
    how: str = "",
    found_by: str = "",
    place: str = "",
    postcode: str = "",
    text: str = "",
    confirm_before_report: bool = True,
) -> Episode:
    """The child is back (or found). Assigns the return interview, due 72 hours after returned_at.

    A return before the episode started (or its last change) is refused. A return before the time the
    child was reported can be right (a report is often made hours after the child left, and the child
    may be back before it is made) but is more often a slip of the day or hour. Where a person types
    the time (the return form, the found form, the API) the door passes their answer, False until they
    confirm, and such a return is refused naming returned_at (dates.Unconfirmed). Records of what was
    (an import, the synthetic history, the demo) keep the default."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_act(user, reasons), "record this child's return")
    if not episode.is_open:
        raise ValidationError({"returned_at": f"The return was already recorded ({dates.when(episode.returned_at)})."})
    if returned_at is None:
        raise ValidationError({"returned_at": "Enter when the child returned or was found."})
    latest_change = episode.kind_changes.order_by("-at").values_list("at", flat=True).first()
    returned_at = _at_or_now(
        returned_at,
        "returned_at",
        not_before=max(episode.started_at, latest_change or episode.started_at),
        not_before_what="the episode started" if latest_change is None else "the episode's last change",
    )
    if how and how not in ReturnHow.values:
        raise ValidationError({"how": f"“{how}” is not a way of returning: use one of {', '.join(ReturnHow.values)}."})
    code, _ = _place(postcode, "postcode")
    service = return_interview_service_for(episode.child)  # before any write: refused if none is set
    # Asked last: nobody is asked to confirm a time only to be refused for something else.
    dates.confirmed_not_before(
        returned_at,
        episode.reported_at,
        "returned_at",
        TIME_LABELS["returned_at"],
        "the episode was reported",
        confirmed=confirm_before_report,
        flag="confirm_before_report",
    )
    episode.returned_at, episode.return_how, episode.found_by = returned_at, how, (found_by or "").strip()
    episode.return_place, episode.return_postcode = (place or "").strip(), code
    episode.save(
        update_fields=["returned_at", "return_how", "found_by", "return_place", "return_postcode", "updated_at"]
    )

    summary = f"Returned {dates.when(returned_at)}"
    summary += f": {ReturnHow(how).label.lower()}." if how else "."
    if episode.found_by:
        summary += f" Found by {episode.found_by}."
    if text.strip():
        summary += f" {text.strip()}"
    _log(
        episode,
        user,
        UpdateKind.RETURN,
        returned_at,
        summary,
        location=episode.return_place,
        postcode=code,
        detail={"how": how},
    )
    interview = _return_interview_assign(user=user, episode=episode, service=service)
    _audit(
        user, why, Action.UPDATE, episode, {"returned_at": returned_at.isoformat(), "return_interview": interview.pk}
    )
    signals.episode_returned.send(Episode, user=user, episode=episode, interview=interview)
    return episode


@transaction.atomic
def episodes_end_with_care(*, placements, why: str) -> list[Episode]:
    """Care ended while the child was missing or away: the period ends that day (SSDA903 rules
    575/577; rule 580 then codes the end of care E8). A placement that ended with another beginning
    the same day is a move, not the end of care, and one that ends in the future has not ended yet.
    Written as the council's own system (the children's responsible authority's service account),
    whoever ended the placement. The child has not come back, so no return interview is assigned and
    no return is announced: the timeline says what happened."""
    from homeward.agencies.access import visible_children
    from homeward.agencies.models import Role
    from homeward.agencies.services import service_account_get_or_create

    today = timezone.localdate()
    ended = [p for p in placements if p.end_date is not None and p.end_date <= today]
    moves = set(
        Placement.objects.filter(
            child_id__in={p.child_id for p in ended},
            start_date__in={p.end_date for p in ended},
        ).values_list("child_id", "start_date")
    )
    closed: list[Episode] = []
    for placement in ended:
        if (placement.child_id, placement.end_date) in moves:
            continue
        end_of_care = timezone.make_aware(datetime.datetime.combine(placement.end_date, datetime.time()))
        open_then = Episode.objects.select_for_update().filter(
            child_id=placement.child_id,
            returned_at__isnull=True,
            started_at__lt=end_of_care + datetime.timedelta(days=1),
        )
        # Most care ends with the child at home: only a period to end needs the council's account.
        if not open_then.exists():
            continue
        council = Child.objects.select_related("responsible_authority").get(pk=placement.child_id).responsible_authority
        system = service_account_get_or_create(agency=council, role=Role.MISSING_COORDINATOR)
        for episode in open_then.filter(child__in=visible_children(system)):
            episode.returned_at = max(episode.started_at, end_of_care)
            episode.save(update_fields=["returned_at", "updated_at"])
            _log(
                episode,
                system,
                UpdateKind.NOTE,
                episode.returned_at,
                (
                    f"Care ended on {placement.end_date:%d/%m/%Y} while the child was {episode.get_kind_display().lower()}: "
                    "the period ends that day for the SSDA903 return. Tell the police if the child is still missing."
                ),
                detail={"care_ended": placement.end_date.isoformat()},
            )
            _audit(
                system,
                why,
                Action.UPDATE,
                episode,
                {"returned_at": episode.returned_at.isoformat(), "care_ended": placement.end_date.isoformat()},
            )
            closed.append(episode)
    return closed


NO_INTERVIEW_SERVICE = "return_interview_service"  # the field a return is refused on when no service is set


def commissioned_service(council: Agency) -> Agency | None:
    """The return interview service the council has recorded that it commissions (none until it has)."""
    commission = ReturnInterviewCommission.objects.select_related("service").filter(council=council).first()
    return commission.service if commission is not None else None


def return_interview_service_for(child: Child) -> Agency:
    """The return interview service for the child: the one its responsible council commissions, or,
    when that council has said so, the host council's for a child placed in the host's area.

    DfE 2014 guidance: the interview is normally held by someone independent of the placement and of
    the responsible authority; the responsible authority commissions it. ValidationError naming
    `return_interview_service` when no service is set.
    """
    responsible = child.responsible_authority
    commission = ReturnInterviewCommission.objects.filter(council=responsible).first()
    service = None
    if commission is not None and commission.host_service_out_of_area:
        placement = (
            Placement.objects.current()
            .filter(child=child)
            .select_related("host_authority")
            .order_by("-start_date")
            .first()
        )
        host = placement.host_authority if placement else None
        if host is not None and host.pk != responsible.pk:
            service = commissioned_service(host)
    service = service or (commission.service if commission is not None else None)
    if service is None:
        raise ValidationError(
            {
                NO_INTERVIEW_SERVICE: (
                    f"No return interview service is set for {responsible.name}, so the return cannot be recorded. "
                    "Ask an administrator to record the service it commissions."
                )
            }
        )
    if service.kind != AgencyKind.RHI:
        raise ValidationError(
            {NO_INTERVIEW_SERVICE: f"Agency {service.code} is not a return interview service; ask an administrator."}
        )
    return service


@transaction.atomic
def return_interview_commission_set(
    *, council: Agency, service: Agency, host_service_out_of_area: bool = False
) -> ReturnInterviewCommission:
    """Record which return interview service a council commissions (configuration, not child data)."""
    commission = ReturnInterviewCommission(
        council=council, service=service, host_service_out_of_area=host_service_out_of_area
    )
    commission.clean()
    commission, _ = ReturnInterviewCommission.objects.update_or_create(
        council=council, defaults={"service": service, "host_service_out_of_area": host_service_out_of_area}
    )
    return commission


def _return_interview_assign(*, user, episode: Episode, service: Agency) -> ReturnInterview:
    interview = ReturnInterview.objects.create(
        episode=episode,
        service=service,
        assigned_at=timezone.now(),
        due_at=clocks.return_interview_due(episode.returned_at),
    )
    _log(
        episode,
        user,
        UpdateKind.INTERVIEW,
        interview.assigned_at,
        f"Return interview assigned to {service.name}; due by {dates.when(interview.due_at)}.",
        detail={"status": interview.status, "service": service.code},
    )
    return interview


@transaction.atomic
def episode_record_safe_and_well(*, user, why: str, episode: Episode | int, at=None, text: str = "") -> Episode:
    """The police check that the returned child is safe and well (separate from the interview)."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_police(user, reasons), "record the safe and well check: the police do")
    _not_closed(episode)
    if episode.returned_at is None:
        raise ValidationError({"episode": "Record the child's return before the safe and well check."})
    if episode.safe_and_well_at is not None:
        raise ValidationError(
            {"at": f"The safe and well check was already recorded ({dates.when(episode.safe_and_well_at)})."}
        )
    at = _at_or_now(at, "at", not_before=episode.returned_at, not_before_what="the child returned")
    episode.safe_and_well_at, episode.safe_and_well_by = at, user
    episode.save(update_fields=["safe_and_well_at", "safe_and_well_by", "updated_at"])
    _log(episode, user, UpdateKind.SAFE_AND_WELL, at, f"Safe and well check. {text.strip()}".strip())
    _audit(user, why, Action.UPDATE, episode, {"safe_and_well_at": at.isoformat()})
    return episode


@transaction.atomic
def episode_close(*, user, why: str, episode: Episode | int, at=None, text: str = "") -> Episode:
    """Close the record once the child has returned (police, or the responsible authority)."""
    episode, reasons = _episode_for(user, episode, why)
    _require(rules.may_close(user, reasons), "close this episode")
    if episode.returned_at is None:
        raise ValidationError({"episode": "An episode is closed after the child's return is recorded."})
    _not_closed(episode)
    at = _at_or_now(at, "at", not_before=episode.returned_at, not_before_what="the child returned")
    episode.closed_at = at
    episode.save(update_fields=["closed_at", "updated_at"])
    _log(episode, user, UpdateKind.CLOSED, at, f"Closed by {user.agency.name}. {text.strip()}".strip())
    _audit(user, why, Action.UPDATE, episode, {"closed_at": at.isoformat()})
    signals.episode_closed.send(Episode, user=user, episode=episode)
    return episode


# ---------------------------------------------------------------------------------------------
# Return home interviews
# ---------------------------------------------------------------------------------------------

FINDINGS = (
    "why_went",
    "where_and_with_whom",
    "harm_suffered",
    "exploitation_indicators",
    "what_would_help",
    "child_words",
)


@transaction.atomic
def return_interview_update(
    *,
    user,
    why: str,
    episode: Episode | int,
    status: str | None = None,
    offered_at=None,
    held_at=None,
    why_went: str | None = None,
    where_and_with_whom: str | None = None,
    harm_suffered: str | None = None,
    exploitation_indicators: list[str] | None = None,
    what_would_help: str | None = None,
    child_words: str | None = None,
    held_by: str | None = None,
    held_by_independent: bool | None = None,
    declined_reason: str | None = None,
    declined_detail: str | None = None,
) -> ReturnInterview:
    """Move the interview on (assigned -> offered -> accepted/declined -> completed) and record findings.

    Findings (the worker's account, and the child's own words) are recorded with, or after,
    completion; completion needs held_at. Who held it and whether they are independent of the
    placement and the council are recorded together. Declining needs a reason from DeclineReason
    (with declined_detail for "other"). A field left None is left as it was.
    """
    episode, reasons = _episode_for(user, episode, why)
    interview = ReturnInterview.objects.select_for_update().filter(episode=episode).first()
    if interview is None:
        raise ValidationError({"episode": "No return interview is assigned yet: record the child's return first."})
    _require(rules.may_record_interview(user, reasons, interview), "record this return interview")

    current = interview.status
    if status is not None and status not in InterviewStatus.values:
        raise ValidationError(
            {"status": f"“{status}” is not an interview status: use one of {', '.join(InterviewStatus.values)}."}
        )
    new = status or current
    if new != current and new not in INTERVIEW_TRANSITIONS[current]:
        hint = " Record it as offered first." if current == InterviewStatus.ASSIGNED else ""
        raise ValidationError({"status": f"An interview that is {current} cannot become {new}.{hint}"})
    findings = {
        "why_went": why_went,
        "where_and_with_whom": where_and_with_whom,
        "harm_suffered": harm_suffered,
        "exploitation_indicators": exploitation_indicators,
        "what_would_help": what_would_help,
        "child_words": child_words,
    }
    given = {name: value for name, value in findings.items() if value is not None}
    held_given = held_by is not None or held_by_independent is not None
    if status is None and offered_at is None and held_at is None and not given and not held_given:
        raise ValidationError({"status": "Nothing to record: give a status, a time or findings."})
    for name in given:
        if new != InterviewStatus.COMPLETED:
            raise ValidationError({name: "Findings are recorded when the interview is completed."})

    now = timezone.now()
    returned = episode.returned_at
    if offered_at is not None or (new == InterviewStatus.OFFERED and new != current):
        if new == InterviewStatus.ASSIGNED:
            raise ValidationError({"offered_at": "Record the offer by setting the status to offered."})
        interview.offered_at = _at_or_now(
            offered_at, "offered_at", not_before=returned, not_before_what="the child returned"
        )
    if new == InterviewStatus.ACCEPTED and new != current:
        interview.accepted_at = now
    if held_at is not None and new != InterviewStatus.COMPLETED:
        raise ValidationError({"held_at": "The time held is recorded when the interview is completed."})
    if new == InterviewStatus.COMPLETED:
        if held_at is None and interview.held_at is None:
            raise ValidationError({"held_at": "Enter when the interview was held."})
        if held_at is not None:
            offered = interview.offered_at or returned
            interview.held_at = _at_or_now(
                held_at,
                "held_at",
                not_before=offered,
                not_before_what="it was offered" if interview.offered_at else "the child returned",
            )
    if held_given:
        if new != InterviewStatus.COMPLETED:
            raise ValidationError({"held_by": "Who held the interview is recorded when it is completed."})
        # Both together: a name without the yes/no (or the reverse) says nothing about independence.
        held_by = (held_by if held_by is not None else interview.held_by).strip()
        independent = held_by_independent if held_by_independent is not None else interview.held_by_independent
        if not held_by:
            raise ValidationError({"held_by": "Enter who held the interview."})
        if len(held_by) > 200:
            raise ValidationError({"held_by": "Who held the interview must be at most 200 characters."})
        if not isinstance(independent, bool):
            raise ValidationError(
                {
                    "held_by_independent": (
                        "Say whether the person who held it is independent of the placement and of the council (yes or no)."
                    )
                }
            )
        interview.held_by, interview.held_by_independent = held_by, independent
    if declined_reason is not None or declined_detail is not None:
        if new != InterviewStatus.DECLINED:
            raise ValidationError({"declined_reason": "A reason is recorded only when the child declines."})
    if new == InterviewStatus.DECLINED and new != current:
        if not declined_reason:
            raise ValidationError({"declined_reason": "Select why the child declined the interview."})
        if declined_reason not in DeclineReason.values:
            raise ValidationError(
                {
                    "declined_reason": (
                        f"“{declined_reason}” is not a reason: use one of {', '.join(DeclineReason.values)}."
                    )
                }
            )
        detail = (declined_detail or "").strip()
        if declined_reason == DeclineReason.OTHER and not detail:
            raise ValidationError({"declined_detail": "Say why the child declined."})
        interview.declined_reason, interview.declined_detail = declined_reason, detail
    elif new == InterviewStatus.OFFERED and current == InterviewStatus.DECLINED:
        interview.declined_reason, interview.declined_detail = (
            "",
            "",
        )  # offered again: the refusal is history (timeline)
    if "exploitation_indicators" in given:
        codes = given["exploitation_indicators"]
        if isinstance(codes, str) or not all(isinstance(code, str) for code in codes):
            raise ValidationError({"exploitation_indicators": "Give a list of indicator codes."})
        unknown = [code for code in codes if code not in EXPLOITATION_INDICATORS]
        if unknown:
            raise ValidationError(
                {
                    "exploitation_indicators": (
                        f"Not an indicator: {', '.join(unknown)}. Use codes from the list: {', '.join(EXPLOITATION_INDICATORS)}."
                    )
                }
            )
        given["exploitation_indicators"] = list(dict.fromkeys(codes))
    for name, value in given.items():
        setattr(interview, name, value.strip() if isinstance(value, str) else value)

    if new != current:
        interview.status = new
        closing = new in (InterviewStatus.COMPLETED, InterviewStatus.DECLINED)
        interview.closed_at = now if closing else None
    if given or new == InterviewStatus.COMPLETED:
        interview.recorded_by = user
    interview.save()

    if new != current:
        text = f"Return interview {InterviewStatus(new).label.lower()}"
        if new == InterviewStatus.COMPLETED:
            text += (
                " within 72 hours of return." if interview.held_within_72_hours else " more than 72 hours after return."
            )
        elif new == InterviewStatus.DECLINED:
            text += f": {DeclineReason(interview.declined_reason).label.lower()}."
        else:
            text += "."
        at = {InterviewStatus.OFFERED: interview.offered_at, InterviewStatus.COMPLETED: interview.held_at}.get(
            new
        ) or now
    else:
        text, at = "Return interview record updated.", now
    # The timeline says what happened and when; the findings stay on the interview (rules).
    _log(episode, user, UpdateKind.INTERVIEW, at, text, detail={"status": new, "service": interview.service.code})
    detail = {"status": new, "findings": sorted(given)}
    if new == InterviewStatus.DECLINED:
        detail["declined_reason"] = interview.declined_reason
    _audit(user, why, Action.UPDATE, episode, detail, object_type="return_interview", object_id=interview.pk)
    signals.return_interview_changed.send(
        Episode, user=user, episode=episode, interview=interview, previous_status=current
    )
    return interview


# ---------------------------------------------------------------------------------------------
# Philomena profile (Part A)
# ---------------------------------------------------------------------------------------------


def _photo_cleaned(photo) -> tuple[str, bytes]:
    """The photo decoded and encoded again: (its extension, the new file's bytes).

    Only the pixels are kept. A phone photo's EXIF says where and when it was taken and on what
    device (GPS, time, serial numbers): of a child in care, that can say where they live. Decoding
    every pixel also refuses anything that merely starts like an image.
    """
    if getattr(photo, "size", None) is not None and photo.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": "The photo must be smaller than 5 MB."})
    photo.seek(0)
    content = photo.read(PHOTO_MAX_BYTES + 1)
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": "The photo must be smaller than 5 MB."})
    too_many_pixels = ValidationError(
        {
            "photo": f"The photo must be at most {PHOTO_MAX_PIXELS // 1_000_000} million pixels (for example 8,000 by 5,000)."
        }
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible bomb from its own limit upwards and raises at twice that.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(PHOTO_FORMATS))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels from None
    except (OSError, ValueError, SyntaxError):  # Pillow's ways of saying "not one of these formats"
        raise ValidationError({"photo": PHOTO_NOT_AN_IMAGE}) from None
    with image:
        width, height = image.size
        if width * height > PHOTO_MAX_PIXELS:
            raise too_many_pixels
        format_ = image.format
        out = io.BytesIO()
        try:
            image.load()  # every pixel: a damaged or cut-short file fails here
            # The camera's "this way up" lives in the EXIF that is about to go: turn the pixels instead.
            upright = ImageOps.exif_transpose(image)
            if format_ == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")  # CMYK: JPEG is written as RGB
            # Nothing of the original's metadata goes back in: not EXIF, XMP, ICC profile nor PNG
            # text. Only a PNG's transparency (part of the picture, not about it) is kept.
            upright.info = {key: value for key, value in upright.info.items() if key == "transparency"}
            upright.save(out, format_, **{"PNG": {}, "JPEG": {"quality": 90}, "WEBP": {"quality": 90}}[format_])
        except Exception:  # a malformed file can fail inside Pillow in many ways; each means the same here
            raise ValidationError(
                {"photo": "The photo could not be read: the file may be damaged. Choose another photo."}
            ) from None
    return PHOTO_FORMATS[format_], out.getvalue()


@transaction.atomic
def philomena_profile_save(
    *,
    user,
    why: str,
    child: Child | int,
    description: str = "",
    associates: str = "",
    addresses: str = "",
    places_frequented: str = "",
    phone: str = "",
    social_media: str = "",
    medical_needs: str = "",
    vulnerabilities: str = "",
    previous_missing_history: str = "",
    transport: str = "",
    financial: str = "",
    photo=None,
    remove_photo: bool = False,
) -> PhilomenaProfile:
    """Save Part A as a new version. The photo carries over from the last version unless replaced or removed."""
    child, reasons = _child_for(user, child, why)
    _require(rules.may_keep_profile(user, reasons), "change this child's Philomena profile")
    if len(phone) > 100:
        raise ValidationError({"phone": "Phone must be at most 100 characters."})
    extension, content = _photo_cleaned(photo) if photo is not None else (None, b"")
    # Lock the child's row so two saves cannot both take the next version number.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    previous = PhilomenaProfile.objects.filter(child=child).order_by("-version").first()
    profile = PhilomenaProfile(
        child=child,
        version=(previous.version + 1) if previous else 1,
        created_by=user,
        description=description.strip(),
        associates=associates.strip(),
        addresses=addresses.strip(),
        places_frequented=places_frequented.strip(),
        phone=phone.strip(),
        social_media=social_media.strip(),
        medical_needs=medical_needs.strip(),
        vulnerabilities=vulnerabilities.strip(),
        previous_missing_history=previous_missing_history.strip(),
        transport=transport.strip(),
        financial=financial.strip(),
    )
    if extension is not None:
        # The file is written once the row is committed: a save that fails or is rolled back leaves
        # no photo of a child on disk without a record of it.
        profile.photo.name = profile.photo.field.generate_filename(profile, f"photo{extension}")
        transaction.on_commit(partial(profile.photo.storage.save, profile.photo.name, ContentFile(content)))
    elif previous is not None and previous.photo and not remove_photo:
        profile.photo = previous.photo.name
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        raise ValidationError(
            {"child": "Someone else saved this profile at the same moment: reload and try again."}
        ) from None
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="philomena_profile",
        object_id=profile.pk,
        child_id=child.pk,
        why=why,
        detail={"version": profile.version},
    )
    return profile


# ---------------------------------------------------------------------------------------------
# Found anywhere (issue 14): the return recorded by an officer of any force shown the child in a
# missing look-up (episodes.lookup)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def episode_record_found(
    *,
    user,
    why: str,
    episode: Episode | int,
    found_at,
    found_where: str,
    in_care_of: str,
    postcode: str = "",
    confirm_before_report: bool = True,
) -> Episode:
    """The child found by a force that may not have seen the episode until its search. Instead of the
    scope, the look-up's grant is checked: the episode is open and missing and this officer was shown
    it in a search within the hour (else Http404, the refusal audited). The finding force then leads,
    as the force of the last known location does (agencies.access), and the return is recorded by
    episode_record_return like any other: its interview is due 72 hours after found_at."""
    from homeward.episodes.lookup import matched_episode

    pk = episode.pk if isinstance(episode, Episode) else episode
    episode = matched_episode(user=user, episode_id=pk, why=why, lock=True)
    previous = episode.location_police_force
    code, _ = _place(postcode, "postcode")
    episode.location_police_force = user.agency
    episode.last_known_location, episode.last_known_postcode = (found_where or "").strip(), code
    episode.save(update_fields=["location_police_force", "last_known_location", "last_known_postcode", "updated_at"])
    _audit(
        user,
        why,
        Action.UPDATE,
        episode,
        {
            "found_by_lookup": True,
            "location_police_force": user.agency.code,
            "previous_location_police_force": previous.code if previous else None,
        },
    )
    return episode_record_return(
        user=user,
        why=why,
        episode=episode.pk,
        returned_at=found_at,
        how=ReturnHow.POLICE,
        found_by=f"{user.agency.name} ({user.get_full_name() or user.username})",
        place=found_where,
        postcode=code,
        text=f"Found through a missing look-up. In the care of {in_care_of.strip()}.",
        confirm_before_report=confirm_before_report,
    )
