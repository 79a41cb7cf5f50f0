"""`homeward import-903`: SSDA903 files into children, placements, episodes and verbatim records."""

import csv
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode, EpisodeUpdate
from homeward.episodes.services import episode_open
from homeward.places.services import placement_geography
from homeward.returns.files import sha256_of
from homeward.returns.models import CouncilMissingRecord, ImportRun
from tests.returns.factories import TODAY, d, dump_903, episode_row, header_row, missing_row, write_903

DOB = TODAY - datetime.timedelta(days=365 * 14)
START = TODAY - datetime.timedelta(days=60)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def import_903(directory, la, *extra) -> str:
    out = StringIO()
    call_command("import_903", str(directory), "--la", la.code, *extra, stdout=out)
    return out.getvalue()


def rejects(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def runs_by_file(la) -> dict[str, ImportRun]:
    return {run.file_name.rsplit("/", 1)[-1]: run for run in ImportRun.objects.filter(agency=la).order_by("id")}


def london_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@pytest.fixture
def file_set(tmp_path):
    return write_903(
        tmp_path / "903",
        header=[header_row("C1", DOB, sex="2"), header_row("C2", DOB + days(300), UPN="UN3")],
        episodes=[
            episode_row("C1", START - days(100), pl_post="B1 1AA", home_post="M1 1AE"),
            episode_row("C2", START - days(50), pl_post="LS1 1UR", home_post="", URN="XXXXXXX"),
        ],
        missing=[
            missing_row("C1", DOB, START, START + days(2)),
            missing_row("C1", DOB, START + days(2), START + days(2), kind="A"),
            missing_row("C2", DOB + days(300), START + days(10), None),
        ],
    )


@pytest.mark.django_db
def test_it_imports_children_placements_and_episodes(la, file_set):
    output = import_903(file_set, la)

    assert "missing.csv: 3 created, 0 updated, 0 unchanged, 0 rejected" in output
    c1, c2 = Child.objects.filter(responsible_authority=la).order_by("la_child_id")
    assert (c1.la_child_id, c1.sex, c1.date_of_birth, c1.ethnicity, c1.first_name) == ("C1", "2", DOB, "WBRI", "")
    assert c2.upn == ""  # UN3: the DfE's code for a UPN not known

    placement = Placement.objects.get(child=c1)
    expected = placement_geography(placement_postcode="B1 1AA", home_postcode="M1 1AE")
    assert (placement.start_date, placement.placement_type, placement.provider_type, placement.urn) == (
        START - days(100),
        "K2",
        "PR4",
        "SC999001",
    )
    assert (
        placement.host_authority == expected.host_authority and placement.host_authority.code == "E08000025"
    )  # Birmingham
    assert placement.police_force.code == "E23000014" and placement.distance_miles == expected.distance_miles > 60
    other = Placement.objects.get(child=c2)
    assert (other.urn, other.home_postcode, other.distance_miles, other.host_authority.code) == (
        "",
        "",
        None,
        "E08000035",
    )

    first, second = Episode.objects.filter(child=c1).order_by("started_at")
    assert (first.kind, first.started_at, first.returned_at) == (
        "missing",
        london_midnight(START),
        london_midnight(START + days(2)),
    )
    assert (second.kind, second.started_at, second.returned_at) == (
        "away",
        london_midnight(START + days(2)),
        london_midnight(START + days(2)),
    )
    assert first.reporting_agency == la and first.reported_by.username == "svc-e08000003-missing_coordinator"
    assert first.location_police_force.code == "E23000014"  # the force of the placement she went missing from
    assert first.client_reference == f"ssda903:C1:{START.isoformat()}"
    still_away = Episode.objects.get(child=c2)
    assert still_away.is_open and still_away.kind == "missing"
    assert [u.kind for u in EpisodeUpdate.objects.filter(episode=first)] == ["reported"]

    record = CouncilMissingRecord.objects.get(child=c1, mis_start=START)
    assert record.raw == {
        "CHILD": "C1",
        "DOB": d(DOB),
        "MISSING": "M",
        "MIS_START": d(START),
        "MIS_END": d(START + days(2)),
    }
    assert (record.line_number, record.episode, record.la, record.child_code) == (2, first, la, "C1")

    runs = runs_by_file(la)
    assert set(runs) == {"header.csv", "episodes.csv", "missing.csv"}
    assert all(run.status == "finished" and run.finished_at and run.kind == "903" for run in runs.values())
    assert runs["missing.csv"].sha256 == sha256_of(file_set / "missing.csv")
    assert [(r.created, r.updated, r.unchanged, r.rejected) for r in runs.values()] == [
        (2, 0, 0, 0),
        (2, 0, 0, 0),
        (3, 0, 0, 0),
    ]
    assert rejects(file_set / "rejects.csv") == []


@pytest.mark.django_db
def test_every_write_is_audited_as_the_councils_service_account(la, file_set):
    import_903(file_set, la)
    events = AuditEvent.objects.filter(agency_code=la.code)
    assert {(e.action, e.object_type, e.why) for e in events} == {
        ("create", "child", f"import-903 {file_set / 'header.csv'}"),
        ("create", "placement", f"import-903 {file_set / 'episodes.csv'}"),
        ("create", "council_episode_record", f"import-903 {file_set / 'episodes.csv'}"),  # the council's own coding
        ("create", "episode", f"import-903 {file_set / 'missing.csv'}"),
    }
    assert events.count() == 2 + 2 + 2 + 3
    assert {(e.username, e.role) for e in events} == {("svc-e08000003-missing_coordinator", "missing_coordinator")}
    assert set(events.filter(object_type="episode").values_list("object_id", flat=True)) == {
        str(pk) for pk in Episode.objects.values_list("pk", flat=True)
    }


@pytest.mark.django_db
def test_importing_the_same_files_twice_changes_nothing(la, file_set):
    import_903(file_set, la)
    before, audit_before = dump_903(la), AuditEvent.objects.count()

    output = import_903(file_set, la)

    assert dump_903(la) == before
    assert AuditEvent.objects.count() == audit_before  # nothing unchanged is audited
    assert "header.csv: 0 created, 0 updated, 2 unchanged, 0 rejected" in output
    assert "episodes.csv: 0 created, 0 updated, 2 unchanged, 0 rejected" in output
    assert "missing.csv: 0 created, 0 updated, 3 unchanged, 0 rejected" in output


@pytest.mark.django_db
def test_a_corrected_row_updates_in_place_with_one_audit_entry(la, file_set, tmp_path):
    import_903(file_set, la)
    c2 = Child.objects.get(la_child_id="C2")
    episode = Episode.objects.get(child=c2)
    corrected = write_903(
        tmp_path / "corrected",
        header=[header_row("C1", DOB, sex="2", ETHNIC="WIRI"), header_row("C2", DOB + days(300), UPN="UN3")],
        episodes=[
            episode_row("C1", START - days(100), pl_post="B1 1AA", home_post="M1 1AE"),
            episode_row(
                "C2", START - days(50), pl_post="LS1 1UR", home_post="", URN="XXXXXXX", DEC=d(START + days(20))
            ),
        ],
        missing=[
            missing_row("C1", DOB, START, START + days(2)),
            missing_row("C1", DOB, START + days(2), START + days(2), kind="A"),
            missing_row("C2", DOB + days(300), START + days(10), START + days(12)),  # now returned
        ],
    )
    audit_before = AuditEvent.objects.count()

    output = import_903(corrected, la)

    assert "header.csv: 0 created, 1 updated, 1 unchanged, 0 rejected" in output
    assert "episodes.csv: 0 created, 1 updated, 1 unchanged, 0 rejected" in output
    assert "missing.csv: 0 created, 1 updated, 2 unchanged, 0 rejected" in output
    new_events = AuditEvent.objects.filter(id__gt=0).order_by("id")[audit_before:]
    assert [(e.action, e.object_type) for e in new_events] == [
        ("update", "child"),
        ("update", "placement"),
        ("update", "episode"),  # C2's care ended while missing: the period ended then (episodes_end_with_care) ...
        ("update", "council_episode_record"),
        ("update", "episode"),  # ... until the council's own date of return replaced that end
    ]
    assert Child.objects.get(la_child_id="C1").ethnicity == "WIRI"
    assert Placement.objects.get(child=c2).end_date == START + days(20)
    episode.refresh_from_db()
    assert Episode.objects.filter(child=c2).count() == 1  # the same episode, updated in place
    assert episode.returned_at == london_midnight(START + days(12))
    record = CouncilMissingRecord.objects.get(child=c2)
    assert record.mis_end == START + days(12) and record.raw["MIS_END"] == d(START + days(12))
    assert record.import_run.file_name.endswith("corrected/missing.csv") and record.line_number == 4


@pytest.mark.django_db
def test_a_return_recorded_in_homeward_is_not_overwritten_by_a_later_return(la, file_set, tmp_path, world):
    import_903(file_set, la)
    episode = Episode.objects.get(child__la_child_id="C2")
    precise = london_midnight(START + days(11)) + datetime.timedelta(hours=15, minutes=20)
    Episode.objects.filter(pk=episode.pk).update(returned_at=precise)  # as the return service would record it
    later = write_903(
        tmp_path / "later",
        header=[header_row("C2", DOB + days(300), UPN="UN3")],
        missing=[missing_row("C2", DOB + days(300), START + days(10), START + days(11))],
    )
    import_903(later, la)
    episode.refresh_from_db()
    assert episode.returned_at == precise  # the exact time recorded here stands; the record keeps the 903's date
    assert CouncilMissingRecord.objects.get(child=episode.child).mis_end == START + days(11)


@pytest.mark.django_db
def test_every_rejected_row_is_reported_with_its_line_field_and_reason(la, tmp_path):
    s1, s2 = START, START + days(20)
    directory = write_903(
        tmp_path / "bad",
        header=[
            header_row("A", DOB),  # 2 good
            header_row("B", DOB, sex="3"),  # 3
            {**header_row("C", DOB), "DOB": "2010-01-01"},  # 4
            header_row("A", DOB),  # 5 duplicate
            header_row("D", DOB, UPN="UN2"),  # 6 good: unknown UPN
            header_row("E", DOB, ETHNIC="XXXX"),  # 7
        ],
        episodes=[
            episode_row("A", s1 - days(100)),  # 2 good
            episode_row("A", s1 - days(90), pl_post="EH1 1YZ"),  # 3 Scotland: no host authority in England or Wales
            episode_row("A", s1 - days(80), PLACE="Z9"),  # 4
            episode_row("E", s1 - days(70)),  # 5 its Header row was rejected
            episode_row("A", s1 - days(60), DEC=d(s1 - days(61))),  # 6
            episode_row("GHOST", s1 - days(50)),  # 7
        ],
        missing=[
            missing_row("A", DOB, s1, s1 + days(2)),  # 2 good
            missing_row("A", DOB, s1 + days(1), s1 + days(3)),  # 3 overlaps line 2
            missing_row("A", DOB, s1 + days(5), s1 + days(6), kind="X"),  # 4
            {**missing_row("A", DOB, s1, None), "MIS_START": "32/01/2024"},  # 5
            {**missing_row("A", DOB, s1 + days(7), None), "MIS_END": "soon"},  # 6
            missing_row("A", DOB, s1 + days(9), s1 + days(8)),  # 7 ends before it starts
            missing_row("A", DOB, DOB - days(3), DOB - days(2)),  # 8 before birth
            missing_row("A", DOB + days(1), s1 + days(12), s1 + days(12)),  # 9 not the Header's DOB
            missing_row("D", DOB, s2, None),  # 10 good, still open
            missing_row("D", DOB, s2 + days(3), s2 + days(4)),  # 11 starts while line 10 is open
            missing_row("A", DOB, s1, s1 + days(1)),  # 12 same start as line 2
            missing_row("A", DOB, s1 + days(2), s1 + days(4)),  # 13 good: starts the day line 2 ends (DfE 574 allows)
        ],
    )
    rejects_path = tmp_path / "out" / "rejects.csv"

    import_903(directory, la, "--rejects", str(rejects_path))

    found = {(r["file"], int(r["line"]), r["field"]): r["reason"] for r in rejects(rejects_path)}
    assert set(found) == {
        ("header.csv", 3, "SEX"),
        ("header.csv", 4, "DOB"),
        ("header.csv", 5, "CHILD"),
        ("header.csv", 7, "ETHNIC"),
        ("episodes.csv", 3, "PL_POST"),
        ("episodes.csv", 4, "PLACE"),
        ("episodes.csv", 5, "CHILD"),
        ("episodes.csv", 6, "DEC"),
        ("episodes.csv", 7, "CHILD"),
        ("missing.csv", 3, "MIS_START"),
        ("missing.csv", 4, "MISSING"),
        ("missing.csv", 5, "MIS_START"),
        ("missing.csv", 6, "MIS_END"),
        ("missing.csv", 7, "MIS_END"),
        ("missing.csv", 8, "MIS_START"),
        ("missing.csv", 9, "DOB"),
        ("missing.csv", 11, "MIS_START"),
        ("missing.csv", 12, "MIS_START"),
    }
    assert "'2010-01-01' is not a valid date" in found[("header.csv", 4, "DOB")]
    assert "line 2" in found[("header.csv", 5, "CHILD")]
    assert "Header row (line 7) was rejected" in found[("episodes.csv", 5, "CHILD")]
    assert "not in the Header" in found[("episodes.csv", 7, "CHILD")]
    assert "S12000036" in found[("episodes.csv", 3, "PL_POST")]
    assert (
        found[("missing.csv", 3, "MIS_START")].startswith("DfE rule 574")
        and "line 2" in found[("missing.csv", 3, "MIS_START")]
    )
    assert found[("missing.csv", 4, "MISSING")].startswith("DfE rule 1006")
    assert found[("missing.csv", 5, "MIS_START")].startswith("DfE rule 1004")
    assert found[("missing.csv", 6, "MIS_END")].startswith("DfE rule 1005")
    assert found[("missing.csv", 7, "MIS_END")].startswith("DfE rule 567")
    assert found[("missing.csv", 8, "MIS_START")].startswith("DfE rule 586")
    assert "still open" in found[("missing.csv", 11, "MIS_START")]

    # The good rows are all in, whatever failed around them.
    assert sorted(Child.objects.filter(responsible_authority=la).values_list("la_child_id", flat=True)) == ["A", "D"]
    assert list(Placement.objects.filter(child__la_child_id="A").values_list("start_date", flat=True)) == [
        s1 - days(100)
    ]
    assert sorted(CouncilMissingRecord.objects.values_list("line_number", flat=True)) == [2, 10, 13]
    assert Episode.objects.count() == 3
    runs = runs_by_file(la)
    assert [(runs[n].created, runs[n].rejected) for n in ("header.csv", "episodes.csv", "missing.csv")] == [
        (2, 4),
        (1, 5),
        (3, 9),
    ]


@pytest.mark.django_db
def test_an_episode_already_in_homeward_gets_the_record_and_is_not_duplicated(world, tmp_path):
    # Reported through Homeward by the home this afternoon; the council's return has the same absence.
    episode, _ = episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    child = world.child
    started = timezone.localdate(episode.started_at)
    directory = write_903(
        tmp_path / "903",
        header=[header_row(child.la_child_id, child.date_of_birth, sex=child.sex, ETHNIC="")],
        missing=[missing_row(child.la_child_id, child.date_of_birth, started, None)],
    )
    audit_before = AuditEvent.objects.count()

    import_903(directory, world.manchester)

    record = CouncilMissingRecord.objects.get()
    assert record.episode == episode and Episode.objects.filter(child=child).count() == 1
    child.refresh_from_db()
    assert (child.first_name, child.last_name) == ("Amira", "Okafor")  # the 903 has no names: the council's stay
    new = AuditEvent.objects.order_by("id")[audit_before:]
    assert [(e.action, e.object_type, e.object_id) for e in new] == [("update", "episode", str(episode.pk))]


@pytest.mark.django_db
def test_a_period_overlapping_one_imported_before_is_rejected_not_doubled(la, file_set, tmp_path):
    import_903(file_set, la)
    shifted = write_903(
        tmp_path / "shifted",
        header=[header_row("C1", DOB, sex="2")],
        missing=[missing_row("C1", DOB, START + days(1), START + days(2))],  # a new start inside line 2's period
    )
    with pytest.raises(CommandError, match="missing.csv: every one of its 1 rows was rejected"):
        import_903(shifted, la)
    [reject] = rejects(shifted / "rejects.csv")
    assert (reject["line"], reject["field"]) == ("2", "MIS_START") and "imported before" in reject["reason"]
    assert Episode.objects.filter(child__la_child_id="C1").count() == 2
    assert runs_by_file(la)["missing.csv"].rejected == 1


@pytest.mark.django_db
def test_it_needs_the_header_and_a_council(la, force, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="header.csv not found"):
        import_903(tmp_path / "empty", la)
    with pytest.raises(CommandError, match="not a local authority"):
        import_903(write_903(tmp_path / "903", header=[header_row("C1", DOB)]), force)
    with pytest.raises(CommandError, match="No agency with code"):
        call_command("import_903", str(tmp_path / "903"), "--la", "E99999999")


@pytest.mark.django_db
def test_a_file_without_a_needed_column_rejects_each_row_and_says_why(la, tmp_path):
    directory = write_903(tmp_path / "903", header=[header_row("C1", DOB)])
    (directory / "missing.csv").write_text(f"CHILD,DOB,MISSING,MIS_START\nC1,{d(DOB)},M,{d(START)}\n")
    with pytest.raises(CommandError, match="every one of its 1 rows was rejected"):
        import_903(directory, la)
    assert [(r["file"], r["line"], r["field"], r["reason"]) for r in rejects(directory / "rejects.csv")] == [
        ("missing.csv", "2", "MIS_END", "The file has no MIS_END column.")
    ]


def test_a_placement_arriving_by_import_is_told_as_one_a_person_records(tmp_path, la, force):
    """One door for placements: the host council and the force of the area hear of a placement that
    arrives in a return exactly as they hear of one recorded in Homeward (alerts.rules)."""
    from homeward.agencies.models import Agency, Role
    from homeward.alerts.models import Alert
    from homeward.children.services import child_create, placement_create
    from tests.conftest import make_user

    birmingham = Agency.objects.get(code="E08000025")
    host = make_user(birmingham, Role.MISSING_COORDINATOR, "bham-coordinator")
    police = make_user(force, Role.POLICE_COORDINATOR, "wmp-coordinator")
    write_903(
        tmp_path / "903", header=[header_row("C1", DOB)], episodes=[episode_row("C1", TODAY - days(3))], missing=[]
    )
    import_903(tmp_path / "903", la)
    imported = {(a.recipient_id, a.kind, a.subject) for a in Alert.objects.all()}

    worker = make_user(la, Role.SOCIAL_WORKER, "man-sw")
    child = child_create(
        user=worker, why="test", first_name="Ola", last_name="Ade", date_of_birth=DOB, sex="1", la_child_id="C9"
    )
    Alert.objects.all().delete()
    placement_create(
        user=worker,
        why="test",
        child=child,
        start_date=TODAY - days(3),
        placement_type="K2",
        provider_type="PR4",
        placement_postcode="B1 1AA",
        home_postcode="M1 1AE",
    )
    recorded = {(a.recipient_id, a.kind, a.subject) for a in Alert.objects.all()}
    assert imported == recorded
    assert {who for who, *_ in imported} == {host.pk, police.pk}


def test_a_child_under_16_placed_in_supported_accommodation_is_rejected_with_the_reason(tmp_path, la):
    write_903(
        tmp_path / "903",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", TODAY - days(3), PLACE="K3")],
        missing=[],
    )
    with pytest.raises(CommandError, match="episodes.csv: every one of its 1 rows was rejected"):
        import_903(tmp_path / "903", la)
    [reject] = rejects(tmp_path / "903" / "rejects.csv")
    assert (
        reject["field"] == "placement_type"
        and "under 16 cannot be placed in supported accommodation" in reject["reason"]
    )
    assert not Placement.objects.exists() and Child.objects.filter(la_child_id="C1").exists()


@pytest.mark.django_db
def test_episodes_from_a_return_raise_the_same_flags_as_episodes_reported_in_homeward(la, tmp_path):
    """One write path's events (issue 12): three periods in three weeks raise the repeat missing flag
    whether a carer reported them or the council's return recorded them; no alert goes out for the
    return's, which says after the fact what happened."""
    from homeward.agencies.models import Role
    from homeward.alerts.models import Alert
    from homeward.episodes.services import episode_record_return
    from homeward.safeguarding.models import RiskFlag
    from homeward.tasks.worker import run_due
    from tests.conftest import make_user
    from tests.support import commissioned_service

    commissioned_service(la)
    make_user(la, Role.MISSING_COORDINATOR)  # told of each episode reported in Homeward

    first = TODAY - days(21)
    periods = [(first, first + days(1)), (first + days(7), first + days(8)), (first + days(14), first + days(15))]
    write_903(
        tmp_path / "903",
        header=[header_row("C1", DOB)],
        episodes=[episode_row("C1", START - days(100), pl_post="B1 1AA", home_post="M1 1AE")],
        missing=[missing_row("C1", DOB, start, end) for start, end in periods],
    )
    import_903(tmp_path / "903", la)
    imported = Child.objects.get(responsible_authority=la, la_child_id="C1")
    assert not RiskFlag.objects.filter(child=imported).exists()  # evaluated by the worker, after the import
    run_due()
    from_return = set(RiskFlag.objects.filter(child=imported, status="raised").values_list("kind", flat=True))

    # The same child's history, reported through the service a carer's form calls.
    twin = Child.objects.create(
        responsible_authority=la, la_child_id="C2", date_of_birth=DOB, sex="2", first_name="Twin", last_name="Child"
    )
    Placement.objects.create(
        **{
            **{f.name: getattr(Placement.objects.get(child=imported), f.name) for f in Placement._meta.concrete_fields},
            "id": None,
            "child": twin,
        }
    )
    worker = make_user(la, Role.SOCIAL_WORKER)
    for start, end in periods:
        episode, _ = episode_open(
            user=worker, why="test", child=twin.pk, kind="missing", started_at=london_midnight(start)
        )
        episode_record_return(user=worker, why="test", episode=episode, returned_at=london_midnight(end))
    run_due()
    from_reports = set(RiskFlag.objects.filter(child=twin, status="raised").values_list("kind", flat=True))

    assert "repeat_missing" in from_return
    assert from_return == from_reports
    # Told when reported in Homeward; the return's episodes tell no one.
    assert Alert.objects.filter(kind="episode_opened", child_id=twin.pk).exists()
    assert not Alert.objects.filter(kind="episode_opened", child_id=imported.pk).exists()
