"""The reference tables themselves: pure data, checked against the installed postcode directory."""

from collections import Counter

import brotli
import msgpack

from homeward.places import postcodes, reference

_ENGLAND_AND_WALES = ("E06", "E07", "E08", "E09", "W06")


def _directory_district_codes() -> set[str]:
    # Reads only the district column of the packaged directory: a full lookup table of every
    # postcode takes ~15 s to build, this takes ~1 s and sees the same districts.
    codes: set[str] = set()
    for path in postcodes.DATA_DIR.glob("postcodes_*.msgpack.br"):
        columns = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        codes.update(code for code in columns["laua"] if isinstance(code, str))
    return codes


def test_england_has_153_childrens_services_authorities() -> None:
    english = [code for code, _ in reference.authorities() if code.startswith("E")]
    welsh = [code for code, _ in reference.authorities() if code.startswith("W")]
    assert len(english) == 153
    assert len(welsh) == 22


def test_there_are_43_police_forces_with_distinct_codes() -> None:
    codes = [code for code, _ in reference.police_forces()]
    assert len(set(codes)) == 43
    assert set(codes) == {f"E23{n:06d}" for n in range(1, 40)} | {f"W1500000{n}" for n in range(1, 5)}


def test_every_authority_has_exactly_one_force() -> None:
    mapped = Counter(code for codes in reference._FORCE_AREAS.values() for code in codes.split())
    assert [code for code, times in mapped.items() if times > 1] == []
    assert set(mapped) == {code for code, _ in reference.authorities()}


def test_every_district_in_the_postcode_directory_has_one_authority() -> None:
    in_directory = {code for code in _directory_district_codes() if code.startswith(_ENGLAND_AND_WALES)}
    districts = {code: authority for code, _, authority in reference.districts()}
    assert len(districts) == len(reference.districts())  # no district listed twice
    assert set(districts) == in_directory
    authorities = {code for code, _ in reference.authorities()}
    assert set(districts.values()) <= authorities


def test_2023_reorganisations_are_applied() -> None:
    authorities = dict(reference.authorities())
    assert authorities["E06000063"] == "Cumberland"
    assert authorities["E06000064"] == "Westmorland and Furness"
    assert authorities["E06000065"] == "North Yorkshire"
    assert authorities["E06000066"] == "Somerset"
    assert authorities["E08000038"] == "Barnsley"
    assert authorities["E08000039"] == "Sheffield"
    for gone in ("E10000006", "E10000023", "E10000027", "E08000016", "E08000019"):
        assert gone not in authorities


def test_london_boroughs_are_metropolitan_except_the_city() -> None:
    london = [code for code, _ in reference.authorities() if code.startswith("E09")]
    assert len(london) == 33
    assert reference.force_for_authority("E09000001") == "E23000034"
    assert {reference.force_for_authority(code) for code in london if code != "E09000001"} == {"E23000001"}


def test_new_unitaries_are_policed_by_their_old_counties_forces() -> None:
    assert reference.force_for_authority("E06000063") == "E23000002"  # Cumbria
    assert reference.force_for_authority("E06000064") == "E23000002"
    assert reference.force_for_authority("E06000065") == "E23000009"  # North Yorkshire
    assert reference.force_for_authority("E06000066") == "E23000036"  # Avon and Somerset
    assert reference.force_for_authority("E08000038") == "E23000011"  # South Yorkshire
