"""Bad input to a child's record gets a clear error naming the field, and changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

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
        placement_create(user=world.host_coordinator, why="test", child=world.child, start_date=datetime.date.today(),
                         placement_type="U4", provider_type="PR1", placement_postcode="B1 1AA")
    assert list(raised.value.message_dict) == ["child"]
