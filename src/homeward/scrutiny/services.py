"""The placement check, and the approvals, notices and consultations it asks for.

The duties (Care Planning, Placement and Case Review (England) Regulations 2010 as amended 2013;
domain.md, "Out-of-area placements"):
  out of area  -> the nominated officer approves; written notice to the host council before the
                  placement, or within 5 working days of it in an emergency
  distant      -> (out of area and not in an adjoining council) the Director of Children's Services
                  approves too, and the host council is consulted
The check runs when a social worker asks (placement_check_run) and whenever Homeward learns of a
placement, whichever door it came by (on_placements_created): a placement made after a check takes
that check and its records; one made without is checked by the system. An approval, notice or
consultation not done by its due date is escalated on the alert clocks: first to the council's
nominated officer(s), then to its director.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from homeward.agencies.access import access_reasons
from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.alerts.recipients import allocated, council_staff
from homeward.alerts.models import Urgency
from homeward.alerts.services import cancel_clock, notify, schedule_clock
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child, Placement
from homeward.children.services import SUPPORTED_ACCOMMODATION, SUPPORTED_ACCOMMODATION_MIN_AGE
from homeward.children.validators import PLACEMENT_TYPES
from homeward.places.adjoining import AreaRelation, area_relation
from homeward.places.services import PlacementGeography, placement_geography
from homeward.places.working_days import add_working_days
from homeward.scrutiny import findings as findings_module
from homeward.scrutiny import permissions
from homeward.scrutiny.models import (
    APPROVALS,
    TO_HOST,
    Outcome,
    PlacementCheck,
    LeavingCareReview,
    Requirement,
    RequirementKind,
    StaffTraining,
    TrainingTopic,
)

# Reg 11 (as amended 2013): notice within 5 working days of an emergency placement.
EMERGENCY_NOTICE_WORKING_DAYS = 5
# A placement Homeward learns of this long after it began predates Homeward's part in the decision
# (a first import of a council's history): it is checked and recorded, but not chased.
LEARNED_LATE = datetime.timedelta(days=28)
# An overdue requirement tells the nominated officer(s) at once, then the director this many working
# days later if it is still not done.
DIRECTOR_AFTER_WORKING_DAYS = 2
OVERDUE_TASK = "homeward.scrutiny.tasks.requirement_overdue"
CHAIN = (Role.NOMINATED_OFFICER, Role.DIRECTOR)
SAME_PROPOSAL_DAYS = 14  # a placement starting this near a proposal's date, at its postcode, is that proposal


def requirements_for(relation: str, *, start_date: datetime.date, emergency: bool) -> list[tuple[str, datetime.date]]:
    """(kind, due date) of each approval, notice and consultation a placement needs."""
    if relation == AreaRelation.IN_AREA:
        return []
    notice_due = add_working_days(start_date, EMERGENCY_NOTICE_WORKING_DAYS) if emergency else start_date
    needed = [(RequirementKind.NOMINATED_OFFICER_APPROVAL, start_date), (RequirementKind.HOST_NOTICE, notice_due)]
    if relation == AreaRelation.DISTANT:
        needed += [(RequirementKind.DIRECTOR_APPROVAL, start_date), (RequirementKind.HOST_CONSULTATION, notice_due)]
    return needed


def _clock_key(requirement_id: int, rung: int) -> str:
    return f"requirement:{requirement_id}:overdue:{rung}"


def _due_at(day: datetime.date) -> datetime.datetime:
    # Due "by" a date: overdue once that day has ended, Europe/London.
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def _requirements(checks: list[PlacementCheck]) -> None:
    """The approvals, notices and consultations each check asks for; a chased one's clocks set."""
    requirements = Requirement.objects.bulk_create(
        [
            Requirement(placement_check=check, kind=kind, due_on=due_on)
            for check in checks
            for kind, due_on in requirements_for(check.relation, start_date=check.start_date, emergency=check.emergency)
        ]
    )
    chased = {check.pk for check in checks if check.chased}
    for requirement in requirements:
        if requirement.placement_check_id in chased:
            schedule_clock(
                _clock_key(requirement.pk, 0),
                _due_at(requirement.due_on),
                OVERDUE_TASK,
                {"requirement_id": requirement.pk, "rung": 0},
            )


@transaction.atomic
def placement_check_run(
    *,
    user,
    why: str,
    child: Child,
    start_date: datetime.date,
    placement_type: str,
    placement_postcode: str,
    home_postcode: str = "",
    provider: Agency | None = None,
    emergency: bool = False,
) -> PlacementCheck:
    """Check a placement before it is made: where it is and how far from home, which approvals and
    notices it needs, the home's record, what is known of the area, the child's own history. Kept as
    the page showed it, for the decision-maker to sign (requirement_record)."""
    reasons = access_reasons(user, child)
    if not permissions.may_run_check(user, reasons):
        raise PermissionDenied("Only the council that looks after the child checks a placement for it.")
    if provider is not None and provider.kind != AgencyKind.PROVIDER:
        raise ValidationError({"provider": "Choose a children's home or other placement provider."})
    if start_date < child.date_of_birth:
        raise ValidationError({"start_date": "A placement cannot start before the child's date of birth."})
    # The placement rules the placement itself will meet (children.services), told now, before placing.
    if placement_type not in PLACEMENT_TYPES:
        raise ValidationError({"placement_type": f"'{placement_type}' is not an SSDA903 placement code."})
    if placement_type in SUPPORTED_ACCOMMODATION and child.age_on(start_date) < SUPPORTED_ACCOMMODATION_MIN_AGE:
        raise ValidationError(
            {
                "placement_type": (
                    f"{child.first_name} is {child.age_on(start_date)} then: a child under 16 cannot be placed in supported "
                    "accommodation (unlawful since 9 September 2021)."
                )
            }
        )
    geography = placement_geography(placement_postcode=placement_postcode, home_postcode=home_postcode)
    relation = area_relation(child.responsible_authority.code, geography.host_authority.code)
    check = PlacementCheck.objects.create(
        child=child,
        start_date=start_date,
        emergency=emergency,
        placement_type=placement_type,
        provider=provider,
        placement_postcode=geography.placement_postcode,
        home_postcode=geography.home_postcode,
        host_authority=geography.host_authority,
        police_force=geography.police_force,
        relation=relation,
        distance_miles=geography.distance_miles,
        run_by=user,
        findings=findings_module.compute(
            user=user,
            child=child,
            start_date=start_date,
            placement_type=placement_type,
            provider=provider,
            geography=geography,
            relation=relation,
        ),
    )
    _requirements([check])
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="placement_check",
        object_id=check.pk,
        child_id=child.pk,
        why=why,
        detail={"relation": check.relation, "host": geography.host_authority.code},
    )
    return check


def _tell_host(requirement: Requirement, *, now) -> None:
    check = requirement.placement_check
    subject = (
        "Another council asks your view on placing a child far from home in your area"
        if requirement.kind == RequirementKind.HOST_CONSULTATION
        else "Another council gives notice of placing a child in your area"
    )
    notify(
        event=requirement.kind,
        recipients=[(p, Urgency.NORMAL) for p in council_staff(check.host_authority, [Role.MISSING_COORDINATOR])],
        subject=subject,
        link="/placements/in-your-area/",
        child_id=None,
        related=requirement,
        now=now,
    )


@transaction.atomic
def requirement_record(*, user, why: str, requirement: Requirement | int, outcome: str, reasons: str) -> Requirement:
    """An approval given or refused, or a notice or consultation sent to the host council (which is
    told at once). Only the role the regulations name may approve; reasons are required."""
    pk = requirement.pk if isinstance(requirement, Requirement) else requirement
    requirement = (
        Requirement.objects.select_for_update(of=("self",))
        .select_related("placement_check__child__responsible_authority", "placement_check__host_authority")
        .get(pk=pk)
    )
    check = requirement.placement_check
    if not permissions.may_record(user, access_reasons(user, check.child), requirement.kind):
        raise PermissionDenied(f"{requirement.get_kind_display()}: not yours to record.")
    if requirement.done:
        raise ValidationError(
            {
                "outcome": f"{requirement.get_kind_display()} was recorded on {timezone.localtime(requirement.done_at):%d/%m/%Y}."
            }
        )
    allowed = (Outcome.APPROVED, Outcome.REFUSED) if requirement.kind in APPROVALS else (Outcome.SENT,)
    if outcome not in allowed:
        raise ValidationError({"outcome": f"Choose {' or '.join(o.label.lower() for o in allowed)}."})
    reasons = (reasons or "").strip()
    if not reasons:
        what = "the reasons for the decision" if requirement.kind in APPROVALS else "what the notice says"
        raise ValidationError({"reasons": f"Enter {what}."})
    now = timezone.now()
    requirement.done_at, requirement.done_by, requirement.outcome, requirement.reasons = (
        now,
        user,
        outcome,
        reasons[:5000],
    )
    requirement.save(update_fields=["done_at", "done_by", "outcome", "reasons"])
    for rung in range(len(CHAIN)):
        cancel_clock(_clock_key(requirement.pk, rung))
    if requirement.kind in TO_HOST:
        _tell_host(requirement, now=now)
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="placement_requirement",
        object_id=requirement.pk,
        child_id=check.child_id,
        why=why,
        detail={"kind": requirement.kind, "outcome": outcome},
    )
    return requirement


@transaction.atomic
def requirement_respond(*, user, why: str, requirement: Requirement | int, response: str) -> Requirement:
    """The host council's answer to a notice or consultation (what it knows of the home and the area)."""
    pk = requirement.pk if isinstance(requirement, Requirement) else requirement
    requirement = (
        Requirement.objects.select_for_update(of=("self",))
        .select_related("placement_check")
        .filter(pk=pk, kind__in=TO_HOST, done_at__isnull=False)
        .first()
    )
    if requirement is None or not permissions.may_respond(user, requirement.placement_check.host_authority_id):
        # Not found, or not this council's to answer: the same answer either way.
        raise ValidationError({"requirement": "There is no such notice or consultation for your council to answer."})
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Enter your council's response."})
    requirement.response, requirement.responded_at, requirement.responded_by = response[:5000], timezone.now(), user
    requirement.save(update_fields=["response", "responded_at", "responded_by"])
    check = requirement.placement_check
    # The child's social worker, or the team managers when nobody holds the case.
    worker = allocated(check.child, "social_worker")
    people = [worker] if worker else council_staff(check.child.responsible_authority, [Role.TEAM_MANAGER])
    notify(
        event="host_response",
        recipients=[(p, Urgency.NORMAL) for p in people],
        subject="The host council has answered your notice or consultation about a placement",
        link=f"/placements/checks/{check.pk}/",
        child_id=check.child_id,
        related=requirement,
    )
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="placement_requirement",
        object_id=requirement.pk,
        child_id=None,
        why=why,
        detail={"responded": True},
    )
    return requirement


def on_placements_created(sender, *, placements, user=None, **kwargs) -> None:
    """Every placement Homeward learns of is checked: a proposal checked before it (same child, same
    postcode, a start within SAME_PROPOSAL_DAYS) becomes its check, with what was approved and sent;
    otherwise the system runs the check. Placements already ended are history, not decisions, and
    one learned of long after it began is recorded but not chased (LEARNED_LATE)."""
    today = timezone.localdate()
    _moves_on(placements, ended=False)
    current = [p for p in placements if p.host_authority_id and (p.end_date is None or p.end_date > today)]
    if not current:
        return
    # Each placement's child read a thousand at a time, not one query a placement.
    for start in range(0, len(current), 1000):
        prefetch_related_objects(current[start : start + 1000], "child")
    proposals: dict[int, list[PlacementCheck]] = {}
    for check in PlacementCheck.objects.filter(child_id__in={p.child_id for p in current}, placement__isnull=True):
        proposals.setdefault(check.child_id, []).append(check)
    councils = dict(Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).values_list("pk", "code"))
    checks = []
    for placement in current:
        match = next(
            (
                c
                for c in proposals.get(placement.child_id, ())
                if c.placement_postcode == placement.placement_postcode
                and abs((c.start_date - placement.start_date).days) <= SAME_PROPOSAL_DAYS
            ),
            None,
        )
        if match is not None:
            match.placement = placement
            match.save(update_fields=["placement"])
            proposals[placement.child_id].remove(match)
            continue
        child = placement.child
        relation = area_relation(councils[child.responsible_authority_id], councils[placement.host_authority_id])
        chased = today - placement.start_date <= LEARNED_LATE
        findings = {}
        if chased:  # the whole check for a placement being made now; the geography alone for history
            where = PlacementGeography(
                placement_postcode=placement.placement_postcode,
                home_postcode=placement.home_postcode,
                district_code=placement.district_code,
                host_authority=placement.host_authority,
                police_force=placement.police_force,
                distance_miles=placement.distance_miles,
            )
            findings = findings_module.compute(
                user=None,
                child=child,
                start_date=placement.start_date,
                relation=relation,
                placement_type=placement.placement_type,
                provider=placement.provider,
                geography=where,
            )
        checks.append(
            PlacementCheck(
                child=child,
                placement=placement,
                start_date=placement.start_date,
                placement_type=placement.placement_type,
                provider_id=placement.provider_id,
                placement_postcode=placement.placement_postcode,
                home_postcode=placement.home_postcode,
                host_authority_id=placement.host_authority_id,
                police_force_id=placement.police_force_id,
                relation=relation,
                distance_miles=placement.distance_miles,
                findings=findings,
                chased=chased,
            )
        )
    _requirements(PlacementCheck.objects.bulk_create(checks, batch_size=500))


def requirement_overdue(*, requirement_id: int, rung: int, due_at: datetime.datetime) -> None:
    """Not done by its due date: the nominated officer(s) are told; still not done two working days
    later, the director. Someone is always told: a council without the rung's role tells the next."""
    requirement = (
        Requirement.objects.select_related("placement_check__child__responsible_authority")
        .filter(pk=requirement_id, done_at__isnull=True)
        .first()
    )
    if requirement is None:
        return
    check = requirement.placement_check
    council = check.child.responsible_authority
    people = next((found for role in CHAIN[rung:] if (found := list(council_staff(council, [role])))), [])
    placed = "has been placed" if check.placement_id else "is to be placed"
    notify(
        event="placement_requirement_overdue",
        recipients=[(p, Urgency.URGENT) for p in people],
        subject=f"A child {placed} out of area without a recorded {requirement.get_kind_display().split(' (')[0].lower()}",
        link=f"/placements/checks/{check.pk}/",
        child_id=check.child_id,
        related=requirement,
        now=max(due_at, timezone.now()),
    )
    if rung + 1 < len(CHAIN):
        again = _due_at(add_working_days(timezone.localtime(due_at).date(), DIRECTOR_AFTER_WORKING_DAYS))
        schedule_clock(
            _clock_key(requirement.pk, rung + 1),
            again,
            OVERDUE_TASK,
            {"requirement_id": requirement.pk, "rung": rung + 1},
        )


@transaction.atomic
def staff_training_record(
    *,
    user,
    why: str,
    provider: Agency,
    staff_name: str,
    topic: str,
    completed_on: datetime.date,
    renewal_due_on: datetime.date,
) -> StaffTraining:
    """A home's registered manager records a staff member's training (shown on placement checks as coverage)."""
    if user.agency_id != provider.pk or user.role != Role.PROVIDER_MANAGER:
        raise PermissionDenied("The home's registered manager records its staff's training.")
    if not (staff_name or "").strip():
        raise ValidationError({"staff_name": "Enter the staff member's name."})
    if topic not in TrainingTopic.values:
        raise ValidationError({"topic": "Choose the training."})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The training cannot be completed in the future."})
    if renewal_due_on <= completed_on:
        raise ValidationError({"renewal_due_on": "Renewal must fall after the training was completed."})
    training = StaffTraining.objects.create(
        provider=provider,
        staff_name=staff_name.strip()[:200],
        topic=topic,
        completed_on=completed_on,
        renewal_due_on=renewal_due_on,
        recorded_by=user,
    )
    audit_record(user=user, action=Action.CREATE, object_type="staff_training", object_id=training.pk, why=why)
    return training


# ---------------------------------------------------------------------------------------------
# 16- and 17-year-olds leaving care, or moving to supported accommodation or independent living
# ---------------------------------------------------------------------------------------------

# Care Planning, Placement and Case Review (England) Regulations 2010, regs 22C and 39: such a move
# is reviewed, with the IRO, before it takes effect. A review held this long before still covers it.
LEAVING_CARE_AGES = (16, 17)
OTHER_ARRANGEMENTS = frozenset({"K3", "H5", "P2"})  # supported, semi-independent, independent living
REVIEW_COVERS = datetime.timedelta(days=90)


def _reviewed(child: Child, move_on: datetime.date) -> bool:
    return LeavingCareReview.objects.filter(
        child=child, held_on__lte=move_on, held_on__gte=move_on - REVIEW_COVERS
    ).exists()


def _flag_unreviewed(child: Child, move_on: datetime.date, what: str) -> None:
    """Tell the child's IRO (the council's IROs when none is allocated): the review is the IRO's to see held."""
    iro = allocated(child, "iro")
    people = [iro] if iro else council_staff(child.responsible_authority, [Role.IRO, Role.TEAM_MANAGER])
    notify(
        event="leaving_care_unreviewed",
        recipients=[(p, Urgency.URGENT) for p in people],
        subject=f"A young person's {what} has no review recorded before it",
        link=f"/children/{child.pk}/leaving-care-review/",
        child_id=child.pk,
        related=child,
    )


def _moves_on(placements, *, ended: bool) -> None:
    today = timezone.localdate()
    for placement in placements:
        move_on = placement.end_date if ended else placement.start_date
        if today - move_on > LEARNED_LATE:
            continue  # history arriving late: not a decision being made
        child = placement.child
        if child.age_on(move_on) not in LEAVING_CARE_AGES:
            continue
        if (
            ended
            and Placement.objects.filter(child=child)
            .exclude(pk=placement.pk)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=move_on))
            .exists()
        ):
            continue  # another placement goes on after it: still in care
        if not ended and placement.placement_type not in OTHER_ARRANGEMENTS:
            continue
        if not _reviewed(child, move_on):
            _flag_unreviewed(
                child, move_on, "move out of care" if ended else "move to supported accommodation or independent living"
            )


def on_placements_ended(sender, *, placements, **kwargs) -> None:
    """A 16- or 17-year-old's last placement ending is a move out of care: flagged to the IRO
    unless a review was recorded before it."""
    _moves_on(placements, ended=True)


@transaction.atomic
def leaving_care_review_record(
    *,
    user,
    why: str,
    child: Child,
    held_on: datetime.date,
    move_on: datetime.date,
    young_persons_view: str,
    readiness: str,
    iro_view: str,
) -> LeavingCareReview:
    """The review before a 16- or 17-year-old leaves care or moves to other arrangements."""
    if not permissions.may_run_check(user, access_reasons(user, child)):
        raise PermissionDenied("Only the council that looks after the young person records this review.")
    errors = {
        name: f"Enter {label}."
        for name, label, value in (
            ("young_persons_view", "the young person's view", young_persons_view),
            ("readiness", "how ready they are", readiness),
            ("iro_view", "the IRO's view", iro_view),
        )
        if not (value or "").strip()
    }
    if held_on > timezone.localdate():
        errors["held_on"] = "The review cannot be held in the future: record it once it has been held."
    if move_on < held_on:
        errors["move_on"] = "The move must come after the review."
    if child.age_on(move_on) not in LEAVING_CARE_AGES:
        errors.setdefault(
            "move_on", f"{child.first_name} is {child.age_on(move_on)} then: this review is for 16- and 17-year-olds."
        )
    if errors:
        raise ValidationError(errors)
    review = LeavingCareReview.objects.create(
        child=child,
        held_on=held_on,
        move_on=move_on,
        young_persons_view=young_persons_view.strip(),
        readiness=readiness.strip(),
        iro_view=iro_view.strip(),
        recorded_by=user,
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="leaving_care_review",
        object_id=review.pk,
        child_id=child.pk,
        why=why,
    )
    return review
