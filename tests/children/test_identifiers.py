"""The check digits of NHS numbers and UPNs (children.identifiers, by python-stdnum) agree with the
rules as the NHS Data Dictionary and the DfE write them, worked here by hand, on every case."""

import random

import pytest
from django.core.exceptions import ValidationError

from homeward.children import identifiers, validators

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _nhs_by_hand(nine: str) -> int | None:
    # NHS Data Dictionary: digits weighted 10 down to 2, 11 less the sum mod 11; 11 is 0, 10 is no number.
    check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    return None if check == 10 else check % 11


def _upn_by_hand(twelve: str) -> str:
    # DfE: characters weighted 2 to 13 (a letter as its place in the list, A = 0), the sum mod 23.
    values = [int(c) if c.isdigit() else LETTERS.index(c) for c in twelve]
    return LETTERS[sum(v * w for v, w in zip(values, range(2, 14), strict=True)) % 23]


def test_the_nhs_check_digit_is_the_data_dictionarys_for_every_kind_of_remainder():
    rng = random.Random(1)
    nines = [f"{rng.randrange(10**9):09d}" for _ in range(5000)]
    assert {_nhs_by_hand(nine) for nine in nines} == {None, *range(10)}  # 0 (remainder 0) and "none" both met
    for nine in nines:
        assert identifiers.nhs_check_digit(nine) == _nhs_by_hand(nine), nine


def test_an_nhs_number_is_valid_only_with_its_check_digit():
    assert identifiers.nhs_number_is_valid("9434765870")  # the NHS's own example
    assert identifiers.nhs_number_is_valid("9990000018")
    for wrong in (
        "9434765871",
        "9990000019",
        "999000001",
        "99900000180",
        "943476587O",
        "943 476 5870",
        "943-476-5870",
        "",
    ):
        assert not identifiers.nhs_number_is_valid(wrong), wrong
    # Nine digits whose check digit would be 10 start no NHS number, whatever the tenth.
    nine = next(f"{n:09d}" for n in range(10**6) if _nhs_by_hand(f"{n:09d}") is None)
    assert not any(identifiers.nhs_number_is_valid(f"{nine}{d}") for d in range(10))


def test_clean_nhs_number_strips_spaces_and_dashes_and_names_the_field():
    assert validators.clean_nhs_number("943 476 5870") == "9434765870"
    assert validators.clean_nhs_number(" 943-476-5870 ") == "9434765870"
    assert validators.clean_nhs_number("") == ""
    with pytest.raises(ValidationError) as raised:
        validators.clean_nhs_number("943 476 5871")
    assert list(raised.value.message_dict) == ["nhs_number"]


def test_the_upn_check_letter_is_the_dfes_for_permanent_and_temporary_upns():
    rng = random.Random(2)
    for _ in range(5000):
        last = rng.choice("0123456789" + LETTERS)  # a temporary UPN ends in a letter
        twelve = "".join(rng.choice("0123456789") for _ in range(11)) + last
        assert identifiers.upn_check_letter(twelve) == _upn_by_hand(twelve), twelve
    assert identifiers.upn_check_letter("801200005001") == "B"  # the DfE guidance's example


def test_a_upn_from_any_la_number_is_accepted_when_its_letter_is_right():
    # stdnum's full validate() knows only the LA numbers on its list; the UPN check does not ask.
    for la in ("801", "940", "943", "999"):  # on stdnum's list; two councils made since 2021; no council
        twelve = f"{la}123412001"
        upn = _upn_by_hand(twelve) + twelve
        assert validators.clean_upn(upn) == upn
