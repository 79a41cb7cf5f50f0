"""`homeward import-police`: a force's missing-person reports, CSV or JSON, kept as the force recorded them."""

import csv
import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from homeward.audit.models import AuditEvent
from homeward.returns.models import ImportRun, PoliceReport
from tests.returns.factories import dump_police, police_report, write_police_csv

UTC = datetime.UTC


def import_police(path, force, *extra) -> str:
    out = StringIO()
    call_command("import_police", str(path), "--force", force.code, *extra, stdout=out)
    return out.getvalue()


def rejects(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_json(reports: list[dict]) -> list[dict]:
    """The same reports as a force system would send them in JSON: typed values, history as an array."""
    typed = []
    for report in reports:
        report = {k: v for k, v in report.items() if v != ""}
        if "risk_history" in report:
            report["risk_history"] = json.loads(report["risk_history"])
        if "out_of_character" in report:
            report["out_of_character"] = report["out_of_character"] == "Y"
        typed.append(report)
    return typed


@pytest.mark.django_db
def test_it_imports_a_csv_file_of_reports(force, tmp_path):
    path = write_police_csv(
        tmp_path / "reports.csv",
        [
            police_report("MP/1/25"),
            police_report(
                "MP/2/25",
                first_name="Kai",
                found_at="2025-03-02T09:15:00Z",
                found_location="Friend's flat",
                found_by="PC 123",
                safe_and_well_at="2025-03-02T11:00:00Z",
                safe_and_well_by="PC 456",
                out_of_character="Y",
            ),
        ],
    )

    output = import_police(path, force)

    assert "reports.csv: 2 created, 0 updated, 0 unchanged, 0 rejected" in output
    report = PoliceReport.objects.get(reference="MP/1/25")
    assert report.force == force and (report.first_name, report.last_name, report.date_of_birth) == (
        "Tia",
        "Marsh",
        datetime.date(2011, 4, 3),
    )
    assert (report.sex, report.address_postcode, report.reporting_person_relationship) == (
        "F",
        "B1 1AA",
        "residential worker",
    )
    assert report.reported_at == datetime.datetime(2025, 3, 1, 21, 30, tzinfo=UTC)
    assert report.last_seen_at == datetime.datetime(2025, 3, 1, 19, 0, tzinfo=UTC)
    assert (report.out_of_character, report.risk_grade, report.found_at) == (False, "medium", None)
    assert report.risk_history == [
        {"grade": "medium", "graded_at": "2025-03-01T21:45:00+00:00", "source": "call handler", "rationale": ""}
    ]
    assert report.raw == police_report("MP/1/25")  # verbatim: every column as text
    assert (report.line_number, report.child, report.episode) == (2, None, None)  # linkage links it later
    found = PoliceReport.objects.get(reference="MP/2/25")
    assert (found.found_by, found.safe_and_well_by, found.out_of_character) == ("PC 123", "PC 456", True)
    assert found.safe_and_well_at == datetime.datetime(2025, 3, 2, 11, 0, tzinfo=UTC)

    run = ImportRun.objects.get()
    assert (run.kind, run.agency, run.status, run.created, run.rejected) == ("police", force, "finished", 2, 0)
    events = AuditEvent.objects.filter(agency_code=force.code)
    assert {(e.action, e.object_type, e.why, e.username) for e in events} == {
        ("create", "police_report", f"import-police {path}", "svc-e23000014-police_coordinator")
    }
    assert events.count() == 2
    assert rejects(tmp_path / "reports.rejects.csv") == []


@pytest.mark.django_db
def test_a_json_file_holds_the_same_reports_as_the_csv(force, other_force, tmp_path):
    reports = [police_report("MP/1/25"), police_report("MP/2/25", out_of_character="Y", risk_grade="")]
    write_police_csv(tmp_path / "reports.csv", reports)
    (tmp_path / "reports.json").write_text(json.dumps(as_json(reports), indent=2))

    import_police(tmp_path / "reports.csv", force)
    import_police(tmp_path / "reports.json", other_force)

    def fields(force) -> list[dict]:
        return [
            {
                k: v
                for k, v in r.items()
                if k not in {"id", "force_id", "raw", "import_run_id", "line_number", "created_at", "updated_at"}
            }
            for r in PoliceReport.objects.filter(force=force).order_by("reference").values()
        ]

    assert fields(force) == fields(other_force)
    json_lines = list(
        PoliceReport.objects.filter(force=other_force).order_by("reference").values_list("line_number", flat=True)
    )
    assert json_lines[0] == 2 and json_lines[1] > json_lines[0] + 20  # where each object's "{" is
    assert (
        PoliceReport.objects.get(force=other_force, reference="MP/2/25").risk_grade == "medium"
    )  # the latest in its history


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(force, tmp_path):
    path = write_police_csv(tmp_path / "reports.csv", [police_report(f"MP/{n}/25") for n in range(5)])
    import_police(path, force)
    before, audit_before = dump_police(force), AuditEvent.objects.count()

    output = import_police(path, force)

    assert "reports.csv: 0 created, 0 updated, 5 unchanged, 0 rejected" in output
    assert dump_police(force) == before and AuditEvent.objects.count() == audit_before


@pytest.mark.django_db
def test_a_corrected_report_updates_in_place_with_one_audit_entry(force, tmp_path):
    import_police(write_police_csv(tmp_path / "first.csv", [police_report("MP/1/25"), police_report("MP/2/25")]), force)
    report = PoliceReport.objects.get(reference="MP/1/25")
    audit_before = AuditEvent.objects.count()
    history = json.dumps(
        [
            {"grade": "medium", "graded_at": "2025-03-01T21:45:00Z", "source": "call handler"},
            {
                "grade": "high",
                "graded_at": "2025-03-02T01:00:00Z",
                "source": "sergeant review",
                "rationale": "seen with older males",
            },
        ]
    )
    corrected = write_police_csv(
        tmp_path / "second.csv",
        [
            police_report("MP/1/25", risk_grade="high", risk_history=history),
            police_report("MP/2/25"),
        ],
    )

    output = import_police(corrected, force)

    assert "second.csv: 0 created, 1 updated, 1 unchanged, 0 rejected" in output
    updated = PoliceReport.objects.get(reference="MP/1/25")
    assert updated.pk == report.pk and updated.risk_grade == "high" and len(updated.risk_history) == 2
    assert updated.raw["risk_history"] == history and updated.import_run.file_name.endswith("second.csv")
    [event] = AuditEvent.objects.order_by("id")[audit_before:]
    assert (event.action, event.object_type, event.object_id) == ("update", "police_report", str(report.pk))


@pytest.mark.django_db
def test_every_rejected_report_is_reported_with_its_line_field_and_reason(force, tmp_path):
    path = write_police_csv(
        tmp_path / "reports.csv",
        [
            police_report("MP/1/25"),  # 2 good
            police_report(""),  # 3
            police_report("MP/3/25", first_name=" "),  # 4
            police_report("MP/4/25", reported_at="yesterday"),  # 5
            police_report("MP/5/25", date_of_birth="31/02/2011"),  # 6
            police_report("MP/6/25", risk_grade="amber"),  # 7
            police_report("MP/7/25", risk_history='[{"grade": "high"}]'),  # 8
            police_report("MP/8/25", found_at="2025-03-01T18:00:00Z"),  # 9 found before last seen
            police_report("MP/9/25", safe_and_well_at="2025-03-02T10:00:00Z"),  # 10 no found_at
            police_report("MP/10/25", reported_at="2999-01-01T00:00:00Z"),  # 11
            police_report("X" * 41),  # 12
            police_report("MP/12/25", out_of_character="perhaps"),  # 13
            police_report("MP/13/25", first_name="Early"),  # 14 superseded by line 15
            police_report("MP/13/25", first_name="Later"),  # 15 good
            police_report("MP/15/25", sex="X"),  # 16
        ],
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write("MP/16/25,too,many" + ",x" * 40 + "\n")  # 17

    output = import_police(path, force)

    found = {(int(r["line"]), r["field"]): r["reason"] for r in rejects(tmp_path / "reports.rejects.csv")}
    assert set(found) == {
        (3, "reference"),
        (4, "first_name"),
        (5, "reported_at"),
        (6, "date_of_birth"),
        (7, "risk_grade"),
        (8, "risk_history"),
        (9, "found_at"),
        (10, "safe_and_well_at"),
        (11, "reported_at"),
        (12, "reference"),
        (13, "out_of_character"),
        (14, "reference"),
        (16, "sex"),
        (17, ""),
    }
    assert found[(3, "reference")] == "reference is required."
    assert "is not a date and time" in found[(5, "reported_at")]
    assert "amber" in found[(7, "risk_grade")] and "no_apparent_risk" in found[(7, "risk_grade")]
    assert "Grading 1 needs a grade and graded_at" in found[(8, "risk_history")]
    assert "in the future" in found[(11, "reported_at")] and "longer than 40" in found[(12, "reference")]
    assert "Superseded by line 15" in found[(14, "reference")]
    assert "values but the header names" in found[(17, "")]
    assert "reports.csv: 2 created, 0 updated, 0 unchanged, 14 rejected" in output
    assert sorted(PoliceReport.objects.values_list("reference", "first_name")) == [
        ("MP/1/25", "Tia"),
        ("MP/13/25", "Later"),
    ]


@pytest.mark.django_db
def test_grades_times_and_names_are_read_as_forces_write_them(force, tmp_path):
    objects = [
        {
            "reference": "A1",
            "first_name": "Tia",
            "last_name": "Marsh",
            "reported_at": "01/03/2025 21:30",
            "risk_grade": "Absent",
        },
        {
            "reference": "A2",
            "first_name": "Tia",
            "last_name": "Marsh",
            "reported_at": "2025-07-01T21:30",
            "risk_grade": "NAR",
            "sex": "female",
            "out_of_character": None,
            "force": "E23000005",
        },
        {
            "reference": "A3",
            "first_name": "Tia",
            "last_name": "Marsh",
            "reported_at": "2025-07-01T21:30:00+01:00",
            "risk_grade": "no apparent risk",
            "date_of_birth": "03/04/2011",
            "unknown_field": "kept in raw",
        },
        "not a report",
    ]
    (tmp_path / "reports.json").write_text("[\n" + ",\n".join(json.dumps(o) for o in objects) + "\n]\n")  # one per line
    import_police(tmp_path / "reports.json", force)
    a1, a2, a3 = PoliceReport.objects.order_by("reference")
    assert {a1.risk_grade, a2.risk_grade, a3.risk_grade} == {"no_apparent_risk"}
    assert a1.reported_at == datetime.datetime(2025, 3, 1, 21, 30, tzinfo=UTC)  # GMT in March
    assert (
        a2.reported_at == a3.reported_at == datetime.datetime(2025, 7, 1, 20, 30, tzinfo=UTC)
    )  # BST: UK time when no offset
    assert (a2.sex, a2.out_of_character, a3.date_of_birth) == ("F", None, datetime.date(2011, 4, 3))
    assert a2.force == force  # a force named in the file is not the force importing it
    assert a3.raw["unknown_field"] == "kept in raw"
    [reject] = rejects(tmp_path / "reports.rejects.csv")
    assert (reject["line"], reject["reason"]) == ("5", "A report is a JSON object of fields.")


@pytest.mark.django_db
def test_it_refuses_what_is_not_a_report_file_or_not_a_force(force, la, tmp_path):
    (tmp_path / "reports.xml").write_text("<reports/>")
    with pytest.raises(CommandError, match=r"\.csv or \.json"):
        import_police(tmp_path / "reports.xml", force)
    (tmp_path / "reports.json").write_text('{"reports": []}')
    with pytest.raises(CommandError, match="one array of report objects"):
        import_police(tmp_path / "reports.json", force)
    (tmp_path / "broken.json").write_text('[\n{"reference": "A1",\n "first_name": }\n]')
    with pytest.raises(CommandError, match="line 3: not valid JSON"):
        import_police(tmp_path / "broken.json", force)
    write_police_csv(tmp_path / "reports.csv", [police_report("MP/1/25")])
    with pytest.raises(CommandError, match="not a police force"):
        import_police(tmp_path / "reports.csv", la)
    assert not PoliceReport.objects.exists()
