"""Exploitation screenings and their reassessment clock."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Urgency
from homeward.alerts.recipients import allocated, council_staff
from homeward.alerts.services import cancel_clock, notify, schedule_clock
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.safeguarding import permissions, screening
from homeward.safeguarding.models import Screening
from homeward.safeguarding.selectors import (
    child_in_scope,
    safeguarding_settings_for,
)
from homeward.safeguarding.services._common import _at, _require
from homeward.safeguarding.services.flags import risk_flags_evaluate


@transaction.atomic
def screening_record(
    *, user, why: str, child: Child | int, answers: dict, screened_at: datetime.datetime | None = None, notes: str = ""
) -> Screening:
    """Record a screening, scored by screening.py, due for reassessment in 3 months; then the flags."""
    child, reasons = child_in_scope(user, child, why)
    _require(
        permissions.may_screen(user, reasons),
        "record an exploitation screening: the council that looks after the child does",
    )
    answers = {code: value for code, value in (answers or {}).items() if value}
    problems = screening.validate(answers)
    if problems:
        raise ValidationError({"answers": " ".join(problems)})
    now = timezone.now()
    screened_at = _at(screened_at, "screened_at", now)
    if screened_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"screened_at": "This cannot be in the future."})
    on = timezone.localtime(screened_at).date()
    if on < child.date_of_birth:
        raise ValidationError({"screened_at": "A screening cannot be before the child's date of birth."})
    age = child.age_on(on)
    settings = safeguarding_settings_for(child.responsible_authority)
    grade = screening.grade(answers, age=age, young_child_significant_is_high=settings.young_child_significant_is_high)
    record = Screening.objects.create(
        child=child,
        screened_at=screened_at,
        by=user,
        agency=user.agency,
        age=age,
        answers=answers,
        score=grade.score,
        band=grade.band,
        drivers=[d.as_dict() for d in grade.drivers],
        override=grade.override,
        notes=(notes or "").strip(),
        reassess_due=screening.reassess_due(on),
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="screening",
        object_id=record.pk,
        child_id=child.pk,
        why=why,
        detail={"score": grade.score, "band": grade.band},
    )
    _reassessment_clock_replace(child)
    risk_flags_evaluate(child=child, user=user, now=now)
    return record


# domain.md: reassess at least every 3 months (screening.reassess_due). The clock for the child's
# latest screening tells its allocated social worker on the morning the reassessment falls due.
REASSESSMENT_DUE_TASK = "homeward.safeguarding.tasks.reassessment_due"
REASSESSMENT_ALERT_AT = datetime.time(9, 0)  # Europe/London: the start of the working day it is due


def _reassessment_key(screening_id: int) -> str:
    return f"screening:{screening_id}:reassessment-due"


def _latest_screening(child_id: int) -> Screening | None:
    return Screening.objects.filter(child_id=child_id).order_by("-screened_at", "-id").first()


def _reassessment_clock_replace(child: Child) -> None:
    """One clock per child, for its latest screening: a new screening replaces the earlier one's
    (a screening recorded late, behind a newer one, changes nothing)."""
    latest = _latest_screening(child.pk)
    for screening_id in Screening.objects.filter(child=child).exclude(pk=latest.pk).values_list("pk", flat=True):
        cancel_clock(_reassessment_key(screening_id))
    due = datetime.datetime.combine(latest.reassess_due, REASSESSMENT_ALERT_AT, tzinfo=timezone.get_default_timezone())
    schedule_clock(_reassessment_key(latest.pk), due, REASSESSMENT_DUE_TASK, {"screening_id": latest.pk})


def screening_reassessment_due(*, screening_id: int, due_at: datetime.datetime) -> list:
    """The clock: if this is still the child's latest screening, its reassessment is due — the child's
    allocated social worker is told, or, with none allocated, the council's team manager(s) (its
    missing coordinator(s) if it has no team manager), told so."""
    found = Screening.objects.select_related("child__responsible_authority").filter(pk=screening_id).first()
    if found is None or _latest_screening(found.child_id).pk != found.pk:
        return []  # replaced by a newer screening (the clock was due to be cancelled) or erased
    child = found.child
    worker = allocated(child, "social_worker")
    subject = "An exploitation screening of a child you are responsible for is due for reassessment"
    if worker is not None:
        people = [worker]
    else:
        authority = child.responsible_authority
        people = list(council_staff(authority, [Role.TEAM_MANAGER])) or list(
            council_staff(authority, [Role.MISSING_COORDINATOR])
        )
        subject += ": no social worker is allocated"
    return notify(
        event="screening_reassessment_due",
        recipients=[(person, Urgency.NORMAL) for person in people],
        subject=subject,
        link=reverse("safeguarding:screening", args=[child.pk]),
        child_id=child.pk,
        related=found,
        authority=child.responsible_authority,
        now=max(due_at, timezone.now()),
    )
