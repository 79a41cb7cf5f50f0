"""The linkage engine: normalisation, training without labels, scoring and explanations."""

import dataclasses
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from homeward.linkage import engine
from homeward.linkage.persons import generate_person_pairs

# Measured: pairwise F1 0.994-0.997 on 5,000-record worlds (seeds 3, 5, 7, 11). The floor
# leaves room for seed-to-seed variation, not for a regression.
F1_FLOOR_5K = 0.985


def _prepared(rows):
    con = engine.new_connection()
    table = engine.prepare_records(con=con, records=rows)
    cursor = con.execute(f"SELECT * FROM {table} ORDER BY unique_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_prepare_normalises_names_dates_and_postcodes():
    rows = _prepared(
        [
            {
                "record_id": "a",
                "first_name": " Liz ",
                "last_name": "O'Brien",
                "dob": "2012-03-04",
                "sex": "female",
                "postcode": "sw1a1aa",
            },
            {
                "record_id": "b",
                "first_name": "ELIZABETH",
                "last_name": "O Brien",
                "dob": "04/03/2012",
                "sex": "F",
                "postcode": "SW1A 1AA",
            },
            {
                "record_id": "c",
                "first_name": "Zoë",
                "last_name": "Smith Jones",
                "dob": "20120304",
                "sex": "2",
                "postcode": "75001 Paris",
            },
            {
                "record_id": "d",
                "first_name": None,
                "last_name": "",
                "dob": "not a date",
                "sex": "unknown",
                "postcode": None,
            },
        ]
    )
    a, b, c, d = rows
    assert a["first_name"] == "liz" and b["first_name"] == "elizabeth"
    assert a["fn_c"] == b["fn_c"]
    assert a["last_name"] == b["last_name"] == "obrien"
    assert c["first_name"] == "zoe" and c["last_name"] == "smith-jones"
    assert a["dob"] == b["dob"] == c["dob"]
    assert (a["sex"], b["sex"], c["sex"], d["sex"]) == ("F", "F", "F", None)
    assert a["pc"] == b["pc"] == "SW1A 1AA"
    assert a["pc_sector"] == "SW1A 1" and a["pc_district"] == "SW1A"
    # Not UK-shaped: kept as a plain string, no sector or district to agree on.
    assert c["pc"] == "75001PARIS" and c["pc_sector"] is None and c["pc_district"] is None
    assert d["first_name"] is None and d["last_name"] is None and d["dob"] is None


def test_swap_blind_date_key():
    a, b = _prepared([{"record_id": "a", "dob": "2012-03-04"}, {"record_id": "b", "dob": "2012-04-03"}])
    assert a["dob_key"] == b["dob_key"] and a["dob"] != b["dob"]


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="appears more than once"):
        _prepared([{"record_id": "x"}, {"record_id": "x"}])


@pytest.fixture(scope="module")
def world():
    records, truth = generate_person_pairs(n_records=5_000, seed=5)
    model = engine.train(records=records, u_max_pairs=3e5, min_records_to_train=1_000)
    pairs = engine.predict(model=model, threshold=0.5)
    return records, truth, model, pairs


def test_trained_without_labels_links_a_messy_world(world):
    records, truth, model, pairs = world
    con = duckdb.connect()
    con.register("truth", truth)
    con.register("pairs", pairs)
    correct = con.execute(
        "SELECT count(*) FROM pairs p JOIN truth a ON a.record_id = p.id_l "
        "JOIN truth b ON b.record_id = p.id_r WHERE a.cluster_id = b.cluster_id"
    ).fetchall()[0][0]
    actual = con.execute(
        "SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM truth GROUP BY cluster_id)"
    ).fetchall()[0][0]
    precision, recall = correct / pairs.num_rows, correct / actual
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= F1_FLOOR_5K, (precision, recall, f1)
    # The model learnt sensible weights on its own: agreement counts for, else against.
    first = {c["output_column_name"]: c for c in model.settings["comparisons"]}["first_name"]
    levels = {lvl["label_for_charts"]: lvl for lvl in first["comparison_levels"]}
    exact, other = levels["Exact match"], levels["All other comparisons"]
    assert exact["m_probability"] > exact["u_probability"] * 50
    assert other["m_probability"] < other["u_probability"]


def test_pairs_are_ordered_and_unique(world):
    _, _, _, pairs = world
    rows = pairs.to_pylist()
    assert all(r["id_l"] < r["id_r"] for r in rows)
    assert len({(r["id_l"], r["id_r"]) for r in rows}) == len(rows)
    probabilities = [r["match_probability"] for r in rows]
    assert probabilities == sorted(probabilities, reverse=True)
    assert min(probabilities) >= 0.5


def test_obvious_pairs_link_and_obvious_non_pairs_do_not(world):
    records, _, model, _ = world
    extra = pa.Table.from_pylist(
        [
            {
                "record_id": "X1",
                "first_name": "Elizabeth",
                "last_name": "Ashworth-Kaya",
                "dob": "2011-07-04",
                "sex": "F",
                "postcode": "LS6 2AB",
            },
            # The same girl as the police might record her: nickname, one surname, the
            # day and month swapped, and an earlier placement's postcode.
            {
                "record_id": "X2",
                "first_name": "LIZZIE",
                "last_name": "Ashworth",
                "dob": "04/07/2011",
                "sex": None,
                "postcode": "LS6 9ZZ",
            },
            # A different child: nothing in common but sex.
            {
                "record_id": "X3",
                "first_name": "Priya",
                "last_name": "Quresoglu",
                "dob": "2009-01-30",
                "sex": "F",
                "postcode": "TR1 1AA",
            },
        ],
        schema=pa.schema(
            [(n, pa.string()) for n in ("record_id", "first_name", "last_name", "dob", "sex", "postcode")]
        ),
    )
    base = records.select(["record_id", "first_name", "last_name", "dob", "sex", "postcode"])
    pairs = engine.predict(model=model, records=pa.concat_tables([base, extra]), threshold=0.5)
    found = {(r["id_l"], r["id_r"]) for r in pairs.to_pylist()}
    assert ("X1", "X2") in found
    assert not {p for p in found if "X3" in p}


def test_explain_names_each_field_level_and_weight(world):
    _, _, model, pairs = world
    row = pairs.to_pylist()[0]
    why = engine.explain(model=model, pair=row)
    assert {f.field for f in why.fields} >= {"first_name", "last_name", "dob", "sex", "postcode"}
    assert why.match_probability == pytest.approx(row["match_probability"], abs=1e-6)
    total = why.prior_match_weight + sum(f.match_weight for f in why.fields)
    assert total == pytest.approx(why.match_weight, abs=0.01)


def test_explain_shows_nickname_and_swap():
    left = pa.Table.from_pylist(
        [
            {
                "record_id": "L1",
                "first_name": "Alexander",
                "last_name": "Byrne",
                "dob": "2010-05-09",
                "sex": "M",
                "postcode": "M1 1AA",
            }
        ]
    )
    right = pa.Table.from_pylist(
        [
            {
                "record_id": "R1",
                "first_name": "Xander",
                "last_name": "Byrne",
                "dob": "2010-09-05",
                "sex": "M",
                "postcode": "M1 1AA",
            }
        ]
    )
    model = engine.train(records=(left, right))
    why = engine.explain(model=model, pair={"id_l": "L1", "id_r": "R1"})
    levels = {f.field: f.level for f in why.fields}
    assert levels["first_name"] == "Nickname or spelling variant"
    assert levels["dob"] == "Day and month swapped"
    assert levels["last_name"] == "Exact match"
    assert why.match_probability > 0.5


def test_link_mode_puts_left_ids_on_the_left():
    records, truth = generate_person_pairs(n_records=3_000, seed=9)
    council = records.filter(pc.equal(records.column("source"), "council"))
    police = records.filter(pc.equal(records.column("source"), "police"))
    model = engine.train(records=(police, council), u_max_pairs=2e5, min_records_to_train=1_000)
    pairs = engine.predict(model=model, threshold=0.5).to_pylist()
    assert pairs
    assert all(p["id_l"].startswith("P") and p["id_r"].startswith("C") for p in pairs)
    cluster = dict(zip(truth.column("record_id").to_pylist(), truth.column("cluster_id").to_pylist()))
    precision = sum(cluster[p["id_l"]] == cluster[p["id_r"]] for p in pairs) / len(pairs)
    assert precision > 0.95


def test_explain_warns_of_possible_twins():
    rows = [
        {
            "record_id": "T1",
            "first_name": "Amara",
            "last_name": "Okonkwo",
            "dob": "2012-02-14",
            "sex": "F",
            "postcode": "NG7 2QP",
        },
        {
            "record_id": "T2",
            "first_name": "Chidi",
            "last_name": "Okonkwo",
            "dob": "2012-02-14",
            "sex": "M",
            "postcode": "NG7 2QP",
        },
    ]
    model = engine.train(records=rows)
    why = engine.explain(model=model, pair={"id_l": "T1", "id_r": "T2"})
    assert why.notes and "twins" in why.notes[0]


def _levels(model, a, b):
    why = engine.explain(model=model, pair={"id_l": a, "id_r": b})
    levels = {f.field: f.level for f in why.fields}
    return why, levels, {f.field: f.match_weight for f in why.fields}


def test_prepare_shares_known_as_names_and_finds_siblings():
    rows = {
        r["record_id"]: r
        for r in _prepared(
            [
                # Council record with a known-as name and a double-barrelled surname.
                {
                    "record_id": "C1",
                    "first_name": "Tyler",
                    "last_name": "Murphy-Jones",
                    "dob": "2010-01-02",
                    "aliases": ["Smokey"],
                    "agency_id": "LA1-1",
                },
                {"record_id": "P1", "first_name": "Tyler", "last_name": "Jones", "dob": "2010-01-02"},
                {"record_id": "P2", "first_name": "Tyler", "last_name": "Murphy-Jones", "dob": "2010-01-02"},
                # Twins the council knows as two children, a police record of one of them,
                # and a council duplicate (its id extends the first) under another name.
                {
                    "record_id": "C2",
                    "first_name": "Amara",
                    "last_name": "Okafor",
                    "dob": "2012-02-14",
                    "agency_id": "LA1-2",
                },
                {
                    "record_id": "C3",
                    "first_name": "Chidi",
                    "last_name": "Okafor",
                    "dob": "2012-02-14",
                    "agency_id": "LA1-3",
                },
                {"record_id": "P3", "first_name": "Amara", "last_name": "Okafor", "dob": "2012-02-14"},
                {
                    "record_id": "C4",
                    "first_name": "Ami",
                    "last_name": "Okafor",
                    "dob": "2012-02-14",
                    "agency_id": "LA1-2-17",
                },
            ]
        )
    }
    assert rows["P2"]["aliases"] == "|smokey|"  # from C1: same name and birth date
    assert rows["P1"]["aliases"] == "|murphy|"  # the other part of C1's surname
    assert rows["C2"]["siblings"] == ["chidi"] and rows["P3"]["siblings"] == ["chidi"]
    assert sorted(rows["C3"]["siblings"]) == ["amara", "ami"]
    # The duplicate's id extends Amara's: one child under two names, not two children.
    assert rows["C4"]["siblings"] == ["chidi"]
    assert rows["C1"]["fn_1"] == "t" and rows["C1"]["ln_1"] == "m"


def test_twins_the_council_knows_are_not_linked():
    base = {"last_name": "Okafor", "dob": "2012-02-14", "postcode": "NG7 2QP"}
    rows = [
        {"record_id": "C1", "first_name": "Amara", "sex": "F", "agency_id": "LA1-1", **base},
        {"record_id": "C2", "first_name": "Chidi", "sex": "F", "agency_id": "LA1-2", **base},
        {"record_id": "P1", "first_name": "Chidi", "sex": "F", **base},
        {"record_id": "P2", "first_name": "Chdi", "sex": "F", **base},  # a slip
    ]
    model = engine.train(records=rows)
    pairs = {(r["id_l"], r["id_r"]) for r in engine.predict(model=model).to_pylist()}
    assert ("C2", "P1") in pairs and ("C2", "P2") in pairs
    assert not {p for p in pairs if "C1" in p}
    for other in ("P1", "P2"):
        why, levels, _ = _levels(model, "C1", other)
        assert levels["first_name"] == engine.SIBLING_LEVEL
        assert why.match_probability < 0.01


def test_alias_and_surname_parts_link_two_police_records():
    rows = [
        {
            "record_id": "C1",
            "first_name": "Harrison",
            "last_name": "Cotham-Reid",
            "dob": "2011-06-01",
            "sex": "M",
            "postcode": "LS6 2AB",
            "aliases": ["Taz"],
        },
        {
            "record_id": "P1",
            "first_name": "Taz",
            "last_name": "Cotham-Reid",
            "dob": "2011-06-01",
            "sex": "M",
            "postcode": "M1 1AA",
        },
        {
            "record_id": "P2",
            "first_name": "Harrison",
            "last_name": "Cotham-Reid",
            "dob": "2011-06-01",
            "sex": "M",
            "postcode": "B1 1AA",
        },
        {
            "record_id": "P3",
            "first_name": "Harrison",
            "last_name": "Cotham",
            "dob": "2011-06-01",
            "sex": "M",
            "postcode": "B2 1AA",
        },
        {
            "record_id": "P4",
            "first_name": "Harrison",
            "last_name": "Reid",
            "dob": "2011-06-01",
            "sex": "M",
            "postcode": "B3 1AA",
        },
    ]
    model = engine.train(records=rows)
    _, levels, _ = _levels(model, "P1", "P2")
    assert levels["first_name"] == "Known-as name (alias)"
    _, levels, _ = _levels(model, "P3", "P4")
    assert levels["last_name"] == "Other family surname (alias)"


def test_agency_id_extended_by_a_duplicate_case_counts_for():
    common = {"first_name": "Maya", "last_name": "Stone", "dob": "2010-03-03", "sex": "F"}
    rows = [
        {"record_id": "A", "agency_id": "LA812-0000001", **common},
        {"record_id": "B", "agency_id": "LA812-0000001-17", **common},
        {"record_id": "C", "agency_id": "LA812-0000002", **common},
    ]
    model = engine.train(records=rows)
    _, levels, weights = _levels(model, "A", "B")
    assert levels["agency_id"] == "One identifier extends the other"
    assert weights["agency_id"] > 5
    _, levels, weights = _levels(model, "A", "C")
    assert levels["agency_id"] == "All other comparisons" and weights["agency_id"] < -5


def test_sex_counts_only_when_the_first_names_do_not_imply_it():
    common = {"last_name": "Stone", "dob": "2010-03-03", "postcode": "LS6 2AB"}
    rows = [
        {"record_id": "A", "first_name": "Charlie", "sex": "M", **common},
        {"record_id": "B", "first_name": "Charlie", "sex": "M", **common},
        {"record_id": "C", "first_name": "Charles", "sex": "M", **common},  # same group
        {"record_id": "D", "first_name": "Dexter", "sex": "M", **common},
        {"record_id": "E", "first_name": "Charlie", "sex": "F", **common},
    ]
    model = engine.train(records=rows)
    for other in ("B", "C"):
        _, levels, weights = _levels(model, "A", other)
        assert levels["sex"] == "Null, or implied by the first name"
        assert weights["sex"] == 0
    _, levels, weights = _levels(model, "A", "D")
    assert levels["sex"] == "Exact match" and weights["sex"] > 0
    _, levels, weights = _levels(model, "A", "E")
    assert levels["sex"] == "All other comparisons" and weights["sex"] < 0


def test_date_slips_have_a_level_per_part():
    rows = [
        {"record_id": "A", "first_name": "Maya", "dob": "2009-05-06"},
        {"record_id": "Y", "first_name": "Maya", "dob": "2010-05-06"},  # 2009 -> 2010
        {"record_id": "M", "first_name": "Maya", "dob": "2009-08-06"},
        {"record_id": "D", "first_name": "Maya", "dob": "2009-05-16"},
        {"record_id": "X", "first_name": "Maya", "dob": "2009-05-29"},
    ]
    model = engine.train(records=rows)
    expected = {
        "Y": "Year differs by one digit",
        "M": "Month differs by one digit",
        "D": "Day differs by one digit",
        "X": "One of day, month, year differs",
    }
    for other, level in expected.items():
        assert _levels(model, "A", other)[1]["dob"] == level


@pytest.mark.parametrize(
    "left, right",
    [
        # Both names mistyped, postcode moved: only birth date, sex and initials agree.
        (
            {"first_name": "Jessica", "last_name": "Thornton", "dob": "2011-03-04", "postcode": "LS6 2AB"},
            {"first_name": "Jesica", "last_name": "Thorntn", "dob": "2011-03-04", "postcode": "TR1 1AA"},
        ),
        # Surname mistyped, no birth date, moved within the district.
        (
            {"first_name": "Oliver", "last_name": "Thornton", "dob": None, "postcode": "LS6 2AB"},
            {"first_name": "Oliver", "last_name": "Thorntn", "dob": "2011-03-04", "postcode": "LS6 7ZZ"},
        ),
        # First name mistyped, year keyed wrongly, postcode moved far.
        (
            {"first_name": "Jessica", "last_name": "Thornton", "dob": "2011-03-04", "postcode": "LS6 2AB"},
            {"first_name": "Jesica", "last_name": "Thornton", "dob": "2012-03-04", "postcode": "TR1 1AA"},
        ),
        # Three things wrong: surname mistyped, day misread, postcode moved far.
        (
            {"first_name": "Jessica", "last_name": "Thornton", "dob": "2011-03-04", "postcode": "LS6 2AB"},
            {"first_name": "Jessica", "last_name": "Thorntn", "dob": "2011-03-07", "postcode": "TR1 1AA"},
        ),
        # Names transposed, month misread, postcode moved far.
        (
            {"first_name": "Jessica", "last_name": "Thornton", "dob": "2011-03-04", "postcode": "LS6 2AB"},
            {"first_name": "Thornton", "last_name": "Jessica", "dob": "2011-08-04", "postcode": "TR1 1AA"},
        ),
    ],
)
def test_pairs_off_on_a_name_and_one_more_field_are_proposed(left, right):
    rows = [
        {"record_id": "L", "sex": "F", **left},
        {"record_id": "R", "sex": "F", **right},
        {
            "record_id": "Z",
            "first_name": "Priya",
            "last_name": "Quresoglu",
            "dob": "2009-01-30",
            "sex": "F",
            "postcode": "TR1 1AA",
        },
    ]
    model = engine.train(records=rows)
    scored = engine.predict(model=model, threshold=0.0).to_pylist()
    assert ("L", "R") in {(r["id_l"], r["id_r"]) for r in scored}


def test_levels_give_each_comparisons_own_weight_beside_the_same_scores(world):
    _, _, model, plain = world
    with_levels = engine.predict(model=model, threshold=0.5, levels=True)
    assert plain.column_names == ["id_l", "id_r", "match_probability", "match_weight"]
    assert with_levels.column_names[:4] == plain.column_names
    assert {"mw_first_name", "mw_last_name", "mw_dob"} <= set(with_levels.column_names)
    assert not any(c.startswith("mw_tf_adj") for c in with_levels.column_names)
    assert with_levels.select(plain.column_names).equals(plain)
    # Asked again of the same model (its tables registered once more under a new name).
    assert engine.predict(model=model, threshold=0.5, levels=True).equals(with_levels)
    with pytest.raises(ValueError, match="levels are given on DuckDB only"):
        engine.predict(model=dataclasses.replace(model, backend="spark"), levels=True)


def test_a_rare_surname_makes_one_child_likelier_but_not_twins(world):
    """Twins share their surname by birth, so how rare it is says nothing of whether two records
    with unrelated first names (and the same date and address) are one child or two; for two
    records of one child it still counts, as chance agreement on a rare surname is unlikely."""
    _, _, model, _ = world
    base = {"dob": "2012-02-14", "sex": "F", "postcode": "NG7 2QP"}
    rows = []
    for surname in ("Smith", "Quresoglu"):
        key = surname[0]
        rows += [
            {"record_id": f"{key}1", "first_name": "Amara", "last_name": surname, **base},
            {"record_id": f"{key}2", "first_name": "Chidi", "last_name": surname, **base},  # her twin
            {"record_id": f"{key}3", "first_name": "Amara", "last_name": surname, **base, "postcode": "M1 1AE"},
        ]
    # Smith made common among these records (the frequencies come from the records scored).
    first_names = ["Oliver", "Jack", "Harry", "George", "Noah", "Leo", "Oscar", "Theo"]
    rows += [
        {"record_id": f"F{i}", "first_name": name, "last_name": "Smith", "dob": f"20{i:02d}-0{1 + i % 9}-11"}
        for i, name in enumerate(first_names * 3)
    ]
    scored = engine.predict(model=model, records=rows, threshold=0.0, levels=True).to_pylist()
    weight = {(r["id_l"], r["id_r"]): r for r in scored}
    smith_twins, rare_twins = weight[("S1", "S2")], weight[("Q1", "Q2")]
    assert smith_twins["mw_first_name"] == rare_twins["mw_first_name"] <= -20  # the twin level
    assert abs(rare_twins["match_weight"] - smith_twins["match_weight"]) < 0.5
    assert rare_twins["match_probability"] < 0.5
    # One child who moved: the rare surname counts for it.
    assert weight[("Q1", "Q3")]["match_weight"] > weight[("S1", "S3")]["match_weight"] + 2


def test_a_gap_s_share_of_matches_is_counted_among_pairs_sure_to_be_one_child(monkeypatch):
    """Pairs agreeing exactly on every other identifying field are one child, all but never two:
    the share of them missing the field is the gap's m (EM's share drifted at small scale)."""
    monkeypatch.setattr(engine, "SURE_MATCHES_NEEDED", 3)
    rows = []
    for i, (first, last) in enumerate(
        [("Amara", "Okafor"), ("Leah", "Brown"), ("Kacper", "Nowak"), ("Jayden", "Walsh")]
    ):
        rows += [
            {"record_id": f"A{i}", "first_name": first, "last_name": last, "dob": "2012-02-14", "postcode": "NG7 2QP"},
            # One of the four children's second record has no date.
            {
                "record_id": f"B{i}",
                "first_name": first,
                "last_name": last,
                "dob": None if i == 0 else "2012-02-14",
                "postcode": "NG7 2QP",
            },
        ]
    rows.append({"record_id": "C", "first_name": "Amara", "last_name": "Okafor", "postcode": "M1 1AE"})  # elsewhere
    con = engine.new_connection()
    table = engine.prepare_records(con=con, records=rows)
    assert engine._gap_share_of_sure_matches(con, [table], "dob") == 1 / 4
    # In link mode, across the two lists only.
    left = engine.prepare_records(con=con, records=[r for r in rows if r["record_id"].startswith("A")])
    right = engine.prepare_records(con=con, records=[r for r in rows if not r["record_id"].startswith("A")])
    assert engine._gap_share_of_sure_matches(con, [left, right], "dob") == 1 / 4
    # Too few such pairs to count: EM's share stands.
    monkeypatch.setattr(engine, "SURE_MATCHES_NEEDED", 5)
    assert engine._gap_share_of_sure_matches(con, [table], "dob") is None
