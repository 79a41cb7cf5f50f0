"""The generator: deterministic, calibrated to the national figures, and never real people."""

import re
from collections import Counter, defaultdict

import pytest

from homeward.children import validators
from homeward.children.identifiers import upn_check_letter
from homeward.places.postcodes import lookup
from homeward.synth.files import world_write
from homeward.synth.generator import (
    CHILDRENS_HOME,
    LONDON,
    episode_window,
    world_generate,
    world_summary,
)
from homeward.synth.geography import geography

from .conftest import AS_AT


def _files(directory) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_the_same_seed_gives_byte_identical_files(tmp_path) -> None:
    world_write(world=world_generate(seed=11, children=400, as_at=AS_AT), directory=tmp_path / "a")
    world_write(world=world_generate(seed=11, children=400, as_at=AS_AT), directory=tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_a_different_seed_gives_a_different_world(tmp_path) -> None:
    world_write(world=world_generate(seed=11, children=400, as_at=AS_AT), directory=tmp_path / "a")
    world_write(world=world_generate(seed=12, children=400, as_at=AS_AT), directory=tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["children.csv"] != b["children.csv"]
    assert a["placements.csv"] != b["placements.csv"]


def test_it_matches_the_national_figures(world) -> None:
    summary = world_summary(world)
    assert summary["children"] == 3000
    assert summary["male_pct"] == pytest.approx(57, abs=3)
    assert summary["white_pct"] == pytest.approx(73, abs=4)
    assert summary["out_of_area_pct"] == pytest.approx(45, abs=4)  # DfE 2024 (41% in 2018)
    assert summary["over_50_miles_pct"] == pytest.approx(7, abs=2.5)
    assert summary["over_100_miles_pct"] == pytest.approx(3, abs=1.5)
    assert 61 - 6 <= summary["childrens_homes_out_of_area_pct"] <= 64 + 6
    assert summary["foster_pct"] == pytest.approx(70, abs=4)
    assert summary["home_pct"] + summary["secure_pct"] == pytest.approx(12.5, abs=2.5)
    assert summary["supported_pct"] == pytest.approx(4.5, abs=1.5)
    assert summary["parents_pct"] == pytest.approx(6, abs=2)
    assert summary["adoption_pct"] == pytest.approx(3, abs=1.5)


def test_ages_follow_the_looked_after_population(world) -> None:
    summary = world_summary(world)
    # DfE: about 5% under 1, 17% 1–4, 18% 5–9, 39% 10–15, 23% 16–17.
    assert summary["age_0_0_pct"] == pytest.approx(5, abs=2)
    assert summary["age_1_4_pct"] == pytest.approx(17, abs=3)
    assert summary["age_5_9_pct"] == pytest.approx(18, abs=3)
    assert summary["age_10_15_pct"] == pytest.approx(39, abs=4)
    assert summary["age_16_17_pct"] == pytest.approx(23, abs=3)
    assert all(0 <= child.date_of_birth.toordinal() <= AS_AT.toordinal() for child in world.children)
    looked_after = {(p.responsible_authority, p.la_child_id) for p in world.placements if p.end_date is None}
    assert len(looked_after) == 3000
    assert all(
        (AS_AT - child.date_of_birth).days < 18 * 365.25
        for child in world.children
        if (child.responsible_authority, child.la_child_id) in looked_after
    )


def test_children_come_from_councils_across_england(world) -> None:
    councils = Counter(child.responsible_authority for child in world.children)
    assert all(code.startswith("E") for code in councils)
    assert len(councils) >= 140  # of 153; only the smallest may have none at this size
    # More children where more people live: Kent looks after more than Rutland.
    assert councils["E10000016"] > councils.get("E06000017", 0)


def test_every_nhs_number_is_valid_and_in_the_test_range(world) -> None:
    numbers = [child.nhs_number for child in world.children if child.nhs_number]
    assert len(numbers) > 0.9 * len(world.children)
    assert all(validators.nhs_number_is_valid(number) and number.startswith("999") for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_every_upn_is_well_formed_with_its_check_letter(world) -> None:
    upns = [child.upn for child in world.children if child.upn]
    assert len(upns) > 0.6 * len(world.children)
    for upn in upns:
        assert validators.clean_upn(upn) == upn
        assert upn[0] == upn_check_letter(upn[1:])
        assert 950 <= int(upn[1:4]) <= 999  # an LA number no council holds


def test_the_upn_check_letter_follows_the_dfe_rule() -> None:
    # Weights 2..13 on the twelve characters after the letter; the remainder mod 23 indexes the
    # letters A–Z without I, O and S. B801200005001 is the worked example in python-stdnum's docs.
    assert upn_check_letter("801200005001") == "B"
    # By hand: 1*2 + 2*3 + ... + 2*13 = 368 = 16 * 23, remainder 0 -> A.
    assert upn_check_letter("123456789012") == "A"


def test_council_child_ids_are_unique_within_each_council(world) -> None:
    keys = [(child.responsible_authority, child.la_child_id) for child in world.children]
    assert len(set(keys)) == len(keys)
    assert all(validators.clean_la_child_id(child.la_child_id) for child in world.children)


def test_every_postcode_is_a_live_postcode(world) -> None:
    postcodes = {child.home_postcode for child in world.children}
    postcodes |= {p.placement_postcode for p in world.placements} | {p.home_postcode for p in world.placements}
    postcodes |= {provider.postcode for provider in world.providers}
    postcodes |= {e.last_seen_postcode for e in world.episodes} | {e.return_postcode for e in world.episodes}
    postcodes |= {note.postcode for note in world.episode_notes}
    postcodes.discard("")
    assert all(lookup(postcode) is not None for postcode in postcodes)


def test_home_postcodes_are_in_the_responsible_council(world) -> None:
    geo = geography()
    assert all(
        geo.host_authority(lookup(child.home_postcode)) == child.responsible_authority for child in world.children
    )


def test_each_child_has_an_unbroken_history_current_or_ended_in_the_window(world) -> None:
    by_child = defaultdict(list)
    for placement in world.placements:
        by_child[(placement.responsible_authority, placement.la_child_id)].append(placement)
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    assert by_child.keys() == children.keys()
    window_start = episode_window(AS_AT, world.years)[0].astimezone(LONDON).date()
    left = 0
    for key, placements in by_child.items():
        placements.sort(key=lambda p: p.start_date)
        assert all(p.end_date is not None for p in placements[:-1])
        assert all(a.end_date == b.start_date for a, b in zip(placements, placements[1:]))
        assert len({p.start_date for p in placements}) == len(placements)
        assert placements[0].start_date >= children[key].date_of_birth
        assert placements[-1].start_date <= AS_AT
        if placements[-1].end_date is not None:  # left care in the window: the rest of the year's SSDA903
            left += 1
            assert window_start <= placements[-1].end_date <= AS_AT
            assert placements[-1].end_date > placements[-1].start_date
            assert (placements[-1].end_date - children[key].date_of_birth).days <= 18 * 366
    assert sum(len(p) > 1 for p in by_child.values()) > 0.3 * len(by_child)  # some have moved
    # DfE: about 31,000 leave care in a year for 83,000 looked after on 31 March.
    assert left == round(3000 * 0.375)


def test_placement_and_provider_codes_fit_together(world) -> None:
    providers = {provider.urn: provider for provider in world.providers}
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    for placement in world.placements:
        validators.clean_placement_codes(placement_type=placement.placement_type, provider_type=placement.provider_type)
        if placement.placement_type == "P1":
            assert placement.provider_type == "PR0"
        if placement.placement_type in {"K1", "K2", "K3"}:
            provider = providers[placement.urn]
            assert provider.postcode == placement.placement_postcode
            expected = {"la": {"PR1", "PR2"}, "private": {"PR4"}, "voluntary": {"PR5"}}[provider.sector]
            assert placement.provider_type in expected
        if placement.placement_type == "K3":
            child = children[(placement.responsible_authority, placement.la_child_id)]
            assert (placement.start_date - child.date_of_birth).days >= 16 * 365  # 16 and over only
        if placement.urn:
            assert placement.urn in providers


def test_providers_have_ofsted_style_urns_and_cluster_in_the_north_west(world) -> None:
    assert all(re.fullmatch(r"SC[0-9]{6}", provider.urn) for provider in world.providers)
    assert len({provider.urn for provider in world.providers}) == len(world.providers)
    geo = geography()
    homes = Counter(geo.region[p.authority] for p in world.providers if p.kind == CHILDRENS_HOME)
    people = Counter()
    for code, population in geo.population.items():
        people[geo.region[code]] += population
    # Per head, far more children's homes in the North West than in London (Ofsted).
    assert homes["North West"] / people["North West"] > 2 * homes["London"] / people["London"]


def test_names_are_diverse(world) -> None:
    surnames = Counter(child.last_name for child in world.children)
    assert surnames.most_common(1)[0][1] < 0.04 * len(world.children)
    assert len(surnames) > 200
    by_ethnicity = defaultdict(set)
    for child in world.children:
        by_ethnicity[child.ethnicity].add(child.last_name)
    assert {"Khan", "Hussain", "Ahmed"} & by_ethnicity["APKN"]
    assert len({"WOTH", "BAFR", "AIND", "ABAN", "WIRI", "BCRB"} & by_ethnicity.keys()) == 6
    kinds = Counter(name.kind for name in world.child_names)
    assert kinds["nickname"] and kinds["alias"] and kinds["previous"]
