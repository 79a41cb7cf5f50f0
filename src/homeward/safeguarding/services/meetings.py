"""Strategy meetings: proposed by the rules or by people, scheduled, recorded, cancelled, and their actions."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from homeward import dates
from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.models import Urgency
from homeward.alerts.recipients import agency_staff, allocated, council_staff
from homeward.alerts.services import notify
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.safeguarding import permissions, rules
from homeward.safeguarding.models import (
    OPEN_MEETING,
    FlagKind,
    MeetingAction,
    MeetingStatus,
    RiskFlag,
    StrategyMeeting,
)
from homeward.safeguarding.selectors import (
    can_see_child,
    child_in_scope,
    default_invitees,
    strategy_meeting_get,
)
from homeward.safeguarding.services._common import RULE_WHY, _at, _reason, _require, _who


def _meeting_link(meeting: StrategyMeeting) -> str:
    return reverse("safeguarding:meeting", args=[meeting.child_id, meeting.pk])


# Who at each invited agency is told of a meeting about a child they can see: the partner's named
# contact for missing children (the host council's and the force's coordinators), the interview
# service's workers, the home's registered manager. The responsible council: see _tell_meeting.
INVITEE_ROLES = {
    AgencyKind.LOCAL_AUTHORITY: [Role.MISSING_COORDINATOR],
    AgencyKind.POLICE: [Role.POLICE_COORDINATOR],
    AgencyKind.RHI: [Role.RHI_WORKER],
    AgencyKind.PROVIDER: [Role.PROVIDER_MANAGER],
    # Health and education at the table (Working Together 2023): the ICB's designated nurse and its
    # safeguarding lead, a trust's named nurse, the virtual school head, the school's safeguarding lead.
    AgencyKind.ICB: [Role.DESIGNATED_NURSE, Role.HEALTH_SAFEGUARDING_LEAD],
    AgencyKind.NHS_TRUST: [Role.NAMED_NURSE],
    AgencyKind.VIRTUAL_SCHOOL: [Role.VIRTUAL_SCHOOL_HEAD],
    AgencyKind.SCHOOL: [Role.SCHOOL_SAFEGUARDING_LEAD],
}


def _tell_meeting(
    child: Child, meeting: StrategyMeeting, now, *, event: str, council_subject: str, invitee_subject: str
) -> None:
    """The responsible council's team managers (its missing coordinators if it has none) and the
    child's allocated social worker; and the relevant roles at every other invited agency, if they can
    see the child (the link would show them nothing otherwise)."""
    authority = child.responsible_authority
    council = list(council_staff(authority, [Role.TEAM_MANAGER])) or list(
        council_staff(authority, [Role.MISSING_COORDINATOR])
    )
    worker = allocated(child, "social_worker")
    if worker is not None and worker not in council:
        council.append(worker)
    invitees = [
        person
        for agency in meeting.invited_agencies.exclude(pk=authority.pk).order_by("pk")
        for person in agency_staff(agency, INVITEE_ROLES.get(agency.kind, []))
        if can_see_child(person, child)
    ]
    for people, subject in ((council, council_subject), (invitees, invitee_subject)):
        notify(
            event=event,
            recipients=[(person, Urgency.NORMAL) for person in people],
            subject=subject,
            link=_meeting_link(meeting),
            child_id=child.pk,
            related=meeting,
            authority=authority,
            now=now,
        )


def _create_meeting(child: Child, *, by, reason: str, rule_facts: dict, now) -> StrategyMeeting:
    try:
        with transaction.atomic():
            meeting = StrategyMeeting.objects.create(
                child=child, proposed_at=now, proposed_by=by, reason=reason, rule_facts=rule_facts
            )
    except IntegrityError:
        raise ValidationError(
            {"meeting": "A strategy meeting is already proposed or scheduled for this child."}
        ) from None
    meeting.invited_agencies.set(default_invitees(child, now=now))
    audit_record(
        user=by,
        action=Action.CREATE,
        object_type="strategy_meeting",
        object_id=meeting.pk,
        child_id=child.pk,
        why=RULE_WHY if by is None else "strategy meeting proposed",
        detail={"by": "rule" if by is None else "person"},
    )
    _tell_meeting(
        child,
        meeting,
        now,
        event="strategy_meeting_proposed",
        council_subject="A strategy meeting is proposed for a child you are responsible for",
        invitee_subject="Your agency is invited to a strategy meeting proposed for a child in care",
    )
    return meeting


def strategy_meeting_propose_if_due(
    child: Child, flags: dict[str, RiskFlag], requires: list[list[str]], now, *, trigger
) -> StrategyMeeting | None:
    """The council's rule (SafeguardingSettings.meeting_requires; by default repeat missing AND an
    exploitation flag, as Essex's "3 in 90 days plus exploitation risk"): propose a meeting unless one
    is open, or the last one was held or cancelled on these very facts."""
    if not requires:
        return None
    raised = {kind: flag for kind, flag in flags.items() if flag.is_raised}
    chosen = []
    for group in requires:
        present = [kind for kind in group if kind in raised]
        if not present:
            return None
        chosen += present
    if StrategyMeeting.objects.filter(OPEN_MEETING, child=child).exists():
        return None
    evidence = sorted(
        {key for kind in chosen for key in raised[kind].evidence}
        | {f"flag:{raised[kind].pk}:{raised[kind].raised_at.isoformat()}" for kind in chosen}
    )
    last = StrategyMeeting.objects.filter(child=child).order_by("-proposed_at", "-id").first()
    if last is not None and not set(evidence) - set(last.rule_facts.get("evidence", [])):
        return None
    names = " and ".join(" or ".join(FlagKind(k).label.lower() for k in group) for group in requires)
    lines = [f"Proposed by the rule: this council proposes a strategy meeting for {names}."]
    lines += [f"{raised[kind].get_kind_display()}: {raised[kind].explanation}" for kind in chosen]
    rule_facts = {
        "requires": requires,
        "evidence": evidence,
        "flags": {kind: {"flag_id": raised[kind].pk, "explanation": raised[kind].explanation} for kind in chosen},
    }
    if trigger is not None:
        rule_facts["triggered_by_user"] = trigger.pk
    return _create_meeting(child, by=None, reason="\n".join(lines), rule_facts=rule_facts, now=now)


@transaction.atomic
def strategy_meeting_propose(*, user, why: str, child: Child | int, reason: str) -> StrategyMeeting:
    """A person proposes a meeting the rules did not."""
    child, reasons = child_in_scope(user, child, why)
    _require(permissions.may_manage_meetings(user, reasons), "propose a strategy meeting")
    reason = _reason(reason)
    meeting = _create_meeting(
        child, by=user, reason=f"Proposed by {_who(user)}: {reason}", rule_facts={}, now=timezone.now()
    )
    return meeting


def _meeting_for(user, child, meeting) -> tuple[StrategyMeeting, list[str]]:
    found, reasons = strategy_meeting_get(user=user, child_id=child, meeting_id=meeting, why="", for_update=True)
    found.child = Child.objects.select_related("responsible_authority").get(pk=found.child_id)
    return found, reasons


def _audit_meeting(user, why: str, meeting: StrategyMeeting, detail: dict) -> None:
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="strategy_meeting",
        object_id=meeting.pk,
        child_id=meeting.child_id,
        why=why,
        detail=detail,
    )


@transaction.atomic
def strategy_meeting_schedule(
    *, user, why: str, child, meeting, scheduled_for: datetime.datetime, invited_agency_ids: list[int] | None = None
) -> StrategyMeeting:
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "schedule a strategy meeting")
    if not meeting.is_open:
        raise ValidationError({"scheduled_for": f"This meeting was {meeting.get_status_display().lower()}."})
    if scheduled_for is None:
        raise ValidationError({"scheduled_for": "Enter when the meeting will be held."})
    meeting.scheduled_for = _at(scheduled_for, "scheduled_for", timezone.now())
    dates.is_ahead(meeting.scheduled_for, "scheduled_for", "the meeting time")  # a meeting is arranged ahead
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save(update_fields=["scheduled_for", "status", "updated_at"])
    if invited_agency_ids is not None:
        agencies = list(Agency.objects.filter(pk__in=invited_agency_ids, active=True))
        if len(agencies) != len(set(invited_agency_ids)):
            raise ValidationError({"invited": "Choose agencies from the list."})
        if meeting.child.responsible_authority_id not in {a.pk for a in agencies}:
            raise ValidationError({"invited": "The council that looks after the child is always invited."})
        meeting.invited_agencies.set(agencies)
    _audit_meeting(
        user,
        why,
        meeting,
        {
            "status": meeting.status,
            "scheduled_for": meeting.scheduled_for.isoformat(),
            "invited": sorted(meeting.invited_agencies.values_list("code", flat=True)),
        },
    )
    when = rules.moment(meeting.scheduled_for)
    _tell_meeting(
        meeting.child,
        meeting,
        timezone.now(),
        event="strategy_meeting_scheduled",
        council_subject=f"A strategy meeting for a child you are responsible for is set for {when}",
        invitee_subject=f"Your agency is invited to a strategy meeting at {when} about a child in care",
    )
    return meeting


@transaction.atomic
def strategy_meeting_record(
    *,
    user,
    why: str,
    child,
    meeting,
    held_at: datetime.datetime | None,
    decisions: str,
    attended_agency_ids: list[int] | None = None,
) -> StrategyMeeting:
    """The meeting was held: when, what it decided and, when given, which invited agencies came.
    Decisions and attendance of a held meeting may be amended."""
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "record a strategy meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"decisions": "This meeting was cancelled."})
    decisions = (decisions or "").strip()
    if not decisions:
        raise ValidationError({"decisions": "Record what the meeting decided."})
    now = timezone.now()
    held_at = _at(held_at, "held_at", now) if held_at is not None or meeting.held_at is None else meeting.held_at
    if held_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"held_at": "A meeting is recorded once it has been held: this cannot be in the future."})
    if held_at < meeting.proposed_at - datetime.timedelta(days=1):
        raise ValidationError({"held_at": "This is before the meeting was proposed."})
    attended = None
    if attended_agency_ids is not None:
        invited = {a.pk: a for a in meeting.invited_agencies.all()}
        if not set(attended_agency_ids) <= set(invited):
            raise ValidationError({"attended": "Choose who came from the agencies invited."})
        attended = [invited[pk] for pk in dict.fromkeys(attended_agency_ids)]
    meeting.status, meeting.held_at, meeting.decisions = MeetingStatus.HELD, held_at, decisions
    meeting.save(update_fields=["status", "held_at", "decisions", "updated_at"])
    detail = {"status": meeting.status, "held_at": held_at.isoformat()}
    if attended is not None:
        meeting.attended_agencies.set(attended)
        detail["attended"] = sorted(a.code for a in attended)
    _audit_meeting(user, why, meeting, detail)
    return meeting


@transaction.atomic
def strategy_meeting_cancel(*, user, why: str, child, meeting, reason: str) -> StrategyMeeting:
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "cancel a strategy meeting")
    if not meeting.is_open:
        raise ValidationError({"reason": f"This meeting was {meeting.get_status_display().lower()}."})
    meeting.status, meeting.cancelled_at, meeting.cancelled_reason = (
        MeetingStatus.CANCELLED,
        timezone.now(),
        _reason(reason),
    )
    meeting.save(update_fields=["status", "cancelled_at", "cancelled_reason", "updated_at"])
    _audit_meeting(user, why, meeting, {"status": meeting.status, "reason": meeting.cancelled_reason[:1000]})
    return meeting


@transaction.atomic
def meeting_action_add(
    *, user, why: str, child, meeting, description: str, owner: User | int, due_date: datetime.date
) -> MeetingAction:
    """An action with its owner and due date; the owner is told (in their inbox, and by email)."""
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "give actions from a strategy meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"description": "This meeting was cancelled."})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what is to be done."})
    owner_id = owner.pk if isinstance(owner, User) else owner
    owner = (
        User.objects.select_related("agency")
        .filter(pk=owner_id, agency__in=meeting.invited_agencies.all(), is_active=True, is_service_account=False)
        .first()
        if owner_id
        else None
    )
    if owner is None:
        raise ValidationError({"owner": "Choose who will do it, from the agencies invited."})
    if not can_see_child(owner, meeting.child):
        raise ValidationError(
            {
                "owner": f"{owner.get_full_name() or owner.username} cannot see this child's record, so cannot own an action."
            }
        )
    if not isinstance(due_date, datetime.date):
        raise ValidationError({"due_date": "Enter the date it is due."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    action = MeetingAction.objects.create(
        meeting=meeting, description=description, owner=owner, due_date=due_date, created_by=user
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="meeting_action",
        object_id=action.pk,
        child_id=meeting.child_id,
        why=why,
        detail={"meeting": meeting.pk, "owner": owner.pk, "due_date": due_date.isoformat()},
    )
    notify(
        event="meeting_action_assigned",
        recipients=[(owner, Urgency.NORMAL)],
        subject=f"You have an action from a strategy meeting, due {rules.day(due_date)}",
        link=_meeting_link(meeting),
        child_id=meeting.child_id,
        related=action,
        authority=meeting.child.responsible_authority,
    )
    return action


@transaction.atomic
def meeting_action_complete(*, user, why: str, child, meeting, action: MeetingAction | int) -> MeetingAction:
    found, reasons = strategy_meeting_get(user=user, child_id=child, meeting_id=meeting, why="", for_update=True)
    pk = action.pk if isinstance(action, MeetingAction) else action
    action = MeetingAction.objects.select_for_update().filter(pk=pk, meeting=found).first()
    if action is None:
        raise ValidationError({"action": "No such action."})
    _require(
        permissions.may_complete_action(user, reasons, action), "mark this action done: its owner or the council does"
    )
    if action.done_at is not None:
        return action
    action.done_at, action.done_by = timezone.now(), user
    action.save(update_fields=["done_at", "done_by"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="meeting_action",
        object_id=action.pk,
        child_id=found.child_id,
        why=why,
        detail={"done": True},
    )
    return action
