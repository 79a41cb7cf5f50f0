"""`link-files` on person lists it was not tuned to: fields missing or in another shape.

The lists come from the independent generator (`linkage.independent`), not from the
generator the engine's defaults were learnt on.
"""

import collections
import csv

import pytest
from django.core.management import call_command

from homeward.linkage import engine
from homeward.linkage.files import link_files
from homeward.linkage.independent import Shape, generate_independent_people
from homeward.linkage.management.commands.link_files import Command

# Below engine.MIN_RECORDS_TO_TRAIN: the shipped defaults, the prior and the blocking plan
# do the work, as they do for most lists an analyst links.
SMALL_LIST = 600
RECALL_FLOOR = 0.95


def _write_lists(tmp_path, records):
    fields = [c for c in records.column_names if c not in ("record_id", "source")]
    paths = {}
    for source in ("a", "b"):
        path = tmp_path / f"{source}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", *fields])
            for row in records.to_pylist():
                if row["source"] == source:
                    writer.writerow([row["record_id"], *[row[f] or "" for f in fields]])
        paths[source] = path
    return paths["a"], paths["b"], [f"{f}={f}" for f in fields]


def _true_pairs(records, truth):
    cluster = dict(zip(truth.column("record_id").to_pylist(), truth.column("cluster_id").to_pylist()))
    sources = dict(zip(records.column("record_id").to_pylist(), records.column("source").to_pylist()))
    left = collections.Counter(cluster[r] for r, s in sources.items() if s == "a")
    right = collections.Counter(cluster[r] for r, s in sources.items() if s == "b")
    return sum(n * right[c] for c, n in left.items()), cluster


def _recall_of_link_files(tmp_path, shape, n_records=SMALL_LIST):
    records, truth = generate_independent_people(n_records=n_records, seed=1, shape=shape)
    left, right, fields = _write_lists(tmp_path, records)
    out = tmp_path / "pairs.csv"
    link_files(left=left, right=right, out=out, id_left="id", id_right="id", fields=fields)
    n_true, cluster = _true_pairs(records, truth)
    with out.open(newline="") as handle:
        found = [(r["left_id"], r["right_id"]) for r in csv.DictReader(handle)]
    correct = sum(1 for a, b in found if cluster[a] == cluster[b])
    return correct / n_true, correct / len(found), fields


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(Shape(missing=("dob",)), id="missing-date-of-birth"),
        pytest.param(Shape(postcodes="foreign4"), id="non-uk-postcode"),
        pytest.param(Shape(dates="yyyymmdd"), id="yyyymmdd-dates"),
        pytest.param(Shape(names="one_field"), id="one-name-field"),
        pytest.param(Shape(names="initials"), id="initials-only"),
        # The list of the issue: given name, surname, yyyymmdd, four-digit postcode, no sex.
        pytest.param(Shape(postcodes="foreign4", dates="yyyymmdd", missing=("sex",)), id="issue-13-list"),
    ],
)
def test_link_files_finds_the_true_pairs_whatever_the_field_shapes(tmp_path, shape):
    recall, precision, fields = _recall_of_link_files(tmp_path, shape)
    assert recall >= RECALL_FLOOR, (fields, recall)
    assert precision >= 0.95, (fields, precision)


# Above engine.MIN_RECORDS_TO_TRAIN: trained on the list itself, with term frequencies; the
# two shapes that were short of the floor at this size (no dates: names transposed and
# moved had no blocking rule; initials: a transposed pair has no name in common).
@pytest.mark.slow  # two 5,000-record lists trained and linked
@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(Shape(missing=("dob",)), id="missing-date-of-birth"),
        pytest.param(Shape(names="initials"), id="initials-only"),
    ],
)
def test_link_files_holds_the_floor_on_lists_it_trains_on(tmp_path, shape):
    recall, precision, fields = _recall_of_link_files(tmp_path, shape, n_records=5_000)
    assert recall >= RECALL_FLOOR, (fields, recall)
    assert precision >= 0.95, (fields, precision)


def test_initials_crossed_are_scored_as_names_transposed():
    rows = [
        {"record_id": "A", "first_name": "J", "last_name": "Thornton", "dob": "2011-03-04", "postcode": "LS6 2AB"},
        # "Jack Thornton" with the names transposed, then the given name cut to an initial.
        {"record_id": "B", "first_name": "T", "last_name": "Jack", "dob": "2011-03-04", "postcode": "TR1 1AA"},
        {"record_id": "Z", "first_name": "P", "last_name": "Quresoglu", "dob": "2009-01-30", "postcode": "TR9 1AA"},
    ]
    model = engine.train(records=rows)
    scored = {(r["id_l"], r["id_r"]) for r in engine.predict(model=model, threshold=0.0).to_pylist()}
    assert ("A", "B") in scored  # proposed although no name and no postcode agree
    why = engine.explain(model=model, pair={"id_l": "A", "id_r": "B"})
    levels = {f.field: f.level for f in why.fields}
    assert levels["first_name"] == "Initial of the other record's surname (names transposed)"
    assert levels["last_name"] == "Initial is the other record's initial (names transposed)"
    # Weak evidence, but not the heavy weight of two names that disagree.
    assert all(f.match_weight > 0 for f in why.fields if f.field in ("first_name", "last_name"))


def _planned(shape, n_records=3_000):
    records, _ = generate_independent_people(n_records=n_records, seed=2, shape=shape)
    con = engine.new_connection()
    prepared = [engine.prepare_records(con=con, records=records)]
    settings = engine.settings_for(link_type="dedupe_only", with_agency_id=False)
    return engine.plan_training(con=con, prepared=prepared, settings=settings)


def test_a_training_rule_without_its_field_is_replaced_and_said_so():
    plan = _planned(Shape(postcodes="foreign4"))
    # Foreign postcodes have no district: EM on dob + district cannot run, dob + postcode does.
    assert ("dob", "pc_district") not in plan.em_rules
    assert ("dob", "pc") in plan.em_rules
    assert any(s.startswith("EM on dob + pc_district: cannot run") for s in plan.steps)
    assert any("in place of a rule that could not run" in s for s in plan.steps)


def test_without_dates_every_field_is_still_estimated_and_the_prior_found():
    plan = _planned(Shape(missing=("dob",)))
    assert all("dob" not in rule for rule in plan.em_rules)
    assert not any(s.startswith("EM: no rule could estimate") for s in plan.steps)
    assert plan.prior_rules == (("first_name", "last_name", "pc"),)
    # Rules that only needed the date as one of several keys run without it.
    assert 'l."fn_c" = r."fn_c" AND l."last_name" = r."last_name"' in plan.extra_blocking_rules
    # The two names as a set are two fields: transposed names that moved are still proposed.
    assert 'l."name_set" = r."name_set"' in plan.extra_blocking_rules


def test_uk_lists_with_every_field_train_as_designed():
    plan = _planned(Shape())
    assert plan.em_rules == engine.EM_RULES
    assert plan.prior_rules == engine.PRIOR_RULES
    assert plan.extra_blocking_rules == ()


def test_one_name_field_is_split_into_given_name_and_surname():
    con = engine.new_connection()
    table = engine.prepare_records(
        con=con,
        records=[
            {"record_id": "1", "name": "OKAFOR, Jayden"},
            {"record_id": "2", "name": "OKAFOR Jayden Lee"},
            {"record_id": "3", "name": "Jayden Lee Okafor"},
            {"record_id": "4", "name": "Okafor"},
        ],
    )
    rows = con.execute(f"SELECT first_name, last_name FROM {table} ORDER BY unique_id").fetchall()
    assert rows == [("jayden", "okafor")] * 3 + [(None, "okafor")]


def test_the_command_says_which_training_steps_ran(tmp_path, capsys):
    records, _ = generate_independent_people(n_records=SMALL_LIST, seed=1, shape=Shape(missing=("dob",)))
    left, right, fields = _write_lists(tmp_path, records)
    call_command(
        Command(),
        str(left),
        str(right),
        "--out",
        str(tmp_path / "p.csv"),
        "--id-left",
        "id",
        "--id-right",
        "id",
        *[a for f in fields for a in ("--field", f)],
    )
    out = capsys.readouterr().out
    assert "prior: no records have first_name + last_name + dob" in out
    assert "estimated from first_name + last_name + pc instead" in out
    assert "u and m not estimated, shipped defaults used" in out
