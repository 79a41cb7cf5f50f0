"""Writes of schools' reports: one path for each, in one transaction, audited with the child.

A school's designated safeguarding lead reports a looked-after pupil not in school and not where
expected; the carer and the council are told at once. The carer or the council answers: missing or
away opens the episode through episodes.services.episode_open, from the school's time and the time
of the school's report; accounted for closes the report. The school is told the answer.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from homeward import dates
from homeward.agencies.access import access_reasons
from homeward.agencies.models import Role
from homeward.alerts.models import Urgency
from homeward.alerts.recipients import agency_staff, allocated, council_staff
from homeward.alerts.services import notify
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child, Placement
from homeward.children.selectors import child_lookup
from homeward.episodes.services import episode_open
from homeward.schools import rules
from homeward.schools.models import EPISODE_KINDS, Outcome, SchoolReport
from homeward.schools.selectors import school_report_lookup

NO_SUCH_CHILD = "No such child on your school's roll."
# A report is about today's absence: an older one is a matter for the council's records, not an alert.
LONGEST_SINCE_SEEN = datetime.timedelta(days=7)


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"Your role cannot {what}.")


def _link(report: SchoolReport) -> str:
    return reverse("schools:report", args=[report.pk])


def _carers(child: Child) -> list:
    """The staff and registered manager of the child's current placement's provider, if any."""
    placement = (
        Placement.objects.current()
        .filter(child=child, provider__isnull=False)
        .select_related("provider")
        .order_by("-start_date")
        .first()
    )
    if placement is None:
        return []
    return list(agency_staff(placement.provider, [Role.PROVIDER_STAFF, Role.PROVIDER_MANAGER]))


@transaction.atomic
def school_report_absence(
    *, user, why: str, child: Child | int, last_seen_at: datetime.datetime, details: str
) -> SchoolReport:
    """A school's designated safeguarding lead reports a pupil not in school and not where expected."""
    pk = child.pk if isinstance(child, Child) else child
    try:
        child = child_lookup(
            user=user,
            child_id=pk,
            why=why,
            queryset=Child.objects.select_related("responsible_authority", "social_worker"),
        )
    except Http404:
        # Never reveal whether a child the school cannot see exists (the refusal is audited).
        raise ValidationError({"child": NO_SUCH_CHILD}) from None
    _require(rules.may_report(user, access_reasons(user, child)), "report a pupil not in school")
    now = timezone.now()
    last_seen_at = dates.aware(last_seen_at, "last_seen_at", "when the school last saw or expected the child")
    if last_seen_at is None:
        raise ValidationError({"last_seen_at": "Enter when the school last saw the child, or expected them."})
    dates.has_happened(last_seen_at, "last_seen_at", "when the school last saw or expected the child", now=now)
    if last_seen_at < now - LONGEST_SINCE_SEEN:
        raise ValidationError(
            {"last_seen_at": "Report an absence within a week of it: older absences go to the council's records."}
        )
    details = (details or "").strip()
    if not details:
        raise ValidationError(
            {"details": "Say what the school knows: when the child was expected, who has been called."}
        )
    open_episode = child.episodes.filter(returned_at__isnull=True).first()
    if open_episode is not None:
        raise ValidationError(
            {
                "child": f"{child.first_name} is already recorded as {open_episode.get_kind_display().lower()}: "
                "the council and the police know."
            }
        )
    try:
        with transaction.atomic():
            report = SchoolReport.objects.create(
                child=child,
                school=user.agency,
                reported_by=user,
                last_seen_at=last_seen_at,
                details=details,
                reported_at=max(now, last_seen_at),
            )
    except IntegrityError:
        raise ValidationError(
            {
                "child": f"A school's report about {child.first_name} is already awaiting the carer's or "
                "the council's answer."
            }
        ) from None
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="school_report",
        object_id=report.pk,
        child_id=child.pk,
        why=why,
        detail={"school": user.agency.code, "last_seen_at": last_seen_at.isoformat()},
    )
    council = [*council_staff(child.responsible_authority, [Role.MISSING_COORDINATOR])]
    worker = allocated(child, "social_worker")
    if worker is not None:
        council.append(worker)
    notify(
        event="school_report",
        recipients=[(person, Urgency.URGENT) for person in [*_carers(child), *council]],
        subject="A school reports a child in care not in school and not where expected: say whether they are missing",
        link=_link(report),
        child_id=child.pk,
        related=report,
        authority=child.responsible_authority,
        now=now,
    )
    return report


@transaction.atomic
def school_report_answer(*, user, why: str, report: SchoolReport | int, outcome: str, note: str = "") -> SchoolReport:
    """The carer or the council says what the report is. Missing or away opens the episode from the
    school's time (last seen) and the school's report (reported), through the one service for it."""
    report, reasons = school_report_lookup(
        user=user, report_id=report.pk if isinstance(report, SchoolReport) else report, why=why, for_update=True
    )
    _require(rules.may_answer(user, reasons), "answer a school's report: the carer or the council does")
    if not report.awaiting:
        raise ValidationError({"outcome": f"This report was answered already: {report.get_outcome_display().lower()}."})
    if outcome not in Outcome.values or outcome == Outcome.AWAITING:
        raise ValidationError({"outcome": "Choose missing, away or accounted for."})
    note = (note or "").strip()
    if outcome == Outcome.ACCOUNTED_FOR and not note:
        raise ValidationError({"note": "Say where the child is: it is kept with the report."})
    if outcome in EPISODE_KINDS:
        report.episode, _ = episode_open(
            user=user,
            why=why,
            child=report.child.pk,
            kind=EPISODE_KINDS[outcome],
            last_seen_at=report.last_seen_at,
            reported_at=report.reported_at,
            last_seen_location=f"Expected at {report.school.name}",
            circumstances=report.details + (f"\n{note}" if note else ""),
            client_reference=f"school-report-{report.pk}",
        )
    report.outcome, report.outcome_by, report.outcome_at, report.outcome_note = outcome, user, timezone.now(), note
    report.save(update_fields=["outcome", "outcome_by", "outcome_at", "outcome_note", "episode"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="school_report",
        object_id=report.pk,
        child_id=report.child_id,
        why=why,
        detail={"outcome": outcome, "episode": report.episode_id},
    )
    notify(
        event="school_report_answered",
        recipients=[
            (person, Urgency.NORMAL) for person in agency_staff(report.school, [Role.SCHOOL_SAFEGUARDING_LEAD])
        ],
        subject=f"The pupil your school reported not in school is {report.get_outcome_display().lower()}",
        link=_link(report),
        child_id=report.child_id,
        related=report,
        authority=report.child.responsible_authority,
    )
    return report
