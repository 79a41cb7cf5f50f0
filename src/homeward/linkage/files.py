"""Analysts' linking of two CSV person lists with the linkage engine (`homeward link-files`).

    homeward link-files LEFT.csv RIGHT.csv --out PAIRS.csv --id-left COL --id-right COL \\
        --field first_name=forename --field dob=DOB:date_of_birth [--threshold 0.5] [--one-to-one] \\
        [--backend duckdb|spark]

`--field ROLE=COL` names the column holding ROLE in both files; `ROLE=LEFTCOL:RIGHTCOL`
names it per file. Roles: first_name, last_name, name (one field: "SURNAME, Given" or
"Given Surname"), dob, sex, postcode; any may be absent. Dates may be ISO (2012-03-04),
dd/mm/yyyy or yyyymmdd, in any mix; a postcode that is not UK-shaped is compared as a
plain string and stands for its own district. Training adapts to the fields there are
and the command prints which training steps ran and what replaced those that could not. The output has columns left_id,right_id,match_probability,
best first; `--one-to-one` keeps each record's single best match (greedy, highest
probability first, so no id appears twice). `--backend spark` runs the linkage on a local
Spark session instead of DuckDB (default: HOMEWARD_LINKAGE_BACKEND, else duckdb).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping, Sequence

import pyarrow as pa

from homeward.linkage import engine

ROLES: tuple[str, ...] = engine.ROLE_COLUMNS


class LinkFilesError(ValueError):
    """A bad argument or input file; the message names the argument at fault."""


@dataclass(frozen=True, kw_only=True)
class LinkFilesResult:
    left_records: int
    right_records: int
    pairs_written: int
    out: Path
    backend: str = "duckdb"
    training_steps: tuple[str, ...] = ()


def parse_field_args(fields: Sequence[str]) -> dict[str, tuple[str, str]]:
    """`["first_name=fn", "dob=DOB:birth_date"]` -> {role: (left column, right column)}."""
    mapping: dict[str, tuple[str, str]] = {}
    for raw in fields:
        role, sep, columns = raw.partition("=")
        role = role.strip()
        if not sep or not columns.strip():
            raise LinkFilesError(f"--field {raw!r}: expected ROLE=COLUMN or ROLE=LEFTCOLUMN:RIGHTCOLUMN")
        if role not in ROLES:
            raise LinkFilesError(f"--field {raw!r}: unknown role {role!r} (roles: {', '.join(ROLES)})")
        if role in mapping:
            raise LinkFilesError(f"--field {raw!r}: role {role!r} given more than once")
        left, _, right = columns.partition(":")
        left, right = left.strip(), (right.strip() or left.strip())
        if not left:
            raise LinkFilesError(f"--field {raw!r}: the left column name is empty")
        mapping[role] = (left, right)
    if not mapping:
        raise LinkFilesError("--field: give at least one, e.g. --field last_name=surname")
    return mapping


def read_person_csv(*, path: Path, id_column: str, columns: Mapping[str, str], id_argument: str, side: str) -> pa.Table:
    """Read one CSV into the engine's shape: record_id plus one column per role."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise LinkFilesError(f"{side} file {str(path)!r}: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if id_column not in header:
            raise LinkFilesError(
                f"{id_argument} {id_column!r}: no such column in {side} file {path.name} "
                f"(columns: {', '.join(header) or 'none'})"
            )
        for role, column in columns.items():
            if column not in header:
                raise LinkFilesError(
                    f"--field {role}: no column {column!r} in {side} file {path.name} (columns: {', '.join(header)})"
                )
        ids: list[str] = []
        values: dict[str, list[str | None]] = {role: [] for role in columns}
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            record_id = (row.get(id_column) or "").strip()
            if not record_id:
                raise LinkFilesError(f"{id_argument} {id_column!r}: empty id on line {line} of {path.name}")
            if record_id in seen:
                raise LinkFilesError(
                    f"{id_argument} {id_column!r}: id {record_id!r} appears twice in {path.name} (line {line})"
                )
            seen.add(record_id)
            ids.append(record_id)
            for role, column in columns.items():
                value = (row.get(column) or "").strip()
                values[role].append(value or None)
    return pa.table(
        {"record_id": pa.array(ids, pa.string())} | {role: pa.array(vals, pa.string()) for role, vals in values.items()}
    )


def one_to_one(pairs: Sequence[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    """Greedy best-first matching: each left and each right id used at most once."""
    used_left: set[str] = set()
    used_right: set[str] = set()
    kept: list[tuple[str, str, float]] = []
    for left, right, probability in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        if left in used_left or right in used_right:
            continue
        used_left.add(left)
        used_right.add(right)
        kept.append((left, right, probability))
    return kept


def link_files(
    *,
    left: Path | str,
    right: Path | str,
    out: Path | str,
    id_left: str,
    id_right: str,
    fields: Sequence[str],
    threshold: float = 0.5,
    one_to_one_only: bool = False,
    backend: str | None = None,
) -> LinkFilesResult:
    """Link two CSV files and write the pairs CSV. Raises LinkFilesError on bad input."""
    if not 0.0 <= threshold <= 1.0:
        raise LinkFilesError(f"--threshold {threshold}: must be between 0 and 1")
    try:
        backend = engine.resolve_backend(backend)
    except ValueError as exc:
        raise LinkFilesError(f"--backend: {exc}") from exc
    mapping = parse_field_args(fields)
    left_path, right_path, out_path = Path(left), Path(right), Path(out)
    left_table = read_person_csv(
        path=left_path,
        id_column=id_left,
        columns={role: cols[0] for role, cols in mapping.items()},
        id_argument="--id-left",
        side="left",
    )
    right_table = read_person_csv(
        path=right_path,
        id_column=id_right,
        columns={role: cols[1] for role, cols in mapping.items()},
        id_argument="--id-right",
        side="right",
    )
    pairs: list[tuple[str, str, float]] = []
    steps: tuple[str, ...] = ()
    if left_table.num_rows and right_table.num_rows:
        model = engine.train(records=(left_table, right_table), backend=backend)
        backend = model.backend  # what actually ran
        steps = model.training_steps
        scored = engine.predict(model=model, threshold=threshold)
        pairs = list(
            zip(
                scored.column("id_l").to_pylist(),
                scored.column("id_r").to_pylist(),
                scored.column("match_probability").to_pylist(),
            )
        )
    if one_to_one_only:
        pairs = one_to_one(pairs)
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["left_id", "right_id", "match_probability"])
            for left_id, right_id, probability in pairs:
                writer.writerow([left_id, right_id, f"{probability:.6f}"])
    except OSError as exc:
        raise LinkFilesError(f"--out {str(out_path)!r}: {exc.strerror or exc}") from exc
    return LinkFilesResult(
        left_records=left_table.num_rows,
        right_records=right_table.num_rows,
        pairs_written=len(pairs),
        out=out_path,
        backend=backend,
        training_steps=steps,
    )
