"""Bad input to a child's record gets a clear error naming the field, and changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from homeward.children import validators
from homeward.children.models import Child, Placement
from homeward.children.services import child_create, placement_create

GOOD = dict(first_name="Ruby", last_name="Lane", date_of_birth=datetime.date(2012, 5, 1), sex="2", la_child_id="MAN900")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nhs_number": "9990000019"}, "nhs_number"),  # wrong check digit
        ({"nhs_number": "12345"}, "nhs_number"),
        ({"upn": "12345"}, "upn"),
        ({"la_child_id": "MAN 900!"}, "la_child_id"),
        ({"sex": "X"}, "sex"),
        ({"ethnicity": "ZZZZ"}, "ethnicity"),
        ({"date_of_birth": datetime.date.today() + datetime.timedelta(days=1)}, "date_of_birth"),
        ({"date_of_birth": datetime.date(1980, 1, 1)}, "date_of_birth"),
        ({"first_name": "  "}, "first_name"),
    ],
)
def test_bad_child_input_names_the_field_and_changes_nothing(world, changes, field):
    before = Child.objects.count()
    with pytest.raises(ValidationError) as raised:
        child_create(user=world.social_worker, why="test", **{**GOOD, **changes})
    assert list(raised.value.message_dict) == [field]
    assert Child.objects.count() == before


def test_a_duplicate_council_child_id_is_refused(world):
    with pytest.raises(ValidationError) as raised:
        child_create(user=world.social_worker, why="test", **{**GOOD, "la_child_id": "MAN001"})
    assert list(raised.value.message_dict) == ["la_child_id"]


def test_only_a_council_records_a_child(world):
    with pytest.raises(ValidationError) as raised:
        child_create(user=world.police_officer, why="test", **GOOD)
    assert list(raised.value.message_dict) == ["responsible_authority"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"placement_type": "Q9"}, "placement_type"),
        ({"provider_type": "PR9"}, "provider_type"),
        ({"end_date": datetime.date(2020, 1, 1)}, "end_date"),
        ({"placement_postcode": "not a postcode"}, "placement_postcode"),
    ],
)
def test_bad_placement_input_names_the_field_and_changes_nothing(world, changes, field):
    before = Placement.objects.count()
    good = dict(start_date=datetime.date.today(), placement_type="U4", provider_type="PR1", placement_postcode="M1 1AE")
    with pytest.raises(ValidationError) as raised:
        placement_create(user=world.social_worker, why="test", child=world.child_at_home, **{**good, **changes})
    assert field in raised.value.message_dict
    assert Placement.objects.count() == before


def test_only_the_responsible_council_records_a_placement(world):
    with pytest.raises(ValidationError) as raised:
        placement_create(
            user=world.host_coordinator,
            why="test",
            child=world.child,
            start_date=datetime.date.today(),
            placement_type="U4",
            provider_type="PR1",
            placement_postcode="B1 1AA",
        )
    assert list(raised.value.message_dict) == ["child"]


# ---------------------------------------------------------------------------------------------
# Dates of birth: a real date, not in the future, not more than 25 years ago (to the day)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2012-02-30",
        "2011-02-29",
        "2012-13-01",
        "2012-00-10",
        "2012-04-31",
        "01/05/2012",
        "20120501",
        "2012-5-1",
        "soon",
        "",
    ],
)
def test_an_impossible_date_of_birth_string_names_the_field(world, text):
    before = Child.objects.count()
    with pytest.raises(ValidationError) as raised:
        child_create(user=world.social_worker, why="test", **{**GOOD, "date_of_birth": text})
    assert list(raised.value.message_dict) == ["date_of_birth"]
    assert "real date" in raised.value.message_dict["date_of_birth"][0]
    assert Child.objects.count() == before


def test_a_real_date_string_is_accepted(world):
    child = child_create(user=world.social_worker, why="test", **{**GOOD, "date_of_birth": "2012-02-29"})
    assert child.date_of_birth == datetime.date(2012, 2, 29)


@pytest.mark.parametrize(
    ("today", "born", "ok"),
    [
        # Years alone said 25 (2026 - 2001) here, though the birth was 25 years and 364 days before.
        (datetime.date(2026, 12, 31), datetime.date(2001, 1, 1), False),
        (datetime.date(2026, 12, 31), datetime.date(2001, 12, 31), True),  # exactly 25 years
        (datetime.date(2026, 12, 31), datetime.date(2001, 12, 30), False),  # and a day
        # Years alone said 26 here, though it is 25 years and a day short of 26.
        (datetime.date(2026, 1, 1), datetime.date(2000, 12, 31), False),
        (datetime.date(2026, 1, 1), datetime.date(2001, 1, 1), True),
        (datetime.date(2025, 2, 28), datetime.date(2000, 2, 29), True),  # born on a leap day: 24 still
        (datetime.date(2024, 2, 29), datetime.date(1999, 2, 28), False),  # on a leap day: 25 years and a day
        (datetime.date(2024, 2, 29), datetime.date(1999, 3, 1), True),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 2), False),  # tomorrow
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1), True),  # today
    ],
)
def test_the_age_limits_are_to_the_day(today, born, ok):
    if ok:
        assert validators.clean_date_of_birth(born, today=today) == born
    else:
        with pytest.raises(ValidationError) as raised:
            validators.clean_date_of_birth(born, today=today)
        assert list(raised.value.message_dict) == ["date_of_birth"]


# ---------------------------------------------------------------------------------------------
# UPN check letter (DfE UPN guidance)
# ---------------------------------------------------------------------------------------------

# Worked by hand: 9·2 + 9·3 + 9·4 + 1·5 + 2·6 + 3·7 + 4·8 + 1·9 + 2·10 + 0·11 + 0·12 + 1·13 = 193;
# 193 mod 23 = 9, and the tenth of ABCDEFGHJKLMNPQRTUVWXYZ is K. LA 999 is no council's: not a real pupil.
GOOD_UPN = "K999123412001"


def _by_hand(twelve: str) -> str:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    values = [int(c) if c.isdigit() else letters.index(c) for c in twelve]
    return letters[sum(v * w for v, w in zip(values, range(2, 14), strict=True)) % 23]


def test_a_upn_with_the_right_check_letter_is_accepted(world):
    assert validators.clean_upn(GOOD_UPN) == GOOD_UPN
    assert validators.clean_upn(" k999123412001 ") == GOOD_UPN
    # A temporary UPN ends in a letter, counted as its place in the same list (A = 0).
    temporary = _by_hand("99912341200A") + "99912341200A"
    assert validators.clean_upn(temporary) == temporary
    child = child_create(user=world.social_worker, why="test", **{**GOOD, "upn": GOOD_UPN})
    assert child.upn == GOOD_UPN


@pytest.mark.parametrize(
    "upn",
    [
        "A999123412001",  # wrong check letter
        "K999123412002",  # one digit mistyped
        "K999123412010",  # two digits swapped
        "I999123412001",  # I, O and S are never used
        "K99912341200O",
        "K99912341200",  # too short
    ],
)
def test_a_upn_with_a_wrong_check_letter_names_the_field(world, upn):
    with pytest.raises(ValidationError) as raised:
        child_create(user=world.social_worker, why="test", **{**GOOD, "upn": upn})
    assert list(raised.value.message_dict) == ["upn"]


def test_the_synthetic_generators_upns_pass_the_check():
    # The generator (synth.generator) computes its check letters itself; the two must agree.
    import random

    from homeward.synth.generator import synthetic_upn

    rng = random.Random(7)
    for n in range(2000):
        upn = synthetic_upn(rng, year_allocated=2005 + n % 20)
        assert validators.clean_upn(upn) == upn


# ---------------------------------------------------------------------------------------------
# The doors child data comes in by: the SSDA903 files and the police report API
# ---------------------------------------------------------------------------------------------


def test_the_903_header_names_the_column_of_an_impossible_date_or_a_bad_upn(tmp_path):
    from homeward.returns.ssda903 import read_file_set
    from tests.returns.factories import header_row, write_903

    born = datetime.date.today() - datetime.timedelta(days=365 * 12)
    directory = write_903(
        tmp_path,
        header=[
            {**header_row("C1", born), "DOB": "30/02/2012"},
            header_row("C2", born, UPN="A999123412001"),
            header_row("C3", born, UPN=GOOD_UPN),
        ],
    )
    file_set = read_file_set(directory)
    assert sorted((r.line, r.field) for r in file_set.rejects) == [(2, "DOB"), (3, "UPN")]
    assert [c.child for c in file_set.children] == ["C3"]


def test_the_police_report_api_names_the_field_of_an_impossible_date_of_birth(world):
    from rest_framework.test import APIClient

    from homeward.agencies.services import api_token_create

    _, raw = api_token_create(agency_code=world.west_midlands_police.code, role="police_officer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "reference": "MP/1/26",
        "first_name": "Tia",
        "last_name": "Marsh",
        "date_of_birth": "2011-02-30",
        "reported_at": "2026-03-01T21:30:00Z",
    }
    response = client.post("/api/v1/police-reports/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["date_of_birth"]
