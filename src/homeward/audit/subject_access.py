"""Everything Homeward holds about one child, for a subject access request (UK GDPR Art. 15).

A system export (no user scope: the council answering the request runs it as an administrator), and
audited itself: the export is entered in the child's access log before it is gathered, so it lists
itself. Photos are named, not copied (their bytes are released, if at all, separately).
"""

import datetime
from decimal import Decimal

from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from homeward.audit.models import Action, AuditEvent
from homeward.audit.services import audit_record
from homeward.children.models import Child

WHY = "subject access export"


def _value(value):
    if isinstance(value, FieldFile):
        return value.name or ""  # the file's name only, never its bytes
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return value


def _row(obj: models.Model, *, leave_out: tuple[str, ...] = ()) -> dict:
    """Every stored field of a row; a foreign key as its id (the `_id` name the table uses)."""
    return {
        field.attname: _value(getattr(obj, field.attname) if field.is_relation else getattr(obj, field.name))
        for field in obj._meta.concrete_fields
        if field.name not in leave_out
    }


def _rows(queryset, **options) -> list[dict]:
    return [_row(obj, **options) for obj in queryset]


def subject_access_export(*, child_id: int) -> dict:
    """The child's record and everything attached to it, and every audit entry about the child.

    Raises Child.DoesNotExist for an unknown id (nothing is audited then: there is no one to tell)."""
    from homeward.episodes.models import Episode, PhilomenaProfile
    from homeward.returns.models import CouncilMissingRecord, PoliceReport
    from homeward.safeguarding.models import RiskFlag, Screening, StrategyMeeting
    from homeward.scrutiny.models import LeavingCareReview, PlacementCheck

    with transaction.atomic():
        child = Child.objects.get(pk=child_id)
        audit_record(user=None, action=Action.READ, object_type="child", object_id=child.pk, child_id=child.pk, why=WHY)
        episodes = []
        for episode in Episode.objects.filter(child=child).order_by("started_at", "id"):
            entry = _row(episode)
            entry["updates"] = _rows(episode.updates.order_by("id"))
            entry["risk_gradings"] = _rows(episode.risk_gradings.order_by("id"))
            entry["kind_changes"] = _rows(episode.kind_changes.order_by("id"))
            entry["police_references"] = _rows(episode.police_references.order_by("id"))
            interview = getattr(episode, "return_interview", None)  # None when there is none (a missing one-to-one)
            entry["return_interview"] = _row(interview) if interview is not None else None
            episodes.append(entry)
        flags = []
        for flag in RiskFlag.objects.filter(child=child).order_by("id"):
            entry = _row(flag)
            entry["events"] = _rows(flag.events.order_by("id"))
            flags.append(entry)
        meetings = []
        for meeting in StrategyMeeting.objects.filter(child=child).order_by("id"):
            entry = _row(meeting)
            entry["actions"] = _rows(meeting.actions.order_by("id"))
            meetings.append(entry)
        checks = []
        for check in PlacementCheck.objects.filter(child=child).order_by("id"):
            entry = _row(check)
            entry["requirements"] = _rows(check.requirements.order_by("id"))
            checks.append(entry)
        audit = [
            {**_row(event, leave_out=("prev_hash",))}
            for event in AuditEvent.objects.filter(child_id=child.pk).order_by("seq")
        ]
        return {
            "exported_at": timezone.now().isoformat(),
            "why": "Subject access request (UK GDPR Art. 15)",
            "child": _row(child),
            "other_names": _rows(child.other_names.order_by("id")),
            "placements": _rows(child.placements.order_by("start_date", "id")),
            "episodes": episodes,
            "philomena_profiles": _rows(PhilomenaProfile.objects.filter(child=child).order_by("version")),
            "risk_flags": flags,
            "screenings": _rows(Screening.objects.filter(child=child).order_by("id")),
            "strategy_meetings": meetings,
            "placement_checks": checks,
            "leaving_care_reviews": _rows(LeavingCareReview.objects.filter(child=child).order_by("id")),
            "police_reports": _rows(PoliceReport.objects.filter(child=child).order_by("id")),
            "council_missing_records": _rows(CouncilMissingRecord.objects.filter(child=child).order_by("id")),
            # Children's Wellbeing and Schools Act 2026 (s16LA): what the council decided not to share.
            "decisions_not_to_share": _rows(child.decisions_not_to_share.order_by("id")),
            "audit_entries": audit,
        }
