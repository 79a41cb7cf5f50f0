"""The police missing-person report format (returns/POLICE_FORMAT.md): its fields and their checks.

One function, `report_parse`, turns a report as received (a CSV row of text, or a JSON object with
typed values) into the values a PoliceReport holds, or the problems that stop it: the file importer
and the API both call it, so a report means the same whichever door it came in by.
"""

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from homeward import dates
from homeward.dates import CLOCK_SKEW
from homeward.episodes.models import RiskGrade


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # text, date, datetime, bool, sex, risk_grade, risk_history
    required: bool = False
    max_length: int | None = None


FIELDS: tuple[Field, ...] = (
    Field("reference", "text", required=True, max_length=40),
    Field("first_name", "text", required=True, max_length=100),
    Field("last_name", "text", required=True, max_length=100),
    Field("other_names", "text", max_length=300),
    Field("date_of_birth", "date"),
    Field("sex", "sex"),
    Field("council_child_id", "text", max_length=20),
    Field("address", "text", max_length=300),
    Field("address_postcode", "text", max_length=16),
    Field("reported_at", "datetime", required=True),
    Field("reporting_person", "text", max_length=200),
    Field("reporting_person_relationship", "text", max_length=100),
    Field("last_seen_at", "datetime"),
    Field("last_seen_location", "text", max_length=300),
    Field("last_seen_postcode", "text", max_length=16),
    Field("last_seen_by", "text", max_length=200),
    Field("description", "text"),
    Field("clothing", "text"),
    Field("enquiries", "text"),
    Field("out_of_character", "bool"),
    Field("previous_missing_history", "text"),
    Field("phone", "text", max_length=100),
    Field("associates", "text"),
    Field("medical_needs", "text"),
    Field("online_accounts", "text"),
    Field("risk_grade", "risk_grade"),
    Field("risk_history", "risk_history"),
    Field("found_at", "datetime"),
    Field("found_location", "text", max_length=300),
    Field("found_postcode", "text", max_length=16),
    Field("found_by", "text", max_length=200),
    Field("safe_and_well_at", "datetime"),
    Field("safe_and_well_by", "text", max_length=200),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)

# APP on missing persons grades. Forces name the lowest differently ("very low" now, "no apparent
# risk" or "absent" before); these are the spellings accepted for each (case and spaces do not matter).
RISK_GRADE_ALIASES: dict[str, str] = {
    "no_apparent_risk": RiskGrade.NO_APPARENT_RISK,
    "no apparent risk": RiskGrade.NO_APPARENT_RISK,
    "nar": RiskGrade.NO_APPARENT_RISK,
    "absent": RiskGrade.NO_APPARENT_RISK,
    "very low": RiskGrade.NO_APPARENT_RISK,
    "very_low": RiskGrade.NO_APPARENT_RISK,
    "low": RiskGrade.LOW,
    "medium": RiskGrade.MEDIUM,
    "high": RiskGrade.HIGH,
}
SEX_CODES = {"m": "M", "male": "M", "f": "F", "female": "F", "u": "", "unknown": "", "": ""}
TRUE, FALSE = {"y", "yes", "true", "1"}, {"n", "no", "false", "0"}
_UK_DATETIMES = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


class _Problem(Exception):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Problem("must be text")
    return str(value).strip()


def _date(value) -> datetime.date | None:
    text = _text(value)
    if not text:
        return None
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise _Problem(f"'{text}' is not a date (yyyy-mm-dd or dd/mm/yyyy)")


def _datetime(value) -> datetime.datetime | None:
    text = _text(value)
    if not text:
        return None
    parsed = None
    if ":" in text:  # a date alone is not a time
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            for form in _UK_DATETIMES:
                try:
                    parsed = datetime.datetime.strptime(text, form)
                    break
                except ValueError:
                    continue
    if parsed is None:
        raise _Problem(f"'{text}' is not a date and time (ISO 8601, e.g. 2025-03-01T21:30:00Z, or dd/mm/yyyy hh:mm)")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())  # UK time when no offset is given
    return parsed


def _bool(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = _text(value).lower()
    if not text:
        return None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise _Problem(f"'{text}' is not yes or no (Y/N, yes/no, true/false, 1/0)")


def _sex(value) -> str:
    text = _text(value).lower()
    if text not in SEX_CODES:
        raise _Problem(f"'{text}' is not a sex code (M, F or U)")
    return SEX_CODES[text]


def _risk_grade(value) -> str:
    text = " ".join(_text(value).lower().replace("_", " ").split())
    if not text:
        return ""
    grade = RISK_GRADE_ALIASES.get(text) or RISK_GRADE_ALIASES.get(text.replace(" ", "_"))
    if grade is None:
        raise _Problem(f"'{_text(value)}' is not a risk grade (no_apparent_risk, low, medium or high)")
    return str(grade)


def _risk_history(value) -> list[dict]:
    if value is None or value == "":
        return []
    if isinstance(value, str):  # a CSV cell holds the JSON array
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise _Problem("must be a JSON array of gradings") from None
    if not isinstance(value, list):
        raise _Problem("must be an array of gradings")
    history = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            raise _Problem(f"grading {number} is not an object")
        try:
            grade = _risk_grade(item.get("grade"))
            graded_at = _datetime(item.get("graded_at"))
            source, rationale = _text(item.get("source")), _text(item.get("rationale"))
        except _Problem as problem:
            raise _Problem(f"grading {number}: {problem}") from None
        if not grade or graded_at is None:
            raise _Problem(f"grading {number} needs a grade and graded_at")
        history.append(
            {
                "grade": grade,
                "graded_at": graded_at.astimezone(datetime.UTC).isoformat(),
                "source": source,
                "rationale": rationale,
            }
        )
    # In time order, whatever order they came in: the current grade is the latest.
    return sorted(history, key=lambda g: g["graded_at"])


_PARSERS = {
    "text": _text,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "sex": _sex,
    "risk_grade": _risk_grade,
    "risk_history": _risk_history,
}


def report_parse(raw: Mapping, *, now: datetime.datetime | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """(values for a PoliceReport, problems as (field, reason)). Keys are matched without regard to
    case or surrounding spaces; keys not in the format are kept in raw only. No problems means the
    values are complete."""
    now = now or timezone.now()
    given = {str(k).strip().lower(): v for k, v in raw.items()}
    values: dict = {}
    problems: list[tuple[str, str]] = []
    for spec in FIELDS:
        try:
            value = _PARSERS[spec.type](given.get(spec.name))
        except _Problem as problem:
            text = str(problem)
            problems.append((spec.name, f"{text[0].upper()}{text[1:]}."))
            continue
        if spec.required and value in (None, ""):
            problems.append((spec.name, f"{spec.name} is required."))
            continue
        if spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
            problems.append((spec.name, f"{spec.name} is longer than {spec.max_length} characters."))
            continue
        values[spec.name] = value
    if problems:
        return values, problems

    for name in ("reported_at", "last_seen_at", "found_at", "safe_and_well_at"):
        if values[name] is not None and values[name] > now + CLOCK_SKEW:
            problems.append((name, f"{name} ({dates.when(values[name])}) is in the future."))
    if values["date_of_birth"] is not None and values["date_of_birth"] > timezone.localdate(now):
        problems.append(("date_of_birth", "date_of_birth is in the future."))
    if values["found_at"] and values["last_seen_at"] and values["found_at"] < values["last_seen_at"]:
        problems.append(
            (
                "found_at",
                f"found_at ({dates.when(values['found_at'])}) is before last_seen_at ({dates.when(values['last_seen_at'])}).",
            )
        )
    if values["safe_and_well_at"] and not values["found_at"]:
        problems.append(("safe_and_well_at", "A safe and well check follows the child being found: give found_at."))
    elif values["safe_and_well_at"] and values["safe_and_well_at"] < values["found_at"]:
        problems.append(
            ("safe_and_well_at", f"safe_and_well_at is before found_at ({dates.when(values['found_at'])}).")
        )
    if not values["risk_grade"] and values["risk_history"]:
        values["risk_grade"] = values["risk_history"][-1]["grade"]
    return values, problems
