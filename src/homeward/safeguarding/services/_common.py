"""What every safeguarding write shares: refusals, reasons, times, and how the rules sign their work."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homeward.safeguarding.models import FlagKind


RULE_WHY = "safeguarding rule"  # the audit entry's `why` when the rules act

# Why a rule's facts stop holding, by flag kind (the screening rule says its own: rules.py).
WITHDRAWN = {
    FlagKind.MISSING_OVERNIGHT: "The child was back sooner: the return recorded for the episode behind it ends it before the morning.",
    FlagKind.MISSING_OVER_24_HOURS: "The child was back sooner: the return recorded for the episode behind it ends it within the hours.",
    FlagKind.EXPLOITATION_LOCATION: "The register entry behind it was withdrawn, or the places recorded were corrected.",
    FlagKind.EXPLOITATION_DISCLOSED: "The indicators behind it were removed from the return interview's record.",
}


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"Your role cannot {what}.")


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: "Give the reason: it is kept with the record and in the audit log."})
    return reason


def _at(value, field: str, now: datetime.datetime) -> datetime.datetime:
    if value is None:
        return now
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: "Enter a date and time."})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _who(user) -> str:
    if user is None:
        return "the rule"
    return f"{user.get_full_name() or user.username} ({user.get_role_display()}, {user.agency.name})"
