"""A child's national identifiers: their check digits, by python-stdnum (the validators in
children.validators check what people enter with them, and the synthetic generator makes numbers
that pass), and which of them is the consistent child identifier.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from stdnum.gb import nhs, upn

# DfE UPN guidance: letters exclude I, O and S.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def nhs_check_digit(nine: str) -> int | None:
    """The Modulus 11 check digit (NHS Data Dictionary, NHS NUMBER) that completes nine digits; None
    when it would be 10, as no NHS number starts with those nine. stdnum's checksum of all ten digits
    is 0 for a valid number, so the digit is what a 0 in its place leaves short of a multiple of 11."""
    check = -nhs.checksum(nine + "0") % 11
    return None if check == 10 else check


def nhs_number_is_valid(value: str) -> bool:
    """Exactly ten digits, the last the check digit. Spaces and dashes are the caller's to strip
    (children.validators.clean_nhs_number does); here they make it invalid."""
    return len(value) == 10 and value.isascii() and value.isdigit() and nhs.is_valid(value)


def upn_check_letter(twelve: str) -> str:
    """The DfE check letter for the 12 characters after it: each weighted by its position (2 to 13),
    a letter counting as its place in UPN_LETTERS (A=0 ... Z=22), the sum mod 23 indexing UPN_LETTERS.
    Only the letter is stdnum's: its upn.validate() also refuses an LA number not on its list, which
    lacks the councils made since 2021 (940-943) and the 950-999 that synthetic UPNs use."""
    return upn.calc_check_digit(twelve)


def nhs_number_display(value: str) -> str:
    """Shown 3 3 4, as the NHS writes it."""
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 10 else value


# Children's Wellbeing and Schools Act 2026 (s16LC Children Act 2004): a consistent identifier is
# included when information about a child is processed; the Government intends the NHS number.
# HOMEWARD_CONSISTENT_IDENTIFIER picks it until regulations say otherwise: "none" keys on nothing.
# Each: the Child field, its label and how it is shown.
CONSISTENT_IDENTIFIERS = {"nhs_number": ("NHS number", nhs_number_display), "none": None}


def consistent_identifier_field() -> str | None:
    """The Child field that is the consistent identifier, or None when the setting is "none"."""
    chosen = settings.HOMEWARD_CONSISTENT_IDENTIFIER
    if chosen not in CONSISTENT_IDENTIFIERS:
        raise ImproperlyConfigured(
            f"HOMEWARD_CONSISTENT_IDENTIFIER is {chosen!r}: it must be one of {', '.join(CONSISTENT_IDENTIFIERS)}."
        )
    return None if CONSISTENT_IDENTIFIERS[chosen] is None else chosen


def consistent_identifier(child) -> tuple[str, str] | None:
    """(label, value as shown) of the child's consistent identifier; None when the setting keys on
    nothing or the child's identifier is not known."""
    name = consistent_identifier_field()
    value = getattr(child, name) if name else ""
    if not value:
        return None
    label, shown = CONSISTENT_IDENTIFIERS[name]
    return label, shown(value)
