"""Reading and checking one council's SSDA903 file set: header.csv, episodes.csv, missing.csv.

Columns and codes are the DfE's (domain.md, "The SSDA903 return"); dates are dd/mm/yyyy. Every
row is checked on its own and against the rest of the set with the DfE validation rules that one
file set can decide; a row that fails is returned as a Reject (file, line, field, reason) and the
other rows go on. Nothing here writes: services.ssda903_import does, from the checked rows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from homeward.children import validators
from homeward.places import postcodes
from homeward.places.services import placement_geography
from homeward.returns.files import Reject, Row, read_csv

HEADER, EPISODES, MISSING = "header.csv", "episodes.csv", "missing.csv"
COLUMNS = {
    HEADER: ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    EPISODES: (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    MISSING: ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
}
# Columns a row cannot be read without; the others may be absent from a file and are then blank.
REQUIRED = {
    HEADER: ("CHILD", "SEX", "DOB"),
    EPISODES: ("CHILD", "DECOM", "PLACE", "PLACE_PROVIDER"),
    MISSING: ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
}
# SEX: 1/2 until 2023-24, M/F/U from 2024-25 (domain.md, since 2017); councils send either, and
# Homeward holds the 1/2 of children.models.Sex. U (not known) has no place there and is rejected.
SEX_CODES = {"M": "1", "F": "2"}
# DfE: "UN1"–"UN10" stand in for a UPN that is not known, each code saying why.
UNKNOWN_UPN = {f"UN{n}" for n in range(1, 11)}
# An Ofsted URN the council does not know is sent as Xs.
UNKNOWN_URN = {"XXXXXXX", "XXXXXXXX"}
# Service-layer field names -> the SSDA903 column they came from, for the rejects file.
_COLUMN_FOR = {
    "la_child_id": "CHILD",
    "sex": "SEX",
    "date_of_birth": "DOB",
    "ethnicity": "ETHNIC",
    "upn": "UPN",
    "placement_type": "PLACE",
    "provider_type": "PLACE_PROVIDER",
    "placement_postcode": "PL_POST",
    "home_postcode": "HOME_POST",
}


@dataclass(frozen=True)
class HeaderRow:
    line: int
    child: str
    sex: str
    date_of_birth: datetime.date
    ethnicity: str
    upn: str


@dataclass(frozen=True)
class PlacementRow:
    line: int
    child: str
    start_date: datetime.date  # DECOM
    end_date: datetime.date | None  # DEC
    placement_type: str
    provider_type: str
    urn: str
    placement_postcode: str  # normalised, as checked here; children.services places it
    home_postcode: str
    raw: dict  # the row as read: the council's own coding of the episode is kept from it


@dataclass(frozen=True)
class MissingRow:
    line: int
    child: str
    missing: str  # M or A
    mis_start: datetime.date
    mis_end: datetime.date | None
    raw: dict


@dataclass
class FileSet:
    directory: Path
    present: dict[str, bool]
    paths: dict[str, Path] = field(default_factory=dict)  # each table's file, as the council named it
    rows: dict[str, int] = field(default_factory=dict)  # rows in each file, whole or broken
    unknown: list[str] = field(default_factory=list)  # files in the directory that are no SSDA903 table
    # (CHILD, MIS_START) of every Missing row with a start date, taken or rejected: what the return holds.
    missing_keys: set[tuple[str, datetime.date]] = field(default_factory=set)
    children: list[HeaderRow] = field(default_factory=list)
    placements: list[PlacementRow] = field(default_factory=list)
    missing: list[MissingRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def rejected_rows(self, name: str) -> int:
        return len({r.line for r in self.rejects if r.file == name})


def _date(text: str) -> datetime.date | None:
    """dd/mm/yyyy, or None when it is not a real date in that form."""
    try:
        return datetime.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def _when(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


class _Row:
    """One row's values by column (trimmed) and the problems found in it."""

    def __init__(self, row: Row) -> None:
        self.line = row.line
        self.raw = row.raw
        self.values = {k.strip().upper(): (v or "").strip() for k, v in row.raw.items()}
        self.errors: list[tuple[str, str]] = []

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    def fail(self, column: str, reason: str) -> None:
        self.errors.append((column, reason))

    def date(self, column: str, *, required: bool, rule: str) -> datetime.date | None:
        text = self[column]
        if not text:
            if required:
                self.fail(
                    column,
                    f"DfE rule {rule}: {column} is required (dd/mm/yyyy)."
                    if rule
                    else f"{column} is required (dd/mm/yyyy).",
                )
            return None
        value = _date(text)
        if value is None:
            prefix = f"DfE rule {rule}: " if rule else ""
            self.fail(column, f"{prefix}'{text}' is not a valid date in the form dd/mm/yyyy.")
        return value

    def check(self, check, *args, **kwargs):
        """Run a validator; its ValidationError becomes a problem named by the SSDA903 column."""
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            self.fail_with(error)
            return None

    def fail_with(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self.fail(_COLUMN_FOR.get(name, name), message)


def table_files(directory: Path, *, ignore: set[Path] = frozenset()) -> tuple[dict[str, Path], list[str]]:
    """Each table's file in the directory, its name matched without regard to case (Missing.csv,
    HEADER.CSV), and the names of the other files there (not `ignore`), which no table reads."""
    found: dict[str, Path] = {}
    unknown: list[str] = []
    ignored = {p.resolve() for p in ignore}
    for path in sorted(Path(directory).iterdir()):
        if not path.is_file() or path.resolve() in ignored or path.name.endswith(".part"):
            continue
        name = path.name.lower()
        if name in COLUMNS and name not in found:
            found[name] = path
        else:
            unknown.append(path.name)
    return found, unknown


def _read(name: str, file_set: FileSet) -> list[_Row]:
    path = file_set.paths.get(name)
    file_set.present[name] = path is not None
    if path is None:
        return []
    columns, rows, broken = read_csv(path, one_line_rows=True)
    file_set.rows[name] = len(rows) + len(broken)
    for line, reason in broken:
        file_set.rejects.append(Reject(name, line, "", f"The row {reason}."))
    have = {c.upper() for c in columns}
    absent = [c for c in REQUIRED[name] if c not in have]
    checked = [_Row(row) for row in rows]
    for row in checked:
        for column in absent:
            row.fail(column, f"The file has no {column} column.")
    return checked


def _reject_failed(name: str, rows: list[_Row], file_set: FileSet) -> list[_Row]:
    """Move each row with problems into the rejects; return the rows without any."""
    good = []
    for row in rows:
        if row.errors:
            file_set.rejects.extend(Reject(name, row.line, column, reason) for column, reason in row.errors)
        else:
            good.append(row)
    return good


def read_file_set(directory: Path, *, today: datetime.date | None = None, ignore: set[Path] = frozenset()) -> FileSet:
    """Read and check the three files; header.csv must exist, the others may be absent. Files in
    the directory that are no table (other than `ignore`) are listed in `unknown`."""
    today = today or datetime.date.today()
    paths, unknown = table_files(directory, ignore=ignore)
    file_set = FileSet(directory=directory, present={}, paths=paths, unknown=unknown)

    # Header: one row per child.
    header_rows = _read(HEADER, file_set)
    children: dict[str, HeaderRow] = {}
    header_line: dict[str, int] = {}
    rejected_child_line: dict[str, int] = {}
    for row in header_rows:
        if row.errors:
            continue  # a file-level problem already named
        child = row.check(validators.clean_la_child_id, row["CHILD"])
        sex = None
        if row["SEX"].upper() == "U":
            row.fail(
                "SEX",
                "SEX U (not known) cannot be held here: Homeward records a child as male (M or 1) or female (F or 2).",
            )
        elif row["SEX"].upper() not in (*SEX_CODES, *SEX_CODES.values()):
            row.fail("SEX", f"SEX must be M or F (from 2024-25), or 1 or 2 (before), not '{row['SEX']}'.")
        else:
            sex = SEX_CODES.get(row["SEX"].upper(), row["SEX"])
        dob = row.date("DOB", required=True, rule="")
        if dob is not None:
            row.check(validators.clean_date_of_birth, dob, today=today)
        ethnicity = row.check(validators.clean_ethnicity, row["ETHNIC"])
        upn_text = row["UPN"].upper()
        upn = "" if upn_text in UNKNOWN_UPN else row.check(validators.clean_upn, upn_text)
        if child is not None and child in header_line:
            row.fail(
                "CHILD", f"Child {child} is already in the Header on line {header_line[child]}: one row per child."
            )
        if row.errors:
            if child is not None and child not in header_line:
                rejected_child_line.setdefault(child, row.line)
            continue
        header_line[child] = row.line
        children[child] = HeaderRow(
            line=row.line, child=child, sex=sex, date_of_birth=dob, ethnicity=ethnicity, upn=upn
        )
    _reject_failed(HEADER, header_rows, file_set)
    file_set.children = list(children.values())

    def in_header(row: _Row) -> HeaderRow | None:
        code = row["CHILD"]
        if not code:
            row.fail("CHILD", "CHILD is required.")
            return None
        found = children.get(code)
        if found is None:
            if code in rejected_child_line:
                row.fail("CHILD", f"Child {code}'s Header row (line {rejected_child_line[code]}) was rejected.")
            else:
                row.fail("CHILD", f"Child {code} is not in the Header: every child must be.")
        return found

    # Episodes: one placement per child and start date (DECOM).
    geography_cache: dict[tuple[str, str], object] = {}
    placement_line: dict[tuple[str, datetime.date], int] = {}
    episode_rows = _read(EPISODES, file_set)
    for row in episode_rows:
        if row.errors:
            continue
        header = in_header(row)
        start = row.date("DECOM", required=True, rule="")
        end = row.date("DEC", required=False, rule="")
        if start is not None and end is not None and end < start:
            row.fail("DEC", f"The placement ends ({_when(end)}) before it starts ({_when(start)}).")
        if header is not None and start is not None and start < header.date_of_birth:
            row.fail("DECOM", f"The placement starts before the child's date of birth ({_when(header.date_of_birth)}).")
        row.check(validators.clean_placement_codes, placement_type=row["PLACE"], provider_type=row["PLACE_PROVIDER"])
        urn = "" if row["URN"].upper() in UNKNOWN_URN else row["URN"]
        if len(urn) > 8:
            row.fail("URN", f"'{urn}' is not an Ofsted URN (at most 8 characters).")
        geography = None
        if row["PL_POST"]:
            key = (row["PL_POST"], row["HOME_POST"])
            if key not in geography_cache:
                try:
                    geography_cache[key] = placement_geography(placement_postcode=key[0], home_postcode=key[1])
                except ValidationError as error:
                    geography_cache[key] = error
            geography = geography_cache[key]
            if isinstance(geography, ValidationError):
                row.fail_with(geography)
                geography = None
        elif row["HOME_POST"] and postcodes.normalise(row["HOME_POST"]) is None:
            row.fail("HOME_POST", f"“{row['HOME_POST']}” is not a postcode.")
        if header is not None and start is not None:
            key = (header.child, start)
            if key in placement_line:
                row.fail(
                    "DECOM",
                    f"Child {header.child} already has a placement starting {_when(start)} on line {placement_line[key]}.",
                )
            elif not row.errors:
                placement_line[key] = row.line
        if row.errors:
            continue
        file_set.placements.append(
            PlacementRow(
                line=row.line,
                child=header.child,
                start_date=start,
                end_date=end,
                placement_type=row["PLACE"],
                provider_type=row["PLACE_PROVIDER"],
                urn=urn,
                placement_postcode=geography.placement_postcode if geography else "",
                home_postcode=geography.home_postcode if geography else (postcodes.normalise(row["HOME_POST"]) or ""),
                raw=dict(row.raw),
            )
        )
    _reject_failed(EPISODES, episode_rows, file_set)

    # Missing: each row on its own, then the periods of each child against each other.
    missing_rows = _read(MISSING, file_set)
    candidates: dict[str, list[tuple[_Row, MissingRow]]] = defaultdict(list)
    for row in missing_rows:
        if row.errors:
            continue
        header = in_header(row)
        dob = row.date("DOB", required=True, rule="")
        if header is not None and dob is not None and dob != header.date_of_birth:
            row.fail(
                "DOB",
                f"The date of birth ({_when(dob)}) is not the Header's ({_when(header.date_of_birth)}): they must be the same.",
            )
        kind = row["MISSING"].upper()
        if kind not in ("M", "A"):
            row.fail(
                "MISSING",
                f"DfE rule 1006: MISSING must be M (missing) or A (away from placement without authorisation), not '{row['MISSING']}'.",
            )
        start = row.date("MIS_START", required=True, rule="1004")
        end = row.date("MIS_END", required=False, rule="1005")
        if row["CHILD"] and start is not None:
            file_set.missing_keys.add((row["CHILD"], start))
        if start is not None and start > today:
            row.fail("MIS_START", f"MIS_START ({_when(start)}) is in the future.")
        if end is not None and end > today:
            row.fail("MIS_END", f"MIS_END ({_when(end)}) is in the future.")
        if start is not None and end is not None and end < start:
            row.fail("MIS_END", f"DfE rule 567: the period ends ({_when(end)}) before it starts ({_when(start)}).")
        if header is not None and start is not None and start < header.date_of_birth:
            row.fail(
                "MIS_START",
                f"DfE rule 586: the period starts before the child's date of birth ({_when(header.date_of_birth)}).",
            )
        if not row.errors:
            candidates[header.child].append(
                (
                    row,
                    MissingRow(
                        line=row.line,
                        child=header.child,
                        missing=kind,
                        mis_start=start,
                        mis_end=end,
                        raw=dict(row.raw),
                    ),
                )
            )

    # DfE rule 574: no overlapping periods, and no new period while one is open. The earliest period
    # (then the earliest line) is kept; a later one that collides with a kept one is rejected.
    for periods in candidates.values():
        kept: list[MissingRow] = []
        for row, period in sorted(periods, key=lambda p: (p[1].mis_start, p[1].line)):
            same_start = next((k for k in kept if k.mis_start == period.mis_start), None)
            still_open = next((k for k in kept if k.mis_end is None), None)
            overlapping = next((k for k in kept if k.mis_end is not None and period.mis_start < k.mis_end), None)
            if same_start is not None:
                row.fail(
                    "MIS_START",
                    f"Line {same_start.line} already has child {period.child}'s period starting {_when(period.mis_start)}.",
                )
            elif still_open is not None:
                row.fail(
                    "MIS_START",
                    (
                        f"DfE rule 574: a new period cannot start while the one from {_when(still_open.mis_start)} "
                        f"(line {still_open.line}) is still open."
                    ),
                )
            elif overlapping is not None:
                row.fail(
                    "MIS_START",
                    (
                        f"DfE rule 574: the period overlaps the one from {_when(overlapping.mis_start)} to "
                        f"{_when(overlapping.mis_end)} (line {overlapping.line})."
                    ),
                )
            else:
                kept.append(period)
        file_set.missing.extend(kept)
    file_set.missing.sort(key=lambda m: m.line)
    _reject_failed(MISSING, missing_rows, file_set)
    return file_set
