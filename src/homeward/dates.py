"""Dates and times, one way: how every page, PDF and message writes them, and the rules every date
field a person enters is held to.

Written as GOV.UK writes them (GOV.UK style guide, "Dates" and "Times"): "6 December 2026, 2:30am";
a date alone "6 December 2026"; no leading zero; am and pm in lower case; "12pm" for midday and
"12am" for midnight. Shown in Europe/London (architecture rule 4). Machine formats (SSDA903
dd/mm/yyyy, ISO 8601 in API bodies and audit details) are not for people and stay as they are.

The rules raise ValidationError naming the field, with the field's own words in the message, so a
form, the API and an importer all refuse the same input with the same sentence.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

# Clocks on phones and agency systems drift: a time up to this far ahead of ours is taken as "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)


def _time(value: datetime.datetime) -> str:
    hour = value.hour % 12 or 12  # 0:00 is 12am (midnight), 12:00 is 12pm (midday)
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def when(value: datetime.datetime | datetime.date | None, *, date_only: bool = False) -> str:
    """ "6 December 2026, 2:30am" for a moment, "6 December 2026" for a day (or date_only); "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        day = f"{local.day} {local:%B %Y}"
        return day if date_only else f"{day}, {_time(local)}"
    return f"{value.day} {value:%B %Y}"


# ---------------------------------------------------------------------------------------------
# The rules for entered dates
# ---------------------------------------------------------------------------------------------


def aware(value, field: str, label: str) -> datetime.datetime | None:
    """A datetime as given, or None; a naive one is read as UK time (how people enter it)."""
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: f"Enter {label} as a date and time."})
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (ValueError, OverflowError):
            raise ValidationError(
                {field: f"{_first(label)} does not exist or is ambiguous in UK time; give an offset."}
            ) from None
    return value


def has_happened(value: datetime.datetime, field: str, label: str, *, now: datetime.datetime | None = None) -> None:
    """Something that must already have happened (a return, a check, an interview held) is not in
    the future."""
    now = now or timezone.now()
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: f"{_first(label)} cannot be in the future ({when(value)} is later than now)."})


def day_has_happened(value: datetime.date, field: str, label: str) -> None:
    """The day-only form of has_happened."""
    if value > timezone.localdate():
        raise ValidationError({field: f"{_first(label)} cannot be in the future ({when(value)} is after today)."})


def is_ahead(value: datetime.datetime, field: str, label: str, *, now: datetime.datetime | None = None) -> None:
    """Something being arranged (a meeting scheduled) is not in the past."""
    now = now or timezone.now()
    if value < now - CLOCK_SKEW:
        raise ValidationError({field: f"{_first(label)} cannot be in the past ({when(value)} is earlier than now)."})


def _same_minute(value: datetime.datetime, earlier: datetime.datetime) -> bool:
    return value.replace(second=0, microsecond=0) == earlier.replace(second=0, microsecond=0)


def not_before(
    value: datetime.datetime, earlier: datetime.datetime, field: str, label: str, earlier_what: str
) -> datetime.datetime:
    """Something that follows another (held after offered, returned after leaving) is not before it.

    People type times to the minute; the moments Homeward stamps itself (an offer recorded now) carry
    seconds. A typed time in the same minute as the moment it follows is that moment, so it is
    returned as it: the person is not refused for a minute the form cannot say more precisely."""
    if value >= earlier:
        return value
    if _same_minute(value, earlier):
        return earlier
    raise ValidationError({field: f"{_first(label)} cannot be before {earlier_what} ({when(earlier)})."})


class Unconfirmed(ValidationError):
    """A time that can be right but seldom is: refused, naming the field, until the person confirms
    it. `flag` is the input that says so (a form's checkbox, an API body's boolean)."""

    def __init__(self, message: dict, *, flag: str) -> None:
        super().__init__(message)
        self.flag = flag


def confirmed_not_before(
    value: datetime.datetime,
    earlier: datetime.datetime,
    field: str,
    label: str,
    earlier_what: str,
    *,
    confirmed: bool,
    flag: str,
) -> None:
    """Something that usually follows another but may not (a child back before the report was made)
    is before it only when the person says so: a slip of the day or the hour is caught, a true time kept."""
    if value < earlier and not confirmed and not _same_minute(value, earlier):
        raise Unconfirmed(
            {
                field: f"{_first(label)} is before {earlier_what} ({when(earlier)}). Check the time, or confirm it is right."
            },
            flag=flag,
        )


def _first(label: str) -> str:
    return label[:1].upper() + label[1:]
