"""The SSDA903 return (returns.export, `homeward export-903`): a council's own children's Header,
Episodes and Missing tables for a collection year in that year's DfE format, the Missing periods
split at each change of kind, audited, checked against the DfE's rules (returns.checks), and read
back by the importer's reader (returns.ssda903.read_file_set) without a reject."""

import csv
import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.children.services import placement_create
from homeward.episodes.models import Episode, KindChange
from homeward.returns.checks import return_check
from homeward.returns.export import latest_year_ending, return_tables, return_write
from homeward.returns.ssda903 import EPISODES, HEADER, MISSING, read_file_set

TODAY = datetime.date.today()
# A collection year long past whenever the tests run (the reader refuses dates in the future), and
# after the world's children were born (about 14 years before today).
YEAR_ENDING = datetime.date(TODAY.year - 1, 3, 31)
FIRST = datetime.date(YEAR_ENDING.year - 1, 4, 1)


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def on(month: int, day_: int) -> datetime.date:
    """A day in the collection year (April to March)."""
    return datetime.date(FIRST.year if month >= 4 else YEAR_ENDING.year, month, day_)


def d(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def record(world, child, kind: str, started_at, returned_at=None, *changes) -> Episode:
    """An episode as it stands (written straight to the tables: these are past years), with its
    changes of kind as (at, to_kind)."""
    kinds = [kind] + [to for _, to in changes]
    episode = Episode.objects.create(
        child=child,
        kind=kinds[-1],
        started_at=started_at,
        reported_at=started_at,
        returned_at=returned_at,
        reported_by=world.social_worker,
        reporting_agency=world.manchester,
    )
    for (moment, to_kind), from_kind in zip(changes, kinds, strict=False):
        KindChange.objects.create(
            episode=episode, at=moment, from_kind=from_kind, to_kind=to_kind, by=world.social_worker
        )
    return episode


def placed(world, child, start: datetime.date, end: datetime.date | None, place: str = "K2", urn: str = "") -> None:
    placement_create(
        user=world.social_worker,
        why="test",
        child=child,
        start_date=start,
        end_date=end,
        placement_type=place,
        provider_type="PR4",
        urn=urn,
        placement_postcode="B1 1AA",
        home_postcode="M1 1AE",
    )


def rows_of(table) -> list[tuple[str, str, str, str, str]]:
    return [(r["CHILD"], r["DOB"], r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in table]


def tables(world, user=None, authority=None, **options) -> dict[str, list[dict]]:
    options.setdefault("year_ending", YEAR_ENDING)
    return return_tables(
        user=user or world.social_worker, authority=authority or world.manchester, why="test", **options
    )


def export(world, user=None, authority=None) -> list[dict]:
    return tables(world, user, authority)[MISSING]


def test_missing_then_away_then_missing_is_three_periods(world):
    record(
        world,
        world.child,
        "missing",
        at(on(5, 1), 10),
        at(on(5, 6), 8),
        (at(on(5, 2), 12), "away"),
        (at(on(5, 4), 9), "missing"),
    )
    dob = d(world.child.date_of_birth)
    assert rows_of(export(world)) == [
        ("MAN001", dob, "M", d(on(5, 1)), d(on(5, 2))),
        ("MAN001", dob, "A", d(on(5, 2)), d(on(5, 4))),
        ("MAN001", dob, "M", d(on(5, 4)), d(on(5, 6))),
    ]


def test_a_switch_on_the_day_it_started_is_one_period(world):
    record(world, world.child, "missing", at(on(6, 1), 9), at(on(6, 3), 18), (at(on(6, 1), 10), "away"))
    assert rows_of(export(world)) == [("MAN001", d(world.child.date_of_birth), "A", d(on(6, 1)), d(on(6, 3)))]


def test_a_period_open_at_the_year_end_has_a_blank_end_and_one_from_the_year_before_keeps_its_start(world):
    record(
        world, world.child, "missing", at(FIRST - datetime.timedelta(days=3)), at(on(4, 2))
    )  # rule 576: carried over
    record(world, world.child, "away", at(on(3, 20)), at(YEAR_ENDING + datetime.timedelta(days=10)))  # back in April
    record(world, world.child_at_home, "missing", at(on(3, 30)))  # still missing now
    record(
        world,
        world.moved_child,
        "away",
        at(on(3, 31), 23),
        None,
        (at(YEAR_ENDING + datetime.timedelta(days=1), 1), "missing"),
    )
    rows = rows_of(export(world))
    assert [(child, code, start, end) for child, _, code, start, end in rows] == [
        ("MAN001", "M", d(FIRST - datetime.timedelta(days=3)), d(on(4, 2))),
        ("MAN001", "A", d(on(3, 20)), ""),
        ("MAN002", "M", d(on(3, 30)), ""),
        ("MAN003", "A", d(on(3, 31)), ""),  # its switch to missing falls in the next year
    ]


def test_periods_outside_the_year_are_left_out(world):
    record(
        world,
        world.child,
        "missing",
        at(FIRST - datetime.timedelta(days=10)),
        at(FIRST - datetime.timedelta(days=1), 23),
    )
    record(
        world,
        world.child,
        "away",
        at(YEAR_ENDING + datetime.timedelta(days=1), 0, 30),
        at(YEAR_ENDING + datetime.timedelta(days=2)),
    )
    assert export(world) == []


def test_same_day_periods_make_one_row_per_start_date(world):
    record(world, world.child, "away", at(on(7, 1), 9), at(on(7, 1), 10))
    record(world, world.child, "missing", at(on(7, 1), 14), at(on(7, 1), 20))
    record(world, world.child, "missing", at(on(7, 1), 22), at(on(7, 2), 8))
    assert rows_of(export(world)) == [
        ("MAN001", d(world.child.date_of_birth), "M", d(on(7, 1)), d(on(7, 2))),
    ]


def test_only_the_councils_own_children_and_only_for_itself(world):
    record(world, world.child, "missing", at(on(5, 1)), at(on(5, 2)))  # Manchester's, placed in Birmingham
    Episode.objects.create(
        child=world.leeds_child,
        kind="away",
        started_at=at(on(5, 1)),
        reported_at=at(on(5, 1)),
        returned_at=at(on(5, 3)),
        reported_by=world.unrelated_social_worker,
        reporting_agency=world.leeds,
    )
    assert [r["CHILD"] for r in export(world)] == ["MAN001"]
    assert [r["CHILD"] for r in export(world, world.unrelated_social_worker, world.leeds)] == ["LDS001"]
    # The host council sees the child but is not responsible for it: its own return lists nothing of it.
    assert export(world, world.host_coordinator, world.birmingham) == []
    for user in (world.host_coordinator, world.unrelated_social_worker, world.police_officer, world.inspector):
        with pytest.raises(PermissionDenied):
            export(world, user, world.manchester)


def test_the_year_must_end_on_31_march_and_have_ended_unless_provisional(world):
    with pytest.raises(ValidationError) as excinfo:
        tables(world, year_ending=datetime.date(2024, 4, 30))
    assert list(excinfo.value.message_dict) == ["year_ending"]
    this_year = datetime.date(latest_year_ending(TODAY).year + 1, 3, 31)
    with pytest.raises(ValidationError, match="has not ended"):
        tables(world, year_ending=this_year)
    record(world, world.child, "missing", at(TODAY - datetime.timedelta(days=3)))
    provisional = tables(world, year_ending=this_year, provisional=True)[MISSING]
    assert [(r["CHILD"], r["MIS_END"]) for r in provisional] == [("MAN001", "")]


def test_the_export_is_audited_child_by_child(world):
    record(world, world.child, "missing", at(on(5, 1)), at(on(5, 2)))
    record(world, world.child_at_home, "away", at(on(8, 1)), at(on(8, 2)))
    before = AuditEvent.objects.count()
    listed = tables(world)[HEADER]
    events = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert {(e.action, e.object_type, e.child_id, e.detail["year_ending"]) for e in events} == {
        ("export", "ssda903_return", world.child.pk, YEAR_ENDING.isoformat()),
        ("export", "ssda903_return", world.child_at_home.pk, YEAR_ENDING.isoformat()),
    }
    assert [r["CHILD"] for r in listed] == ["MAN001", "MAN002"]


def test_the_header_is_in_each_years_format(world):
    placed(world, world.child, FIRST - datetime.timedelta(days=30), on(6, 1))
    world.child.upn = ""
    world.child.save(update_fields=["upn"])
    [row] = tables(world)[HEADER]
    # SEX is M/F from 2024-25, 1/2 before; a school-age child without a UPN is not "under 6" (UN1).
    assert row["SEX"] == ("F" if YEAR_ENDING >= datetime.date(2025, 3, 31) else "2")
    assert row["UPN"] == "UN5" and row["DOB"] == d(world.child.date_of_birth)


def test_sex_is_1_or_2_before_2024_25(world):
    world.child.date_of_birth = datetime.date(2015, 6, 1)
    world.child.save(update_fields=["date_of_birth"])
    placed(world, world.child, datetime.date(2023, 5, 1), datetime.date(2023, 9, 1))
    [row] = tables(world, year_ending=datetime.date(2024, 3, 31))[HEADER]
    assert (row["SEX"], row["UPN"]) == ("2", world.child.upn or "UN5")


def test_episodes_carry_the_reasons_derived_from_the_placements(world):
    placed(world, world.child, FIRST - datetime.timedelta(days=30), on(6, 1), urn="SC100001")  # carried into the year
    placed(world, world.child, on(6, 1), on(9, 1), place="U4")  # a move: X1, then P
    placed(world, world.child, on(9, 1), YEAR_ENDING + datetime.timedelta(days=20))  # open at 31 March: no URN held
    placed(world, world.child_at_home, on(5, 1), on(7, 1), place="U4")  # care ends: E8
    episodes = tables(world)[EPISODES]
    assert [(r["CHILD"], r["DECOM"], r["RNE"], r["DEC"], r["REC"], r["URN"]) for r in episodes] == [
        ("MAN001", d(FIRST - datetime.timedelta(days=30)), "S", d(on(6, 1)), "X1", "SC100001"),
        ("MAN001", d(on(6, 1)), "P", d(on(9, 1)), "X1", ""),
        ("MAN001", d(on(9, 1)), "P", "", "", "XXXXXXX"),
        ("MAN002", d(on(5, 1)), "S", d(on(7, 1)), "E8", ""),
    ]


def test_what_it_writes_passes_the_checks_and_the_importers_reader_reads_back_without_a_reject(world, tmp_path):
    placed(world, world.child, FIRST - datetime.timedelta(days=30), YEAR_ENDING + datetime.timedelta(days=20))
    placed(world, world.child_at_home, on(9, 1), on(9, 10), place="U4")
    record(world, world.child, "missing", at(FIRST - datetime.timedelta(days=2)), at(on(4, 1), 9))
    record(
        world,
        world.child,
        "missing",
        at(on(5, 1), 10),
        at(on(5, 6), 8),
        (at(on(5, 2), 12), "away"),
        (at(on(5, 4), 9), "missing"),
    )
    record(world, world.child, "missing", at(on(6, 1), 9), at(on(6, 3), 18), (at(on(6, 1), 10), "away"))
    record(world, world.child, "away", at(on(7, 1), 9), at(on(7, 1), 10))
    record(world, world.child, "missing", at(on(7, 1), 14), at(on(7, 1), 20))
    record(world, world.child, "away", at(on(7, 1), 22), at(on(7, 3), 8))
    record(world, world.child, "away", at(on(3, 20)), at(YEAR_ENDING + datetime.timedelta(days=4)))
    record(world, world.child_at_home, "away", at(on(9, 9), 23), at(on(9, 10), 1))
    record(world, world.child_at_home, "missing", at(on(9, 10), 18))  # missing as care ended the same day
    written = tables(world)
    assert len(written[MISSING]) == 9
    # Care ended with MAN002 missing: the check asks for the period to end that day (the episode
    # service does that as care ends; these rows were written round it).
    assert [(p.table, p.column, p.rule) for p in return_check(written, year_ending=YEAR_ENDING)] == [
        (MISSING, "MIS_END", "577"),
    ]

    return_write(tables=written, directory=tmp_path / "903")
    read = read_file_set(tmp_path / "903")
    assert read.rejects == []
    assert [(m.child, m.missing, d(m.mis_start), d(m.mis_end)) for m in read.missing] == [
        (r["CHILD"], r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in written[MISSING]
    ]


def test_the_command_writes_the_three_files_checks_them_and_fails_on_an_error(world, tmp_path):
    placed(world, world.child, FIRST - datetime.timedelta(days=30), on(10, 1))
    record(world, world.child, "missing", at(on(5, 1)), at(on(5, 2)))
    out = StringIO()
    call_command(
        "export_903",
        "--la",
        world.manchester.code,
        "--year-ending",
        YEAR_ENDING.isoformat(),
        "--out",
        str(tmp_path / "out"),
        stdout=out,
    )
    assert "header.csv: 1 rows, episodes.csv: 1 rows, missing.csv: 1 rows" in out.getvalue()
    assert "0 errors under the DfE's validation rules" in out.getvalue()
    with (tmp_path / "out" / "missing.csv").open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
            ["MAN001", d(world.child.date_of_birth), "M", d(on(5, 1)), d(on(5, 2))],
        ]
    event = AuditEvent.objects.filter(object_type="ssda903_return").latest("id")
    assert event.why.startswith("export-903") and event.child_id == world.child.pk

    record(world, world.child, "away", at(on(11, 1)), at(on(11, 2)))  # after care ended: rule 578
    out = StringIO()
    with pytest.raises(CommandError, match="1 errors under the DfE's validation rules"):
        call_command(
            "export_903",
            "--la",
            world.manchester.code,
            "--year-ending",
            YEAR_ENDING.isoformat(),
            "--out",
            str(tmp_path / "out"),
            stdout=out,
        )
    assert "missing.csv line 3, MIS_START: DfE rule 578" in out.getvalue()
    with pytest.raises(CommandError, match="31 March"):
        call_command("export_903", "--la", world.manchester.code, "--year-ending", "2024-04-01", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="has not ended"):
        call_command(
            "export_903",
            "--la",
            world.manchester.code,
            "--year-ending",
            f"{TODAY.year + 1}-03-31",
            "--out",
            str(tmp_path),
        )
    with pytest.raises(CommandError, match="not a local authority"):
        call_command(
            "export_903",
            "--la",
            world.west_midlands_police.code,
            "--year-ending",
            YEAR_ENDING.isoformat(),
            "--out",
            str(tmp_path),
        )
