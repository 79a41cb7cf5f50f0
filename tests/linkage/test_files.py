"""`homeward link-files`: two CSV person lists in, left_id,right_id,match_probability out."""

import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from homeward.linkage.files import LinkFilesError, link_files, one_to_one, parse_field_args
from homeward.linkage.management.commands.link_files import Command

LEFT = [
    # id, forename, surname, date of birth (three formats), sex, postcode
    ("L1", "Elizabeth", "Ashworth", "2011-07-04", "F", "LS6 2AB"),
    ("L2", "Mohammed", "Rahman", "15/02/2009", "M", "B11 4RT"),
    ("L3", "Kacper", "Nowak", "20100312", "M", "75001"),  # a Paris postcode: not UK-shaped
    ("L4", "Jayden", "Okafor", "2008-11-23", "M", "M14 5TT"),
    ("L5", "Freya", "Lindqvist", "2012-01-19", "F", "NE1 4XF"),
    ("L6", "Ruby", "Thornwick", "2013-06-30", "F", "CV1 2AA"),
]
RIGHT = [
    ("R1", "Lizzie", "ASHWORTH", "04/07/2011", "", "LS6 9ZZ"),  # nickname, case, swap-free
    ("R2", "Muhammad", "Rahman", "2009-02-15", "Male", "B11 4RT"),  # spelling
    ("R3", "Kacper", "Nowak", "12/03/2010", "M", "75001"),  # same Paris postcode
    ("R4", "Jaiden", "Okafor", "20081123", "M", "M14 5TT"),
    ("R5", "Ruby", "Thornwick", "2013-06-30", "F", "CV1 2AA"),
    ("R6", "Ruby", "Thornwick", "30/06/2013", "F", "CV1 2AB"),  # a duplicate of R5
    ("R7", "Tobias", "Quill", "2007-09-09", "M", "PL4 8AA"),  # nobody on the left
]


def _write(path, header, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def files(tmp_path):
    left = _write(tmp_path / "left.csv", ["child_id", "forename", "surname", "dob", "sex", "pc"], LEFT)
    right = _write(tmp_path / "right.csv", ["ref", "first", "last", "birth", "gender", "postcode"], RIGHT)
    return left, right, tmp_path / "out" / "pairs.csv"


FIELDS = [
    "first_name=forename:first",
    "last_name=surname:last",
    "dob=dob:birth",
    "sex=sex:gender",
    "postcode=pc:postcode",
]


def _read(path):
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_links_two_files_end_to_end(files):
    left, right, out = files
    result = link_files(left=left, right=right, out=out, id_left="child_id", id_right="ref", fields=FIELDS)
    rows = _read(out)
    assert list(rows[0]) == ["left_id", "right_id", "match_probability"]
    pairs = {(r["left_id"], r["right_id"]) for r in rows}
    # Every date format, the nickname, the spelling variant and the non-UK postcode link.
    assert {("L1", "R1"), ("L2", "R2"), ("L3", "R3"), ("L4", "R4"), ("L6", "R5"), ("L6", "R6")} <= pairs
    assert not {p for p in pairs if p[0] == "L5" or p[1] == "R7"}
    assert all(0.5 <= float(r["match_probability"]) <= 1 for r in rows)
    assert result.pairs_written == len(rows) and result.left_records == 6


def test_one_to_one_keeps_one_pair_per_id(files):
    left, right, out = files
    call_command(
        Command(),
        str(left),
        str(right),
        "--out",
        str(out),
        "--id-left",
        "child_id",
        "--id-right",
        "ref",
        *[a for f in FIELDS for a in ("--field", f)],
        "--one-to-one",
    )
    rows = _read(out)
    lefts = [r["left_id"] for r in rows]
    rights = [r["right_id"] for r in rows]
    assert len(lefts) == len(set(lefts)) and len(rights) == len(set(rights))
    assert ("L6", "R5") in {(r["left_id"], r["right_id"]) for r in rows}  # the better of two


def test_same_column_name_in_both_files(tmp_path):
    header = ["id", "first_name", "last_name", "dob"]
    left = _write(tmp_path / "a.csv", header, [("1", "Ava", "Brightwell", "2010-01-02")])
    right = _write(tmp_path / "b.csv", header, [("9", "Ava", "Brightwell", "02/01/2010")])
    out = tmp_path / "p.csv"
    link_files(
        left=left,
        right=right,
        out=out,
        id_left="id",
        id_right="id",
        fields=["first_name=first_name", "last_name=last_name", "dob=dob"],
    )
    assert [(r["left_id"], r["right_id"]) for r in _read(out)] == [("1", "9")]


def test_one_to_one_is_greedy_best_first():
    pairs = [("a", "x", 0.9), ("a", "y", 0.95), ("b", "y", 0.8), ("b", "x", 0.7)]
    assert one_to_one(pairs) == [("a", "y", 0.95), ("b", "x", 0.7)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["nickname=forename"], "--field 'nickname=forename': unknown role 'nickname'"),
        (["first_name"], "--field 'first_name': expected ROLE=COLUMN"),
        (["dob=dob", "dob=birth"], "role 'dob' given more than once"),
        ([], "--field: give at least one"),
    ],
)
def test_bad_field_arguments_name_the_argument(fields, message):
    with pytest.raises(LinkFilesError, match=message.replace("(", r"\(")):
        parse_field_args(fields)


def test_missing_columns_name_the_argument_and_file(files):
    left, right, out = files
    with pytest.raises(CommandError, match=r"--field last_name: no column 'last' in left file"):
        call_command(
            Command(),
            str(left),
            str(right),
            "--out",
            str(out),
            "--id-left",
            "child_id",
            "--id-right",
            "ref",
            "--field",
            "last_name=last",
        )
    with pytest.raises(CommandError, match=r"--id-right 'child_id': no such column in right"):
        call_command(
            Command(),
            str(left),
            str(right),
            "--out",
            str(out),
            "--id-left",
            "child_id",
            "--id-right",
            "child_id",
            "--field",
            "last_name=surname:last",
        )
    with pytest.raises(CommandError, match=r"--threshold 1.5: must be between 0 and 1"):
        call_command(
            Command(),
            str(left),
            str(right),
            "--out",
            str(out),
            "--id-left",
            "child_id",
            "--id-right",
            "ref",
            "--field",
            "last_name=surname:last",
            "--threshold",
            "1.5",
        )
    with pytest.raises(CommandError, match=r"left file .*missing\.csv"):
        call_command(
            Command(),
            str(left.with_name("missing.csv")),
            str(right),
            "--out",
            str(out),
            "--id-left",
            "child_id",
            "--id-right",
            "ref",
            "--field",
            "last_name=surname:last",
        )
