"""The SSDA903 Missing table export (returns.export, `homeward export-903-missing`): a council's own
children's periods in the collection year, split at each change of kind, audited, and read back by
the importer's reader (returns.ssda903.read_file_set) without a reject."""

import csv
import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.episodes.models import Episode, KindChange
from homeward.returns.export import missing_table, missing_table_write
from homeward.returns.ssda903 import COLUMNS, HEADER, read_file_set
from tests.returns.factories import header_row, write_csv

# A collection year long past whenever the tests run (the reader refuses dates in the future), and
# after the world's children were born (about 14 years before today).
YEAR_ENDING = datetime.date(datetime.date.today().year - 1, 3, 31)
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
        child=child, kind=kinds[-1], started_at=started_at, reported_at=started_at, returned_at=returned_at,
        reported_by=world.social_worker, reporting_agency=world.manchester,
    )
    for (moment, to_kind), from_kind in zip(changes, kinds, strict=False):
        KindChange.objects.create(episode=episode, at=moment, from_kind=from_kind, to_kind=to_kind, by=world.social_worker)
    return episode


def rows_of(table) -> list[tuple[str, str, str, str, str]]:
    return [(r["CHILD"], r["DOB"], r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in table]


def export(world, user=None, authority=None) -> list[dict]:
    return missing_table(user=user or world.social_worker, authority=authority or world.manchester, year_ending=YEAR_ENDING)


def test_missing_then_away_then_missing_is_three_periods(world):
    record(world, world.child, "missing", at(on(5, 1), 10), at(on(5, 6), 8), (at(on(5, 2), 12), "away"), (at(on(5, 4), 9), "missing"))
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
    record(world, world.child, "missing", at(FIRST - datetime.timedelta(days=3)), at(on(4, 2)))  # rule 576: carried over
    record(world, world.child, "away", at(on(3, 20)), at(YEAR_ENDING + datetime.timedelta(days=10)))  # back in April
    record(world, world.child_at_home, "missing", at(on(3, 30)))  # still missing now
    record(world, world.moved_child, "away", at(on(3, 31), 23), None, (at(YEAR_ENDING + datetime.timedelta(days=1), 1), "missing"))
    rows = rows_of(export(world))
    assert [(child, code, start, end) for child, _, code, start, end in rows] == [
        ("MAN001", "M", d(FIRST - datetime.timedelta(days=3)), d(on(4, 2))),
        ("MAN001", "A", d(on(3, 20)), ""),
        ("MAN002", "M", d(on(3, 30)), ""),
        ("MAN003", "A", d(on(3, 31)), ""),  # its switch to missing falls in the next year
    ]


def test_periods_outside_the_year_are_left_out(world):
    record(world, world.child, "missing", at(FIRST - datetime.timedelta(days=10)), at(FIRST - datetime.timedelta(days=1), 23))
    record(world, world.child, "away", at(YEAR_ENDING + datetime.timedelta(days=1), 0, 30), at(YEAR_ENDING + datetime.timedelta(days=2)))
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
    Episode.objects.create(child=world.leeds_child, kind="away", started_at=at(on(5, 1)), reported_at=at(on(5, 1)),
                           returned_at=at(on(5, 3)), reported_by=world.unrelated_social_worker, reporting_agency=world.leeds)
    assert [r["CHILD"] for r in export(world)] == ["MAN001"]
    assert [r["CHILD"] for r in export(world, world.unrelated_social_worker, world.leeds)] == ["LDS001"]
    # The host council sees the child but is not responsible for it: its own return lists nothing of it.
    assert export(world, world.host_coordinator, world.birmingham) == []
    for user in (world.host_coordinator, world.unrelated_social_worker, world.police_officer, world.inspector):
        with pytest.raises(PermissionDenied):
            export(world, user, world.manchester)


def test_the_year_must_end_on_31_march(world):
    with pytest.raises(ValidationError) as excinfo:
        missing_table(user=world.social_worker, authority=world.manchester, year_ending=datetime.date(2024, 4, 30))
    assert list(excinfo.value.message_dict) == ["year_ending"]


def test_the_export_is_audited_child_by_child(world):
    record(world, world.child, "missing", at(on(5, 1)), at(on(5, 2)))
    record(world, world.child_at_home, "away", at(on(8, 1)), at(on(8, 2)))
    before = AuditEvent.objects.count()
    export(world)
    events = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert {(e.action, e.object_type, e.child_id, e.detail["year_ending"]) for e in events} == {
        ("export", "ssda903_missing", world.child.pk, YEAR_ENDING.isoformat()),
        ("export", "ssda903_missing", world.child_at_home.pk, YEAR_ENDING.isoformat()),
    }


def test_what_it_writes_the_importers_reader_reads_back_without_a_reject(world, tmp_path):
    record(world, world.child, "missing", at(FIRST - datetime.timedelta(days=2)), at(on(4, 1), 9))
    record(world, world.child, "missing", at(on(5, 1), 10), at(on(5, 6), 8), (at(on(5, 2), 12), "away"), (at(on(5, 4), 9), "missing"))
    record(world, world.child, "missing", at(on(6, 1), 9), at(on(6, 3), 18), (at(on(6, 1), 10), "away"))
    record(world, world.child, "away", at(on(7, 1), 9), at(on(7, 1), 10))
    record(world, world.child, "missing", at(on(7, 1), 14), at(on(7, 1), 20))
    record(world, world.child, "away", at(on(7, 1), 22), at(on(7, 3), 8))
    record(world, world.child, "away", at(on(3, 20)), at(YEAR_ENDING + datetime.timedelta(days=4)))
    record(world, world.child_at_home, "away", at(on(9, 9), 23), at(on(9, 10), 1))
    record(world, world.child_at_home, "missing", at(on(9, 10), 18))  # still missing
    table = export(world)
    assert len(table) == 9

    directory = tmp_path / "903"
    directory.mkdir()
    children = [world.child, world.child_at_home]
    write_csv(directory / HEADER, COLUMNS[HEADER], [header_row(c.la_child_id, c.date_of_birth, sex=c.sex) for c in children])
    missing_table_write(rows=table, path=directory / "missing.csv")
    read = read_file_set(directory)
    assert read.rejects == []
    assert [(m.child, m.missing, d(m.mis_start), d(m.mis_end)) for m in read.missing] == [
        (r["CHILD"], r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in table
    ]


def test_the_command_writes_the_csv(world, tmp_path):
    record(world, world.child, "missing", at(on(5, 1)), at(on(5, 2)))
    out, path = StringIO(), tmp_path / "out" / "missing.csv"
    call_command("export_903_missing", "--la", world.manchester.code, "--year-ending", YEAR_ENDING.isoformat(), "--out", str(path),
                 stdout=out)
    assert "1 periods for 1 children" in out.getvalue()
    with path.open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
            ["MAN001", d(world.child.date_of_birth), "M", d(on(5, 1)), d(on(5, 2))],
        ]
    event = AuditEvent.objects.filter(object_type="ssda903_missing").latest("id")
    assert event.why.startswith("export-903-missing") and event.child_id == world.child.pk
    with pytest.raises(CommandError, match="31 March"):
        call_command("export_903_missing", "--la", world.manchester.code, "--year-ending", "2024-04-01", "--out", str(path))
    with pytest.raises(CommandError, match="not a local authority"):
        call_command("export_903_missing", "--la", world.west_midlands_police.code, "--year-ending", YEAR_ENDING.isoformat(),
                     "--out", str(path))
