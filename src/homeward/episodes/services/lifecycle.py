"""An episode from report to close: opened, its kind changed, graded, updated, returned, checked safe and well, closed; ended with care; found by any force."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from homeward import dates
from homeward.audit.models import Action
from homeward.children.models import Child, Placement
from homeward.episodes import rules, signals, ssda903_periods, timeline
from homeward.episodes.models import (
    FREE_UPDATE_KINDS,
    Episode,
    EpisodeUpdate,
    Kind,
    KindChange,
    PhilomenaProfile,
    PoliceReference,
    ReturnHow,
    ReturnInterview,
    RiskGrade,
    RiskGrading,
    UpdateKind,
)
from homeward.episodes.services._common import (
    Conflict,
    TIME_LABELS,
    _at_or_now,
    _audit,
    _aware,
    _child_for,
    _episode_for,
    _log,
    _not_closed,
    _place,
    _placement_force,
    _require,
    care_problem,
    start_placements_refresh,
)
from homeward.episodes.services.interviews import return_interview_assign, return_interview_service_for
from homeward.episodes.services.profiles import philomena_profile_save


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
    overlapping = child.episodes.filter(ssda903_periods.overlapping(started_at)).order_by("started_at").first()
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
            start_placements_refresh(Episode.objects.filter(pk=episode.pk))
            episode.refresh_from_db(fields=["start_placement", "start_host_authority", "start_police_force"])
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
    text = timeline.reported(
        kind=episode.kind,
        agency_name=user.agency.name,
        left_at=left_at,
        last_seen_at=last_seen_at,
        missing_since=None if given else started_at,
        interviews_still_open=list(
            still_open.order_by("episode__started_at").values_list("episode__started_at", flat=True)
        ),
    )
    still_open.update(missing_again_episode=episode)
    _log(
        episode,
        user,
        UpdateKind.REPORTED,
        reported_at,
        text,
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
    _log(
        episode,
        user,
        UpdateKind.KIND_CHANGE,
        at,
        timeline.kind_changed(to_kind=to_kind, from_kind=previous, text=text),
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
    text = timeline.risk_graded(grade=risk_grade, previous=previous, source=source, rationale=rationale)
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
        timeline.police_reference(agency_name=user.agency.name, reference=reference),
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

    summary = timeline.returned(at=returned_at, how=how, found_by=episode.found_by, text=text)
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
    interview = return_interview_assign(user=user, episode=episode, service=service)
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
    _log(episode, user, UpdateKind.SAFE_AND_WELL, at, timeline.safe_and_well(text))
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
    _log(episode, user, UpdateKind.CLOSED, at, timeline.closed(agency_name=user.agency.name, text=text))
    _audit(user, why, Action.UPDATE, episode, {"closed_at": at.isoformat()})
    signals.episode_closed.send(Episode, user=user, episode=episode)
    return episode


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
