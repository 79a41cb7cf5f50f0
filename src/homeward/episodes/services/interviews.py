"""Return home interviews: the service a council commissions, the interview assigned at the return, and each step after it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind
from homeward.audit.models import Action
from homeward.children.models import Child, Placement
from homeward.episodes import clocks, rules, signals, timeline
from homeward.episodes.models import (
    EXPLOITATION_INDICATORS,
    DeclineReason,
    INTERVIEW_TRANSITIONS,
    Episode,
    InterviewStatus,
    ReturnInterview,
    ReturnInterviewCommission,
    UpdateKind,
)
from homeward.episodes.services._common import _at_or_now, _audit, _episode_for, _log, _require


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


def return_interview_assign(*, user, episode: Episode, service: Agency) -> ReturnInterview:
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
        timeline.interview_assigned(service_name=service.name, due_at=interview.due_at),
        detail={"status": interview.status, "service": service.code},
    )
    return interview


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
        text = timeline.interview_status(
            status=new, held_in_time=interview.held_within_72_hours, declined_reason=interview.declined_reason
        )
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
