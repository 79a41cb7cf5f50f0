"""Check digits of a child's national identifiers, by python-stdnum. Plain Python, no Django: the
validators (children.validators) check what people enter with them, and the synthetic generator
(synth.generator) makes numbers that pass.
"""

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
