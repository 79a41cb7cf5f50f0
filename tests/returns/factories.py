"""Synthetic SSDA903 file sets and police report files for the import tests (never real people), and
canonical dumps of what an import wrote, for comparing two imports row by row."""

import csv
import datetime
import json
import os
import subprocess
import sys
import urllib.parse
from collections import Counter
from pathlib import Path

from django.db import connection

from homeward.agencies.models import Agency
from homeward.audit.models import AuditEvent
from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode, EpisodeUpdate
from homeward.returns.models import CouncilMissingRecord, PoliceReport
from homeward.returns.ssda903 import COLUMNS, EPISODES, HEADER, MISSING

TODAY = datetime.date.today()
# Live postcodes in England (and one in Wales), each in a district Homeward knows.
POSTCODES = ["B1 1AA", "M1 1AE", "LS1 1UR", "SW1A 1AA", "CF10 1EP", "NE1 4ST", "BS1 4DJ", "L1 8JQ", "NG1 5FS", "S1 2HE"]


def d(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def write_csv(path: Path, columns, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def write_903(directory: Path, *, header=(), episodes=(), missing=()) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / HEADER, COLUMNS[HEADER], header)
    write_csv(directory / EPISODES, COLUMNS[EPISODES], episodes)
    write_csv(directory / MISSING, COLUMNS[MISSING], missing)
    return directory


def header_row(child: str, dob: datetime.date, sex: str = "1", **extra) -> dict:
    return {"CHILD": child, "SEX": sex, "DOB": d(dob), "ETHNIC": "WBRI", "UPN": "", **extra}


def episode_row(child: str, decom: datetime.date, pl_post: str = "B1 1AA", home_post: str = "M1 1AE", **extra) -> dict:
    return {
        "CHILD": child,
        "DECOM": d(decom),
        "RNE": "S",
        "LS": "C2",
        "CIN": "N1",
        "PLACE": "K2",
        "PLACE_PROVIDER": "PR4",
        "HOME_POST": home_post,
        "PL_POST": pl_post,
        "URN": "SC999001",
        **extra,
    }


def missing_row(
    child: str, dob: datetime.date, start: datetime.date, end: datetime.date | None, kind: str = "M"
) -> dict:
    return {"CHILD": child, "DOB": d(dob), "MISSING": kind, "MIS_START": d(start), "MIS_END": d(end)}


def synthetic_903(directory: Path, *, children: int, periods_per_child: int, bad_every: int = 0) -> dict[str, int]:
    """A file set for `children` children, each with one placement and `periods_per_child` periods
    (the last of every seventh child still open). With bad_every, every bad_every-th Missing row is
    broken in one of several ways, so rejects are part of what is compared."""
    header, episodes, missing = [], [], []
    for n in range(children):
        child = f"S{n:05d}"
        dob = TODAY - datetime.timedelta(days=365 * 12 + 17 * n % 1500)
        header.append(header_row(child, dob, sex="12"[n % 2]))
        episodes.append(
            episode_row(
                child,
                TODAY - datetime.timedelta(days=500 + n % 30),
                pl_post=POSTCODES[n % len(POSTCODES)],
                home_post=POSTCODES[(n * 3 + 1) % len(POSTCODES)],
            )
        )
        for i in range(periods_per_child):
            start = TODAY - datetime.timedelta(days=periods_per_child * 4 + 10 - i * 4)
            end = None if (n % 7 == 0 and i == periods_per_child - 1) else start + datetime.timedelta(days=i % 3)
            missing.append(missing_row(child, dob, start, end, kind="MA"[(n + i) % 5 == 0]))
    if bad_every:
        breakers = [
            lambda r: {**r, "MISSING": "X"},
            lambda r: {**r, "MIS_START": "31/02/2024"},
            lambda r: {**r, "DOB": "01/01/2001"},
            lambda r: {**r, "CHILD": "NOBODY"},
        ]
        for k, index in enumerate(range(bad_every - 1, len(missing), bad_every)):
            missing[index] = breakers[k % len(breakers)](missing[index])
    write_903(directory, header=header, episodes=episodes, missing=missing)
    return {"header": len(header), "episodes": len(episodes), "missing": len(missing)}


def police_report(reference: str, **fields) -> dict:
    report = {
        "reference": reference,
        "first_name": "Tia",
        "last_name": "Marsh",
        "date_of_birth": "2011-04-03",
        "sex": "F",
        "address": "1 Oak Road",
        "address_postcode": "B1 1AA",
        "reported_at": "2025-03-01T21:30:00Z",
        "reporting_person": "A. Carer",
        "reporting_person_relationship": "residential worker",
        "last_seen_at": "2025-03-01T19:00:00Z",
        "last_seen_location": "Bus station",
        "last_seen_postcode": "B2 4QA",
        "last_seen_by": "staff",
        "description": "Slim, 5ft 2in",
        "clothing": "Grey hoodie",
        "enquiries": "Friends called",
        "out_of_character": "N",
        "previous_missing_history": "Three times this year",
        "phone": "07700 900000",
        "associates": "Older males",
        "medical_needs": "Asthma",
        "online_accounts": "@tia",
        "risk_grade": "medium",
        "risk_history": json.dumps(
            [{"grade": "medium", "graded_at": "2025-03-01T21:45:00Z", "source": "call handler"}]
        ),
        "found_at": "",
        "found_location": "",
        "found_postcode": "",
        "found_by": "",
        "safe_and_well_at": "",
        "safe_and_well_by": "",
    }
    report.update(fields)
    return report


POLICE_COLUMNS = list(police_report("x"))


def write_police_csv(path: Path, reports) -> Path:
    return write_csv(path, POLICE_COLUMNS, reports)


def synthetic_police(path: Path, *, reports: int, bad_every: int = 0) -> int:
    rows = []
    for n in range(reports):
        reported = datetime.datetime(2024, 1, 1, 8, 0, tzinfo=datetime.UTC) + datetime.timedelta(hours=n)
        rows.append(
            police_report(
                f"MP/{n:06d}/25",
                first_name=["Tia", "Kai", "Ruby", "Leo"][n % 4],
                last_name=f"Surname{n % 97}",
                date_of_birth=(datetime.date(2009, 1, 1) + datetime.timedelta(days=n % 1800)).isoformat(),
                reported_at=reported.isoformat(),
                last_seen_at=(reported - datetime.timedelta(hours=2)).isoformat(),
                risk_grade=["low", "medium", "high", "absent"][n % 4],
            )
        )
        if bad_every and n % bad_every == bad_every - 1:
            rows[-1]["reported_at"] = "yesterday"
    write_police_csv(path, rows)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Canonical dumps: what an import wrote, without ids, timestamps or the agency's own code, so
# two imports (say one killed and re-run, one clean, into different councils) can be compared.
# ---------------------------------------------------------------------------------------------


def _code(agency_id: int | None) -> str:
    return Agency.objects.get(pk=agency_id).code if agency_id else ""


def dump_903(la: Agency) -> dict:
    children = Child.objects.filter(responsible_authority=la)
    code_of = dict(children.values_list("pk", "la_child_id"))
    codes = {pk: _code(pk) for pk in Agency.objects.values_list("pk", flat=True)}
    episodes = Episode.objects.filter(child__in=children)
    reference_of = dict(episodes.values_list("pk", "client_reference"))
    return {
        "children": sorted(
            children.values_list("la_child_id", "first_name", "last_name", "date_of_birth", "sex", "ethnicity", "upn")
        ),
        "placements": sorted(
            (
                code_of[p["child_id"]],
                p["start_date"],
                p["end_date"],
                p["placement_type"],
                p["provider_type"],
                p["urn"],
                p["placement_postcode"],
                p["home_postcode"],
                p["district_code"],
                codes.get(p["host_authority_id"], ""),
                codes.get(p["police_force_id"], ""),
                p["distance_miles"],
            )
            for p in Placement.objects.filter(child__in=children).values()
        ),
        "episodes": sorted(
            (
                code_of[e["child_id"]],
                e["kind"],
                e["started_at"],
                e["reported_at"],
                e["returned_at"],
                e["client_reference"],
                e["reporting_agency_id"] == la.pk,
                codes.get(e["location_police_force_id"], ""),
                e["closed_at"],
            )
            for e in episodes.values()
        ),
        "episode_updates": sorted(
            (
                reference_of[u["episode_id"]],
                u["kind"],
                u["at"],
                u["text"].replace(la.name, "LA"),
                json.dumps(u["detail"]),
            )
            for u in EpisodeUpdate.objects.filter(episode__in=episodes).values()
        ),
        "records": sorted(
            (
                r["child_code"],
                r["missing"],
                r["mis_start"],
                r["mis_end"],
                json.dumps(r["raw"], sort_keys=True),
                r["line_number"],
                reference_of.get(r["episode_id"]),
            )
            for r in CouncilMissingRecord.objects.filter(la=la).values()
        ),
        "audit": audit_counts(la),
    }


def dump_police(force: Agency) -> dict:
    skip = {"id", "force_id", "import_run_id", "created_at", "updated_at"}
    return {
        "reports": sorted(
            tuple((k, json.dumps(v, sort_keys=True, default=str)) for k, v in sorted(r.items()) if k not in skip)
            for r in PoliceReport.objects.filter(force=force).values()
        ),
        "audit": audit_counts(force),
    }


def audit_counts(agency: Agency) -> dict:
    return dict(Counter(AuditEvent.objects.filter(agency_code=agency.code).values_list("action", "object_type")))


# ---------------------------------------------------------------------------------------------
# Running the real command in another process, on the test database
# ---------------------------------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = urllib.parse.quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{'@' if credentials else ''}{host}{port}/{db['NAME']}"


def homeward(*args: str, env: dict | None = None, wait: bool = True):
    """`homeward ARGS` as a separate process on this test's database."""
    environment = {**os.environ, "DATABASE_URL": database_url(), **(env or {})}
    command = [sys.executable, "-m", "homeward", *args]
    if wait:
        return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600)
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
