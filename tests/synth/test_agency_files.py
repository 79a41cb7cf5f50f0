"""What each council and force holds of a synthetic world: the files read back as the importers read
them, the mess is planted, and the truth adds up."""

import csv
import datetime
import hashlib
from collections import Counter

import pytest

from homeward.returns import police, ssda903
from homeward.returns.checks import return_check
from homeward.synth import agency_files
from homeward.synth.agency_files import BOTH, COUNCIL_ONLY, POLICE_ONLY, agency_files_generate, agency_files_write


@pytest.fixture(scope="module")
def files(world):
    return agency_files_generate(world)


@pytest.fixture(scope="module")
def on_disk(files, tmp_path_factory):
    directory = tmp_path_factory.mktemp("agency-files")
    agency_files_write(files, directory)
    return directory


def _digest(directory) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_same_world_gives_byte_identical_files(world, on_disk, tmp_path):
    agency_files_write(agency_files_generate(world), tmp_path)
    assert _digest(tmp_path) == _digest(on_disk)


def test_the_police_file_has_the_documented_columns():
    assert agency_files.POLICE_COLUMNS == police.FIELD_NAMES


def test_every_council_return_reads_without_a_reject(on_disk, reference):
    # The reader places each placement on the map (districts -> councils, forces): reference data.
    councils = sorted((on_disk / "903").iterdir())
    assert len(councils) > 100  # children from councils across England
    for folder in councils:
        file_set = ssda903.read_file_set(folder)
        assert file_set.rejects == [], (folder.name, file_set.rejects[:3])


def _dated(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, "%d/%m/%Y").date()


def _return_for(folder, year_ending: datetime.date) -> dict[str, list[dict]]:
    """A council's files cut to one collection year, as its return for that year holds them: what was
    open at some time in the year, with an end after 31 March left blank."""
    first = datetime.date(year_ending.year - 1, 4, 1)
    tables = {}
    for name in ssda903.COLUMNS:
        with (folder / name).open(newline="", encoding="utf-8") as handle:
            tables[name] = list(csv.DictReader(handle))
    kept = {ssda903.EPISODES: [], ssda903.MISSING: []}
    for name, (start, end, blank) in {
        ssda903.EPISODES: ("DECOM", "DEC", ("DEC", "REC")),
        ssda903.MISSING: ("MIS_START", "MIS_END", ("MIS_END",)),
    }.items():
        for row in tables[name]:
            if _dated(row[start]) <= year_ending and (not row[end] or _dated(row[end]) >= first):
                if row[end] and _dated(row[end]) > year_ending:
                    row.update(dict.fromkeys(blank, ""))
                kept[name].append(row)
    listed = {row["CHILD"] for rows in kept.values() for row in rows}
    return {ssda903.HEADER: [r for r in tables[ssda903.HEADER] if r["CHILD"] in listed], **kept}


def test_every_council_return_has_no_error_under_the_dfes_rules(world, on_disk):
    # The SEX codes, REC and RNE, URNs and UN codes of the current format (issue 9).
    for folder in sorted((on_disk / "903").iterdir()):
        problems = return_check(_return_for(folder, world.as_at), year_ending=world.as_at)
        assert problems == [], (folder.name, [str(p) for p in problems[:3]])


def test_every_police_report_parses_without_a_problem(on_disk):
    forces = sorted((on_disk / "police").glob("*.csv"))
    assert len(forces) >= 30  # most of the 43 forces, in a world of 3,000 children
    for path in forces:
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                _, problems = police.report_parse(row)
                assert problems == [], (path.name, row["reference"], problems)


def test_every_episode_the_police_were_told_of_has_its_report(world, files):
    told = {(e.responsible_authority, e.la_child_id, e.started_at) for e in world.episodes if e.police_force}
    reports = [r for rs in files.police_reports.values() for r in rs]
    assert {(r.responsible_authority, r.la_child_id, r.episode_started_at) for r in reports if not r.duplicate} == told
    assert len({(r.force, r.row["reference"]) for r in reports}) == len(reports)  # each reference once per force
    duplicates = sum(r.duplicate for r in reports) / len(told)
    assert 0.01 < duplicates < 0.05


def test_the_police_record_the_child_with_the_mess_of_a_phone_call(files):
    reports = [r for rs in files.police_reports.values() for r in rs]
    mess = Counter(kind for r in reports for kind in r.mess.split(",") if kind)
    for kind in ("nickname", "typo_first", "typo_last", "dob_swap", "dob_missing", "postcode_missing", "upper_case"):
        assert mess[kind] > 0, kind
    assert 0.2 < mess["upper_case"] / len(reports) < 0.4
    assert 0.1 < sum(bool(r.row["council_child_id"]) for r in reports) / len(reports) < 0.4


def test_councils_miss_mostly_no_apparent_risk_reports_and_never_an_unreported_episode(world, files):
    told = {(e.responsible_authority, e.la_child_id, e.started_at) for e in world.episodes if e.police_force}
    assert set(files.not_recorded) <= told
    reasons = Counter(files.not_recorded.values())
    assert reasons["no_apparent_risk"] > reasons["not_recorded"] > 0
    in_periods = {
        (council, p.child, start) for council, ps in files.council_periods.items() for p in ps for start in p.episodes
    }
    assert in_periods.isdisjoint(files.not_recorded)
    assert in_periods | set(files.not_recorded) == {
        (e.responsible_authority, e.la_child_id, e.started_at) for e in world.episodes
    }


def test_council_periods_keep_dfe_rule_574(files):
    for periods in files.council_periods.values():
        by_child = {}
        for p in periods:
            by_child.setdefault(p.child, []).append(p)
        for rows in by_child.values():
            rows.sort(key=lambda p: p.mis_start)
            for before, after in zip(rows, rows[1:]):
                assert (
                    before.mis_end is not None
                    and after.mis_start >= before.mis_end
                    and after.mis_start != before.mis_start
                )


def test_the_one_count_truth_adds_up(world, files):
    units = agency_files.one_count_truth(files)
    totals = agency_files.one_count_totals(units)
    periods = sum(len(ps) for ps in files.council_periods.values())
    assert totals[BOTH] + totals[COUNCIL_ONLY] == periods
    assert totals[POLICE_ONLY] == len(files.not_recorded)
    # Both sides leave gaps, in the proportions the issue describes: many council-only (away, never
    # told), fewer police-only.
    assert totals[COUNCIL_ONLY] > totals[POLICE_ONLY] > 0.05 * totals[BOTH]
