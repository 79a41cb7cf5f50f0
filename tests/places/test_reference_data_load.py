"""reference_data_load: councils, forces and districts into the database, idempotently."""

import pytest

from homeward.agencies.models import Agency, AgencyKind
from homeward.places.models import District
from homeward.places.reference import districts
from homeward.places.services import reference_data_load

pytestmark = pytest.mark.django_db


def test_it_loads_153_english_authorities_and_43_forces() -> None:
    counts = reference_data_load()
    authorities = Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY)
    assert authorities.filter(code__startswith="E").count() == 153
    assert authorities.filter(code__startswith="W").count() == 22
    assert Agency.objects.filter(kind=AgencyKind.POLICE).count() == 43
    assert counts == {"authorities": 175, "police_forces": 43, "districts": len(districts())}


def test_every_reference_district_has_a_district_row() -> None:
    reference_data_load()
    assert set(District.objects.values_list("code", flat=True)) == {code for code, _, _ in districts()}


def test_manchester_is_its_own_authority_policed_by_gmp() -> None:
    reference_data_load()
    manchester = District.objects.select_related("authority", "police_force").get(code="E08000003")
    assert (manchester.authority.code, manchester.authority.name) == ("E08000003", "Manchester")
    assert (manchester.police_force.code, manchester.police_force.name) == ("E23000005", "Greater Manchester Police")


def test_a_county_district_belongs_to_the_county_council() -> None:
    reference_data_load()
    assert District.objects.get(code="E07000117").authority.code == "E10000017"  # Burnley -> Lancashire


def test_city_of_london_and_westminster_have_different_forces() -> None:
    reference_data_load()
    assert District.objects.get(code="E09000001").police_force.name == "City of London Police"
    assert District.objects.get(code="E09000033").police_force.name == "Metropolitan Police Service"


def test_loading_twice_changes_nothing() -> None:
    first = reference_data_load()
    before = list(Agency.objects.order_by("code").values_list("id", "code", "kind", "name"))
    districts_before = list(
        District.objects.order_by("code").values_list("id", "code", "authority_id", "police_force_id")
    )
    assert reference_data_load() == first
    assert list(Agency.objects.order_by("code").values_list("id", "code", "kind", "name")) == before
    assert (
        list(District.objects.order_by("code").values_list("id", "code", "authority_id", "police_force_id"))
        == districts_before
    )


def test_reloading_restores_an_edited_name() -> None:
    reference_data_load()
    Agency.objects.filter(code="E08000025").update(name="Brum")
    reference_data_load()
    assert Agency.objects.get(code="E08000025").name == "Birmingham"
