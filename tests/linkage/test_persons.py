"""The synthetic person generator: deterministic, well-formed, and messy in every planned way."""

import collections
import datetime as dt

import pytest

from homeward.linkage import names
from homeward.linkage.persons import MESS_KINDS, generate_person_pairs


@pytest.fixture(scope="module")
def world():
    return generate_person_pairs(n_records=20_000, seed=11)


def test_same_seed_same_records_and_truth(world):
    records, truth = world
    again_records, again_truth = generate_person_pairs(n_records=20_000, seed=11)
    assert records.equals(again_records)
    assert truth.equals(again_truth)
    other, _ = generate_person_pairs(n_records=20_000, seed=12)
    assert not records.equals(other)


def test_shape_ids_and_truth(world):
    records, truth = world
    assert records.num_rows == truth.num_rows == 20_000
    ids = records.column("record_id").to_pylist()
    assert len(set(ids)) == len(ids)
    assert truth.column("record_id").to_pylist() == ids
    assert set(records.column("source").to_pylist()) == {"council", "police"}
    sizes = collections.Counter(truth.column("cluster_id").to_pylist())
    # Most children have records from both agencies or duplicates; some have one record.
    assert 1 in sizes.values() and max(sizes.values()) >= 3
    assert sum(n * (n - 1) // 2 for n in sizes.values()) > 5_000


def test_every_kind_of_mess_is_planted(world):
    records, truth = world
    rows = records.to_pylist()
    mess = [set(filter(None, m.split(","))) for m in truth.column("mess").to_pylist()]
    counts = collections.Counter(kind for kinds in mess for kind in kinds)
    assert set(counts) == set(MESS_KINDS), set(MESS_KINDS) - set(counts)
    for row, kinds in zip(rows, mess):
        if "dob_missing" in kinds:
            assert row["dob"] is None
        if "sex_missing" in kinds:
            assert row["sex"] is None
        if "postcode_missing" in kinds:
            assert row["postcode"] is None
        if "upper_case" in kinds:
            assert row["last_name"] == row["last_name"].upper()
        if "dob_swap" in kinds:
            born = dt.date.fromisoformat(row["dob"])
            assert born.day <= 12 and born.month <= 12


def test_messy_records_differ_from_their_clean_twin_in_the_planted_way(world):
    records, truth = world
    by_cluster = collections.defaultdict(list)
    for row, t in zip(records.to_pylist(), truth.to_pylist()):
        by_cluster[t["cluster_id"]].append((row, set(filter(None, t["mess"].split(",")))))
    canonical = names.canonical_name_map()
    checked = collections.Counter()
    for members in by_cluster.values():
        clean = [r for r, kinds in members if not kinds]
        if not clean:
            continue
        base = clean[0]
        for row, kinds in members:
            if kinds == {"nickname"}:
                assert row["first_name"] != base["first_name"]
                assert canonical[names._key(row["first_name"])] == canonical[names._key(base["first_name"])]
                checked["nickname"] += 1
            if kinds == {"dob_swap"}:
                a, b = dt.date.fromisoformat(row["dob"]), dt.date.fromisoformat(base["dob"])
                assert (a.year, a.month, a.day) == (b.year, b.day, b.month)
                checked["dob_swap"] += 1
            if kinds == {"postcode_move_sector"}:
                assert row["postcode"].split()[0] == base["postcode"].split()[0]
                assert row["postcode"] != base["postcode"]
                checked["postcode_move_sector"] += 1
            if kinds == {"double_barrel_reduced"}:
                assert row["last_name"] in base["last_name"].split("-")
                checked["double_barrel_reduced"] += 1
    assert min(checked.values()) > 0 and len(checked) == 4, checked


def test_name_frequencies_are_skewed_with_a_long_tail(world):
    records, _ = world
    firsts = collections.Counter(records.column("first_name").to_pylist())
    top, share = firsts.most_common(1)[0][1], len(firsts)
    assert top / records.num_rows < 0.05  # no name is a large share of children
    assert share > 500  # many distinct names, most of them rare
    assert len(names.nickname_pairs()) >= 150
