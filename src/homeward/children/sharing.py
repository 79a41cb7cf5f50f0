"""The duty to share (Children's Wellbeing and Schools Act 2026, s16LA Children Act 2004): who has
been shown a child's record, and what the council decided not to share.

Sharing is not recorded twice. Every read of a child's record is already in the audit log with the
reader's agency and what was read, and audit.services keeps there, for anyone of another agency
than the council responsible for the child, the reasons that agency had (its lawful basis). The
register is read from the log alone. The one exception to the duty, a decision not to share because
sharing would be more detrimental to the child, is recorded here (DecisionNotToShare) with its reason.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from homeward.agencies.access import Reason, access_reasons
from homeward.agencies.fields import Field, fields_visible
from homeward.agencies.models import Agency
from homeward.agencies.permissions import Permission, may
from homeward.audit.models import Action, AuditEvent
from homeward.audit.services import DISCLOSED_UNDER, DISCLOSURES, audit_record
from homeward.children.models import Child, DecisionNotToShare
from homeward.children.selectors import child_refused, child_lookup


# The parts of the record a decision can withhold, as a practitioner names them (agencies.fields).
PARTS = {
    Field.IDENTITY: "Who the child is",
    Field.IDENTIFIERS: "NHS number and unique pupil number",
    Field.FAMILY_HOME: "Family home address",
    Field.CURRENT_PLACEMENT: "Current placement",
    Field.PLACEMENT_HISTORY: "Previous placements",
    Field.PHILOMENA_PROFILE: "Philomena profile (Part A)",
    Field.INTERVIEW_FINDINGS: "What the child said at return home interviews",
    Field.EPISODES: "Missing and away episodes",
    Field.MISSING_NOW: "Whether the child is missing now",
    Field.CONTACTS: "Who to call",
}

# What each kind of audit entry showed, as a practitioner names it.
PARTS_READ = {
    "child": "The child's record",
    "child_timeline": "The child's timeline",
    "episode": "Missing and away episodes",
    "philomena_profile": "Philomena profile (Part A)",
    "philomena_photo": "Photo",
    "missing_lookup_match": "Look-up match: name, age, risk, photo and who to call",
    "return_interview": "Return home interview",
    "screening": "Exploitation screening",
    "strategy_meeting": "Strategy meetings",
    "risk_flag": "Risk flags",
    "placement_check": "Placement checks",
    "school_report": "School's report",
    "candidate_pair": "Record linkage",
    "sharing_register": "What has been shared, and decisions not to share",
}
# A child named in a list or in search results is shown less than its record opened.
LISTED = "Named in a list or search results"


def _part_read(object_type: str, action: str) -> str:
    if object_type == "child" and action in (Action.LIST, Action.SEARCH):
        return LISTED
    return PARTS_READ.get(object_type, object_type.replace("_", " ").capitalize())


@dataclass
class Disclosure:
    """All one agency has been shown of one child's record, from the audit log."""

    agency_code: str
    agency_name: str
    reasons: list[str] = field(default_factory=list)  # the lawful basis, each one recorded
    basis_not_recorded: bool = False  # some reads were logged before the basis was kept
    parts: list[str] = field(default_factory=list)
    first: datetime.datetime | None = None
    last: datetime.datetime | None = None
    times: int = 0


def _disclosures(child: Child) -> list[Disclosure]:
    events = AuditEvent.objects.filter(child_id=child.pk, action__in=DISCLOSURES).exclude(
        agency_code__in=["", child.responsible_authority.code]
    )
    found: dict[str, Disclosure] = {}
    grouped = events.values("agency_code", "object_type", "action").annotate(
        first=Min("at"), last=Max("at"), times=Count("id")
    )
    for row in grouped.order_by("agency_code", "object_type", "action"):
        entry = found.setdefault(row["agency_code"], Disclosure(row["agency_code"], row["agency_code"]))
        part = _part_read(row["object_type"], row["action"])
        if part not in entry.parts:
            entry.parts.append(part)
        entry.first = min(row["first"], entry.first or row["first"])
        entry.last = max(row["last"], entry.last or row["last"])
        entry.times += row["times"]
    for code, reasons in events.values_list("agency_code", f"detail__{DISCLOSED_UNDER}").distinct():
        if reasons is None:
            found[code].basis_not_recorded = True
        for reason in reasons or []:
            if reason not in found[code].reasons:
                found[code].reasons.append(reason)
    for agency in Agency.objects.filter(code__in=found):
        found[agency.code].agency_name = agency.name
    return sorted(found.values(), key=lambda d: d.last, reverse=True)


@dataclass
class SharingRegister:
    child: Child
    fields: frozenset[Field]
    disclosures: list[Disclosure]
    decisions: list[DecisionNotToShare]
    may_decide: bool


def may_read_register(user, reasons: Iterable[Reason], fields: frozenset[Field]) -> bool:
    # A role shown nothing of the child (a performance analyst) reads nothing of its sharing either.
    return may(user, Permission.READ_SHARING_REGISTER, reasons) and Field.IDENTITY in fields


def may_decide_not_to_share(user, reasons: Iterable[Reason]) -> bool:
    return may(user, Permission.DECIDE_NOT_TO_SHARE, reasons)


def _readable(*, user, child_id: int | str, why: str) -> tuple[Child, list[Reason], frozenset[Field]]:
    """The child, if the user may read its register; anyone else is refused like a child out of
    scope (audited as `denied`, Http404), so an agency learns nothing of what it was not given."""
    child = child_lookup(user=user, child_id=child_id, why=why)
    reasons = access_reasons(user, child)
    fields = fields_visible(user=user, child=child)
    if not may_read_register(user, reasons, fields):
        raise child_refused(user=user, child_id=child.pk, why=why)
    return child, reasons, fields


def child_sharing_register(*, user, child_id: int | str, why: str) -> SharingRegister:
    """Every disclosure of the child's record to another agency, per agency, and every decision not
    to share, newest first. For the responsible council and an inspector with a grant only."""
    child, reasons, fields = _readable(user=user, child_id=child_id, why=why)
    decisions = list(
        DecisionNotToShare.objects.filter(child=child).select_related("agency", "decided_by").order_by("-decided_at")
    )
    audit_record(
        user=user, action=Action.READ, object_type="sharing_register", object_id=child.pk, child_id=child.pk, why=why
    )
    return SharingRegister(
        child=child,
        fields=fields,
        disclosures=_disclosures(child),
        decisions=decisions,
        may_decide=may_decide_not_to_share(user, reasons),
    )


def decision_form_child(*, user, child_id: int | str, why: str) -> Child:
    """The child, for the person who may record a decision not to share it; anyone else Http404."""
    child, reasons, _ = _readable(user=user, child_id=child_id, why=why)
    if not may_decide_not_to_share(user, reasons):
        raise child_refused(user=user, child_id=child.pk, why=why)
    return child


def decision_not_to_share_record(
    *,
    user,
    why: str,
    child_id: int | str,
    reason: str,
    parts: Iterable[str],
    agency_id: int | str | None = None,
    request_kind: str = "",
) -> DecisionNotToShare:
    """Record that part of the child's record was not shared with an agency (or with a kind of
    request) because sharing would be more detrimental to the child (s16LA). The child's social
    worker or team manager at the responsible council decides; the reason is required."""
    with transaction.atomic():
        child = decision_form_child(user=user, child_id=child_id, why=why)
        errors = {}
        agency = None
        if agency_id not in (None, ""):
            try:
                agency = Agency.objects.filter(pk=int(agency_id), active=True).first()
            except (TypeError, ValueError):
                agency = None
            if agency is None:
                errors["agency"] = "Choose an agency from the list."
            elif agency.pk == child.responsible_authority_id:
                errors["agency"] = "Choose another agency: the duty to share is about agencies other than yours."
        request_kind = (request_kind or "").strip()
        if len(request_kind) > 200:
            errors["request_kind"] = "The kind of request must be 200 characters or fewer."
        if agency is None and not request_kind and "agency" not in errors:
            errors["agency"] = "Choose the agency not given the information, or describe the kind of request."
        parts = list(dict.fromkeys(parts or []))
        unknown = [part for part in parts if part not in PARTS]
        if unknown or not parts:
            errors["parts"] = "Choose which parts of the record were not shared."
        reason = (reason or "").strip()
        if not reason:
            errors["reason"] = "Say why sharing would be more detrimental to the child than not sharing."
        if errors:
            raise ValidationError(errors)
        decision = DecisionNotToShare.objects.create(
            child=child,
            agency=agency,
            request_kind=request_kind,
            parts=parts,
            reason=reason,
            decided_by=user,
            decided_at=timezone.now(),
        )
        audit_record(
            user=user,
            action=Action.CREATE,
            object_type="decision_not_to_share",
            object_id=decision.pk,
            child_id=child.pk,
            why=why,
            detail={"agency": agency.code if agency else "", "request_kind": request_kind, "parts": parts},
        )
    return decision
