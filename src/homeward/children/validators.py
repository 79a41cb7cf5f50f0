"""Checks on a child's identifiers. Each raises ValidationError naming the field and the reason."""

import datetime
import re

from django.core.exceptions import ValidationError

from homeward.children.identifiers import UPN_LETTERS, nhs_number_is_valid, upn_check_letter
from homeward.children.models import Sex

# DfE UPN guidance: a check letter, LA number (3), establishment (4), year allocated (2) and serial
# (3), whose last character is a letter in a temporary UPN. Letters exclude I, O and S.
_UPN = re.compile(rf"^[{UPN_LETTERS}][0-9]{{11}}[0-9{UPN_LETTERS}]$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OLDEST_YEARS = 25  # care leavers are supported until 25 (Children and Social Work Act 2017)
_CHILD_ID = re.compile(r"^[A-Za-z0-9]{1,10}$")
# SSDA903 ETHNIC codes (DfE CLA guidance).
ETHNIC_CODES = {
    "WBRI",
    "WIRI",
    "WIRT",
    "WOTH",
    "WROM",
    "MWBC",
    "MWBA",
    "MWAS",
    "MOTH",
    "AIND",
    "APKN",
    "ABAN",
    "AOTH",
    "BCRB",
    "BAFR",
    "BOTH",
    "CHNE",
    "OOTH",
    "REFU",
    "NOBT",
}
PLACEMENT_TYPES = {
    "A3",
    "A4",
    "A5",
    "A6",
    "H5",
    "K1",
    "K2",
    "K3",
    "P1",
    "P2",
    "P3",
    "R1",
    "R2",
    "R3",
    "R5",
    "S1",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "Z1",
    # From 2025-26 the DfE splits Z1 (other placements) into Z11-Z14 (domain.md); records of earlier
    # years keep Z1, and returns.checks holds each year to its own codes.
    "Z11",
    "Z12",
    "Z13",
    "Z14",
}
PROVIDER_TYPES = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}


def clean_nhs_number(raw: str) -> str:
    value = re.sub(r"[\s-]", "", raw or "")
    if value and not nhs_number_is_valid(value):
        raise ValidationError({"nhs_number": "NHS number must be 10 digits with a valid check digit."})
    return value


def clean_upn(raw: str) -> str:
    value = (raw or "").strip().upper()
    if not value:
        return value
    if not _UPN.match(value):
        raise ValidationError(
            {"upn": "UPN must be a check letter, 11 digits and a final digit or letter (13 characters)."}
        )
    if value[0] != upn_check_letter(value[1:]):
        raise ValidationError(
            {
                "upn": f"UPN check letter is wrong: {value[0]} is not {upn_check_letter(value[1:])}, so a character is mistyped."
            }
        )
    return value


def clean_la_child_id(raw: str) -> str:
    value = (raw or "").strip()
    if not _CHILD_ID.match(value):
        raise ValidationError({"la_child_id": "Council child id must be 1 to 10 letters or digits."})
    return value


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # from 29 February into a year without one: the day after 28 February
        return datetime.date(day.year - years, 3, 1)


def clean_date_of_birth(value: datetime.date | str, *, today: datetime.date | None = None) -> datetime.date:
    """A real calendar date, not in the future and not more than 25 years ago. A string must be
    YYYY-MM-DD (as the API and ISO 8601 write it)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            value = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                {"date_of_birth": f"Date of birth '{text}' is not a real date: enter it as YYYY-MM-DD."}
            ) from None
    elif isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError({"date_of_birth": "Date of birth must be a date (YYYY-MM-DD)."})
    today = today or datetime.date.today()
    if value > today:
        raise ValidationError({"date_of_birth": "Date of birth cannot be in the future."})
    if value < _years_before(today, OLDEST_YEARS):
        raise ValidationError(
            {"date_of_birth": "Date of birth is more than 25 years ago: not a child in care or a care leaver."}
        )
    return value


def clean_sex(raw: str) -> str:
    if raw not in Sex.values:
        raise ValidationError({"sex": f"Sex must be one of {', '.join(Sex.values)} (SSDA903 codes)."})
    return raw


def clean_ethnicity(raw: str) -> str:
    value = (raw or "").strip().upper()
    if value and value not in ETHNIC_CODES:
        raise ValidationError({"ethnicity": f"'{value}' is not an SSDA903 ethnicity code."})
    return value


def clean_placement_codes(*, placement_type: str, provider_type: str) -> None:
    if placement_type not in PLACEMENT_TYPES:
        raise ValidationError({"placement_type": f"'{placement_type}' is not an SSDA903 placement code."})
    if provider_type not in PROVIDER_TYPES:
        raise ValidationError({"provider_type": f"'{provider_type}' is not an SSDA903 provider code (PR0–PR5)."})
