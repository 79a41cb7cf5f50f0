"""Reads of schools' reports: through the one look-up of a child (scoped, refusals audited), and audited."""

from django.http import Http404

from homeward.agencies.access import access_reasons
from homeward.audit.models import Action
from homeward.audit.refusals import refuse
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.children.selectors import child_lookup
from homeward.schools import rules
from homeward.schools.models import SchoolReport


def school_report_lookup(*, user, report_id, why: str, for_update: bool = False) -> tuple[SchoolReport, list[str]]:
    """The report and the user's reasons to see its child, or Http404 (the refusal audited). Records no read."""
    try:
        pk = int(report_id)
    except (TypeError, ValueError):
        pk = None
    reports = SchoolReport.objects.select_related("school", "reported_by", "outcome_by", "episode")
    report = (
        (reports.select_for_update(of=("self",)) if for_update else reports).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if report is None:
        refuse(user=user, object_type="school_report", object_id=report_id, child_id=None, why=why)
        raise Http404("No such report.")
    report.child = child_lookup(
        user=user,
        child_id=report.child_id,
        why=why,
        queryset=Child.objects.select_related("responsible_authority", "social_worker"),
    )
    reasons = access_reasons(user, report.child)
    if not rules.may_see(user, reasons, report):
        refuse(user=user, object_type="school_report", object_id=report.pk, child_id=report.child_id, why=why)
        raise Http404("No such report.")
    return report, reasons


def school_report_get(*, user, report_id, why: str) -> tuple[SchoolReport, list[str]]:
    report, reasons = school_report_lookup(user=user, report_id=report_id, why=why)
    audit_record(
        user=user,
        action=Action.READ,
        object_type="school_report",
        object_id=report.pk,
        child_id=report.child_id,
        why=why,
    )
    return report, reasons
