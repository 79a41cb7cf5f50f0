"""placement_geography: host authority, police force and distance of a placement postcode."""

from decimal import Decimal

import pytest

from homeward.places.models import District
from django.core.exceptions import ValidationError

from homeward.places.services import placement_geography

pytestmark = pytest.mark.django_db


def test_it_works(reference) -> None:
    geography = placement_geography(placement_postcode="b11aa", home_postcode=" m1 1ae ")
    assert geography.placement_postcode == "B1 1AA"
    assert geography.home_postcode == "M1 1AE"
    assert geography.district_code == "E08000025"
    assert geography.host_authority.name == "Birmingham"
    assert geography.police_force.name == "West Midlands Police"
    assert geography.distance_miles == Decimal("70.9")


def test_distance_is_none_without_a_home_postcode(reference) -> None:
    geography = placement_geography(placement_postcode="B1 1AA")
    assert (geography.home_postcode, geography.distance_miles) == ("", None)


def test_a_carlisle_postcode_is_in_cumberland(reference) -> None:
    geography = placement_geography(placement_postcode="CA1 1AA")
    assert (geography.host_authority.code, geography.host_authority.name) == ("E06000063", "Cumberland")
    assert geography.police_force.name == "Cumbria Constabulary"


def test_a_welsh_postcode_is_placed(reference) -> None:
    geography = placement_geography(placement_postcode="CF10 1EP")
    assert (geography.host_authority.name, geography.police_force.name) == ("Cardiff", "South Wales Police")


@pytest.mark.parametrize("postcode", ["", "not a postcode", "B1", "12345"])
def test_it_rejects_a_malformed_placement_postcode(reference, postcode: str) -> None:
    with pytest.raises(ValidationError) as raised:
        placement_geography(placement_postcode=postcode)
    assert list(raised.value.message_dict) == ["placement_postcode"]


def test_it_rejects_a_postcode_not_in_the_directory(reference) -> None:
    with pytest.raises(ValidationError) as raised:
        placement_geography(placement_postcode="B1 9ZZ")
    assert "not a live postcode" in raised.value.message_dict["placement_postcode"][0]


def test_it_rejects_a_placement_outside_england_and_wales(reference) -> None:
    with pytest.raises(ValidationError) as raised:
        placement_geography(placement_postcode="EH1 1YZ")
    assert "S12000036" in raised.value.message_dict["placement_postcode"][0]


def test_it_rejects_a_placement_in_a_district_not_loaded(db) -> None:
    District.objects.filter(code="E08000025").delete()
    with pytest.raises(ValidationError) as raised:
        placement_geography(placement_postcode="B1 1AA")
    assert list(raised.value.message_dict) == ["placement_postcode"]


@pytest.mark.parametrize("postcode", ["nonsense", "M1 9ZZ"])
def test_it_rejects_an_invalid_home_postcode(reference, postcode: str) -> None:
    with pytest.raises(ValidationError) as raised:
        placement_geography(placement_postcode="B1 1AA", home_postcode=postcode)
    assert list(raised.value.message_dict) == ["home_postcode"]


def test_it_reports_both_fields_at_once(reference) -> None:
    with pytest.raises(ValidationError) as raised:
        placement_geography(placement_postcode="B1 9ZZ", home_postcode="nonsense")
    assert set(raised.value.message_dict) == {"placement_postcode", "home_postcode"}


def test_a_home_postcode_in_scotland_still_gives_a_distance(reference) -> None:
    geography = placement_geography(placement_postcode="CA1 1AA", home_postcode="EH1 1YZ")
    assert Decimal("60") < geography.distance_miles < Decimal("90")
