"""Reads of safeguarding records. Every one about a child starts from the access-scoping function
(agencies.access) and audits what it shows, with `why` (the route or command); a child the user
cannot see is Http404, as everywhere.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from homeward.agencies.access import access_reasons, visible_children
from homeward.agencies.models import Agency, User
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Child, Placement
from homeward.safeguarding import permissions
from homeward.safeguarding.models import (
    OPEN_MEETING,
    FlagStatus,
    LocationRisk,
    MeetingAction,
    RiskFlag,
    RiskFlagEvent,
    SafeguardingSettings,
    Screening,
    StrategyMeeting,
)


def safeguarding_settings_for(authority: Agency | None) -> SafeguardingSettings:
    """The council's settings, or the shipped defaults (an unsaved row) if it has not set its own."""
    if authority is not None:
        found = SafeguardingSettings.objects.filter(authority=authority).first()
        if found is not None:
            return found
    return SafeguardingSettings(authority=authority)


def _pk(value) -> int:
    try:
        return int(value.pk if hasattr(value, "pk") else value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def child_in_scope(user, child_id) -> tuple[Child, list[str]]:
    """The child and the user's reasons to see it, or Http404."""
    child = visible_children(user).select_related("responsible_authority").filter(pk=_pk(child_id)).first()
    if child is None:
        raise Http404("No such child.")
    return child, access_reasons(user, child)


# ---------------------------------------------------------------------------------------------
# Risk flags
# ---------------------------------------------------------------------------------------------


@dataclass
class FlagSummary:
    raised: list[RiskFlag]
    lowered: list[RiskFlag]  # by a person
    open_meeting: StrategyMeeting | None


def risk_flag_summary(*, user, child: Child) -> FlagSummary:
    """For the child's page: its raised and lowered flags and any open strategy meeting. Not audited
    on its own: it is part of the child's record, whose reading the page has already audited."""
    flags = list(RiskFlag.objects.filter(child__in=visible_children(user), child=child.pk).exclude(status=FlagStatus.CLEARED))
    meeting = StrategyMeeting.objects.filter(OPEN_MEETING, child__in=visible_children(user), child=child.pk).first()
    return FlagSummary(
        raised=[f for f in flags if f.is_raised],
        # Lowered by a person: kept in view. Lowered by the rule (its facts withdrawn): history only.
        lowered=[f for f in flags if f.status == FlagStatus.LOWERED and f.changed_by_id is not None],
        open_meeting=meeting,
    )


@dataclass
class ChildFlags:
    child: Child
    reasons: list[str]
    flags: list[RiskFlag]  # with their events, raised first
    may_change: bool
    may_see_findings: bool  # the indicators behind an exploitation_disclosed flag


def risk_flags_for_child(*, user, child_id, why: str) -> ChildFlags:
    child, reasons = child_in_scope(user, child_id)
    events = RiskFlagEvent.objects.select_related("by__agency").order_by("-at", "-id")
    flags = sorted(
        RiskFlag.objects.filter(child=child).prefetch_related(Prefetch("events", queryset=events)),
        key=lambda f: ([FlagStatus.RAISED, FlagStatus.LOWERED, FlagStatus.CLEARED].index(f.status), -f.changed_at.timestamp()),
    )
    audit_record(user=user, action=Action.LIST, object_type="risk_flag", object_id=child.pk, child_id=child.pk, why=why,
                 detail={"flags": [f.pk for f in flags]})
    # Interview findings go to the service, the responsible authority and inspectors (episodes.rules):
    # the indicators behind a flag are shown here to the last two only.
    findings = permissions.RESPONSIBLE in reasons or permissions.INSPECTOR in reasons
    return ChildFlags(child, reasons, flags, permissions.may_change_flags(user, reasons), findings)


def risk_flag_in_scope(user, child_id, flag_id) -> tuple[RiskFlag, list[str]]:
    child, reasons = child_in_scope(user, child_id)
    flag = RiskFlag.objects.select_for_update(of=("self",)).filter(child=child, pk=_pk(flag_id)).first()
    if flag is None:
        raise Http404("No such flag.")
    flag.child = child
    return flag, reasons


# ---------------------------------------------------------------------------------------------
# Screenings
# ---------------------------------------------------------------------------------------------


def _screenings_allowed(user, reasons: list[str]) -> None:
    if not permissions.may_see_screenings(user, reasons):
        raise PermissionDenied("Exploitation screenings are seen by the council that looks after the child and its inspectors.")


def screening_history(*, user, child_id, why: str) -> tuple[Child, list[str], list[Screening]]:
    child, reasons = child_in_scope(user, child_id)
    _screenings_allowed(user, reasons)
    screenings = list(Screening.objects.filter(child=child).select_related("by", "agency").order_by("-screened_at", "-id"))
    audit_record(user=user, action=Action.LIST, object_type="screening", object_id=child.pk, child_id=child.pk, why=why,
                 detail={"screenings": [s.pk for s in screenings]})
    return child, reasons, screenings


def screening_get(*, user, child_id, screening_id, why: str) -> tuple[Screening, list[str]]:
    child, reasons = child_in_scope(user, child_id)
    _screenings_allowed(user, reasons)
    found = Screening.objects.select_related("by", "agency").filter(child=child, pk=_pk(screening_id)).first()
    if found is None:
        raise Http404("No such screening.")
    found.child = child
    audit_record(user=user, action=Action.READ, object_type="screening", object_id=found.pk, child_id=child.pk, why=why)
    return found, reasons


def screenings_due(*, user, why: str, within_days: int = 14, today: datetime.date | None = None) -> list[Screening]:
    """Each child's latest screening whose reassessment falls due within `within_days` (or is overdue),
    soonest first: for the children the user sees as responsible authority or inspector."""
    today = today or timezone.localdate()
    if not user.is_authenticated or user.agency_id is None:
        return []
    children = visible_children(user)
    if user.role == "inspector":
        scope = children
    else:
        scope = children.filter(responsible_authority=user.agency_id)
    newer = Screening.objects.filter(child=OuterRef("child"), screened_at__gt=OuterRef("screened_at"))
    rows = list(
        Screening.objects.filter(child__in=scope, reassess_due__lte=today + datetime.timedelta(days=within_days))
        .exclude(Exists(newer))
        .select_related("child__responsible_authority")
        .order_by("reassess_due", "child_id")
    )
    audit_record_many(user=user, action=Action.LIST, object_type="screening", why=why, items=[(s.pk, s.child_id) for s in rows],
                      detail={"reassessment_due_by": (today + datetime.timedelta(days=within_days)).isoformat()})
    for row in rows:
        row.overdue = row.reassess_due < today
    return rows


# ---------------------------------------------------------------------------------------------
# Strategy meetings
# ---------------------------------------------------------------------------------------------


def _meetings_seen_by(user, reasons: list[str], child: Child) -> QuerySet[StrategyMeeting]:
    meetings = StrategyMeeting.objects.filter(child=child)
    if permissions.RESPONSIBLE in reasons or permissions.INSPECTOR in reasons:
        return meetings
    return meetings.filter(Q(invited_agencies=user.agency_id) | Q(actions__owner=user)).distinct()


def strategy_meetings_for_child(*, user, child_id, why: str) -> tuple[Child, list[str], list[StrategyMeeting]]:
    child, reasons = child_in_scope(user, child_id)
    meetings = list(_meetings_seen_by(user, reasons, child).select_related("proposed_by").order_by("-proposed_at", "-id"))
    audit_record(user=user, action=Action.LIST, object_type="strategy_meeting", object_id=child.pk, child_id=child.pk, why=why,
                 detail={"meetings": [m.pk for m in meetings]})
    return child, reasons, meetings


def strategy_meeting_get(*, user, child_id, meeting_id, why: str, for_update: bool = False) -> tuple[StrategyMeeting, list[str]]:
    child, reasons = child_in_scope(user, child_id)
    meetings = _meetings_seen_by(user, reasons, child).filter(pk=_pk(meeting_id))
    if for_update:
        # Locked through a plain query on the id found (DISTINCT cannot be locked on PostgreSQL).
        found_id = meetings.values_list("pk", flat=True).first()
        meeting = StrategyMeeting.objects.select_for_update().filter(pk=found_id).first() if found_id else None
    else:
        meeting = meetings.select_related("proposed_by").prefetch_related(
            "invited_agencies", Prefetch("actions", queryset=MeetingAction.objects.select_related("owner__agency", "done_by"))
        ).first()
    if meeting is None:
        raise Http404("No such meeting.")
    meeting.child = child
    if not for_update:
        audit_record(user=user, action=Action.READ, object_type="strategy_meeting", object_id=meeting.pk, child_id=child.pk, why=why)
    return meeting, reasons


def action_owner_choices(meeting: StrategyMeeting) -> QuerySet[User]:
    """People who may own an action: active staff of an invited agency that can see the child now."""
    agencies = list(meeting.invited_agencies.all())
    people = User.objects.filter(agency__in=agencies, is_active=True, is_service_account=False).select_related("agency")
    return people.order_by("agency__name", "last_name", "first_name", "username")


def can_see_child(user, child: Child) -> bool:
    return visible_children(user).filter(pk=child.pk).exists()


def default_invitees(child: Child, *, now: datetime.datetime | None = None) -> list[Agency]:
    """The responsible council, the host council and police force of the current placement, the
    forces where the child's recent episodes were last known to be, and the return interview service."""
    from homeward.episodes.models import Episode, ReturnInterview

    now = now or timezone.now()
    since = now - datetime.timedelta(days=90)
    ids: list[int] = [child.responsible_authority_id]
    for placement in Placement.objects.current().filter(child=child):
        ids += [placement.host_authority_id, placement.police_force_id]
    ids += Episode.objects.filter(child=child).filter(Q(returned_at__isnull=True) | Q(started_at__gte=since)).values_list(
        "location_police_force", flat=True
    )
    ids += ReturnInterview.objects.filter(episode__child=child).values_list("service", flat=True).distinct()
    rhi = Agency.objects.filter(code=f"RHI-{child.responsible_authority.code}").values_list("pk", flat=True).first()
    ids.append(rhi)
    wanted = list(dict.fromkeys(i for i in ids if i is not None))
    found = {a.pk: a for a in Agency.objects.filter(pk__in=wanted)}
    return [found[i] for i in wanted if i in found]


def my_open_actions(user) -> QuerySet[MeetingAction]:
    """The user's actions not yet done, about children they can still see."""
    return MeetingAction.objects.filter(owner=user, done_at__isnull=True, meeting__child__in=visible_children(user)).select_related(
        "meeting__child"
    )


# ---------------------------------------------------------------------------------------------
# The location risk register (not a child's data: places)
# ---------------------------------------------------------------------------------------------


def location_register(*, include_withdrawn: bool = False, today: datetime.date | None = None) -> list[LocationRisk]:
    today = today or timezone.localdate()
    entries = LocationRisk.objects.select_related("agency", "added_by")
    if not include_withdrawn:
        entries = entries.filter(withdrawn_at__isnull=True)
    rows = list(entries.order_by("area", "id"))
    for row in rows:
        row.in_force = row.withdrawn_at is None and row.starts_on <= today and (row.expires_on is None or row.expires_on > today)
    return rows
