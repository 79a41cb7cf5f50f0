"""Where the synthetic world places its children, against the national figures (DfE 2024): of the
children looked after on 31 March, 45% placed outside their own council, 22% more than 20 miles from
home, and about six in ten of those in children's homes (K2) outside their council.

Measured from the postcodes alone, as the DfE would: the council a placement is in is the authority
of its postcode's district, the distance the straight line between the home and placement postcodes.
"""

import pytest

from homeward.places.postcodes import distance_miles, lookup
from homeward.places.reference import districts
from homeward.synth.generator import world_generate

from .conftest import AS_AT

TOLERANCE = 2.0  # percentage points


@pytest.fixture(scope="module")
def shares() -> dict[str, float]:
    world = world_generate(seed=21, children=5000, as_at=AS_AT)
    council_of_district = {district: authority for district, _, authority in districts()}
    current = [p for p in world.placements if p.end_date is None]
    assert len(current) == 5000
    outside = over_20 = homes = homes_outside = 0
    for placement in current:
        home, placed = lookup(placement.home_postcode), lookup(placement.placement_postcode)
        assert home is not None and placed is not None
        out = council_of_district[placed.district_code] != placement.responsible_authority
        outside += out
        over_20 += distance_miles(home, placed) > 20
        if placement.placement_type == "K2":
            homes += 1
            homes_outside += out
    assert homes > 400  # about 13% of children looked after live in children's homes
    return {
        "outside": 100 * outside / len(current),
        "over_20_miles": 100 * over_20 / len(current),
        "childrens_homes_outside": 100 * homes_outside / homes,
    }


def test_45_percent_are_placed_outside_their_council(shares) -> None:
    assert shares["outside"] == pytest.approx(45, abs=TOLERANCE)


def test_22_percent_are_placed_more_than_20_miles_from_home(shares) -> None:
    assert shares["over_20_miles"] == pytest.approx(22, abs=TOLERANCE)


def test_six_in_ten_in_childrens_homes_are_outside_their_council(shares) -> None:
    assert shares["childrens_homes_outside"] == pytest.approx(60, abs=TOLERANCE)
