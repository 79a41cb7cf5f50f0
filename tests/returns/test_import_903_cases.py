"""What councils really send (issue 9, item 2): `homeward import-903` takes both SEX code sets, file
names in any case, a broken quote, a missing table, a re-sent file without a row, a file that is not
UTF-8, and a same-day period Homeward already holds, and says plainly what it did with each."""

import csv
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.children.models import Child
from homeward.episodes.models import Episode
from homeward.episodes.services import episode_open, episode_record_return
from homeward.returns.models import CouncilMissingRecord, ImportRun
from tests.episodes.conftest import commission_return_interview_services
from tests.returns.factories import TODAY, d, episode_row, header_row, missing_row, write_903

DOB = TODAY - datetime.timedelta(days=365 * 14)
START = TODAY - datetime.timedelta(days=60)

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def import_903(directory, la) -> str:
    out = StringIO()
    call_command("import_903", str(directory), "--la", la.code, stdout=out)
    return out.getvalue()


def rejects(directory) -> list[tuple[str, str, str, str]]:
    with (directory / "rejects.csv").open(newline="", encoding="utf-8") as handle:
        return [(r["file"], r["line"], r["field"], r["reason"]) for r in csv.DictReader(handle)]


def test_it_takes_sex_as_m_and_f_or_as_1_and_2_and_says_why_u_cannot_be_held(la, tmp_path):
    directory = write_903(
        tmp_path / "903",
        header=[
            header_row("C1", DOB, sex="M"),
            header_row("C2", DOB, sex="F"),
            header_row("C3", DOB, sex="1"),
            header_row("C4", DOB, sex="2"),
            header_row("C5", DOB, sex="U"),
            header_row("C6", DOB, sex="X"),
        ],
    )
    import_903(directory, la)
    assert dict(Child.objects.values_list("la_child_id", "sex")) == {"C1": "1", "C2": "2", "C3": "1", "C4": "2"}
    [u, x] = rejects(directory)
    assert u[:3] == ("header.csv", "6", "SEX") and "U (not known) cannot be held" in u[3]
    assert x[:3] == ("header.csv", "7", "SEX") and "M or F" in x[3]


def test_file_names_match_in_any_case_and_an_unknown_file_is_named(la, tmp_path):
    directory = write_903(
        tmp_path / "903",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(10))],
        missing=[missing_row("C1", DOB, START, START + days(1))],
    )
    for name, sent_as in (
        ("header.csv", "Header.CSV"),
        ("episodes.csv", "EPISODES.csv"),
        ("missing.csv", "Missing.csv"),
    ):
        (directory / name).rename(directory / sent_as)
    (directory / "notes.txt").write_text("sent by the performance team\n")
    output = import_903(directory, la)
    assert (
        "Missing.csv: 1 created" in output and "EPISODES.csv: 1 created" in output and "Header.CSV: 1 created" in output
    )
    assert "notes.txt: Not an SSDA903 table" in output
    assert rejects(directory) == [
        ("notes.txt", "", "", "Not an SSDA903 table (header.csv, episodes.csv, missing.csv): not read.")
    ]
    assert Episode.objects.filter(child__la_child_id="C1").count() == 1


def test_a_broken_quote_rejects_its_own_line_and_every_other_row_is_counted(la, tmp_path):
    directory = write_903(
        tmp_path / "903",
        header=[header_row(f"C{n}", DOB) for n in range(1, 5)],
        episodes=[],
        missing=[missing_row(f"C{n}", DOB, START, START + days(1)) for n in range(1, 5)],
    )
    lines = (directory / "missing.csv").read_text().splitlines()
    lines[2] = lines[2].replace("C2,", '"C2,', 1)  # line 3: a quote opened and never closed
    (directory / "missing.csv").write_text("\n".join(lines) + "\n")
    output = import_903(directory, la)
    assert rejects(directory) == [
        ("missing.csv", "3", "", 'The row has a quote (") that is not closed, so its values cannot be told apart.')
    ]
    run = ImportRun.objects.get(file_name__endswith="missing.csv")
    assert (run.created, run.rejected) == (3, 1)  # four rows in the file, four counted
    assert "missing.csv: 3 created, 0 updated, 0 unchanged, 1 rejected" in output
    assert sorted(CouncilMissingRecord.objects.values_list("child_code", flat=True)) == ["C1", "C3", "C4"]


def test_a_missing_table_or_one_whose_every_row_is_rejected_exits_non_zero(la, tmp_path):
    directory = write_903(
        tmp_path / "903", header=[header_row("C1", DOB)], missing=[missing_row("C1", DOB, START, None)]
    )
    (directory / "episodes.csv").unlink()
    with pytest.raises(CommandError, match="episodes.csv: not found; the return is incomplete without it"):
        import_903(directory, la)
    assert CouncilMissingRecord.objects.count() == 1  # what was sent is still imported

    bad = write_903(tmp_path / "bad", header=[header_row("C1", DOB)], episodes=[episode_row("C1", START, PLACE="Q9")])
    with pytest.raises(CommandError, match="episodes.csv: every one of its 1 rows was rejected"):
        import_903(bad, la)
    good = write_903(tmp_path / "good", header=[header_row("C1", DOB)], episodes=[episode_row("C1", START)])
    import_903(good, la)  # no error: exit 0


def test_a_same_day_period_is_the_episode_already_held_and_a_re_import_adds_nothing(world, tmp_path):
    commission_return_interview_services(world)
    child, day = world.child, timezone.localdate() - days(3)
    ten = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    episode, _ = episode_open(user=world.provider_staff, why="test", child=child, kind="missing", started_at=ten)
    episode_record_return(
        user=world.provider_staff, why="test", episode=episode, returned_at=ten + datetime.timedelta(hours=5)
    )
    directory = write_903(
        tmp_path / "903",
        header=[header_row(child.la_child_id, child.date_of_birth, sex=child.sex, ETHNIC="")],
        missing=[missing_row(child.la_child_id, child.date_of_birth, day, day)],
    )
    for _ in range(2):
        import_903(directory, world.manchester)
        assert Episode.objects.filter(child=child).count() == 1
        assert CouncilMissingRecord.objects.get().episode == episode


def test_a_row_left_out_of_a_re_sent_return_is_reported_and_marked_not_kept_silently(la, tmp_path):
    rows = [missing_row("C1", DOB, START, START + days(1)), missing_row("C1", DOB, START + days(5), START + days(6))]
    first = write_903(
        tmp_path / "first", header=[header_row("C1", DOB)], episodes=[episode_row("C1", START - days(10))], missing=rows
    )
    import_903(first, la)
    resent = write_903(
        tmp_path / "resent",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(10))],
        missing=rows[1:],
    )
    output = import_903(resent, la)
    assert "1 periods imported before are no longer in the council's return" in output
    assert f"CHILD C1, MIS_START {d(START)}" in output
    gone = CouncilMissingRecord.objects.get(mis_start=START)
    assert gone.withdrawn_at is not None and gone.episode is not None  # kept, as the council once said it
    assert ImportRun.objects.filter(file_name__endswith="resent/missing.csv").get().detail["withdrawn"] == 1

    import_903(first, la)  # sent again with the row: it stands again
    gone.refresh_from_db()
    assert gone.withdrawn_at is None


def test_a_byte_that_is_not_utf8_is_named_by_its_own_line(la, tmp_path):
    directory = write_903(
        tmp_path / "903", header=[header_row(f"C{n}", DOB) for n in range(1, 400)], episodes=[], missing=[]
    )
    content = (directory / "header.csv").read_bytes().splitlines(keepends=True)
    content[349] = content[349].replace(b"WBRI", b"WBR\xe9")  # line 350, far past the decoder's first read
    (directory / "header.csv").write_bytes(b"".join(content))
    with pytest.raises(CommandError, match=r"header.csv, line 350: byte 0xE9 is not UTF-8"):
        import_903(directory, la)


def test_a_period_outside_the_childs_care_is_refused_as_the_episode_service_refuses_it(la, tmp_path):
    carried = missing_row("C1", DOB, START - days(20), START + days(1))  # began before the placement the return holds
    after = missing_row("C1", DOB, START + days(40), START + days(41))  # after care ended
    directory = write_903(
        tmp_path / "903",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(10), DEC=d(START + days(30)), REC="E8")],
        missing=[carried, after],
    )
    with pytest.raises(CommandError, match="every one of its 2 rows was rejected"):
        import_903(directory, la)
    assert [(line, field, "not looked after on" in reason) for _, line, field, reason in rejects(directory)] == [
        ("2", "MIS_START", True),
        ("3", "MIS_START", True),
    ]
    # The same placement coded as a move (RNE P): the child was in care before it, so the period stands.
    moved = write_903(
        tmp_path / "moved",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(10), RNE="P", DEC=d(START + days(30)), REC="E8")],
        missing=[carried],
    )
    import_903(moved, la)
    assert CouncilMissingRecord.objects.get().mis_start == START - days(20)


def test_a_period_carried_over_open_and_closed_in_next_years_return_takes_the_years_later_periods(la, tmp_path):
    last_year = write_903(
        tmp_path / "last",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(30))],
        missing=[missing_row("C1", DOB, START - days(2), None)],
    )  # open on the year's last day
    import_903(last_year, la)
    this_year = write_903(
        tmp_path / "this",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(30))],
        missing=[
            missing_row("C1", DOB, START - days(2), START + days(1)),  # the same start, now closed
            missing_row("C1", DOB, START + days(3), START + days(4)),
            missing_row("C1", DOB, START + days(6), None),
        ],
    )  # open, as the carried one was
    import_903(this_year, la)
    assert rejects(this_year) == []
    assert [
        (timezone.localdate(e.started_at), e.returned_at is not None) for e in Episode.objects.order_by("started_at")
    ] == [
        (START - days(2), True),
        (START + days(3), True),
        (START + days(6), False),
    ]


def test_the_other_placement_codes_of_2025_26_are_held_as_sent(la, tmp_path):
    from homeward.children.models import Placement

    directory = write_903(
        tmp_path / "903",
        header=[header_row("C1", DOB), header_row("C2", DOB)],
        episodes=[
            episode_row("C1", START, PLACE="Z12", PLACE_PROVIDER="PR5", URN="XXXXXXX"),
            episode_row("C2", START, PLACE="Z15", PLACE_PROVIDER="PR5", URN="XXXXXXX"),
        ],
    )
    import_903(directory, la)
    assert list(Placement.objects.values_list("child__la_child_id", "placement_type")) == [("C1", "Z12")]
    [z15] = rejects(directory)
    assert z15[:3] == ("episodes.csv", "3", "PLACE")
