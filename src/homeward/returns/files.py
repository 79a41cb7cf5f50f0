"""Reading import files row by row with their line numbers, and writing the rejects CSV."""

import codecs
import csv
import datetime
import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

# Fault tests only: milliseconds to sleep per row while a batch's transaction is open, so a test
# can SIGKILL an import part-way through a batch (tests/returns/test_crash_safety.py). Read by the
# importers and nothing else; unset (the default) means no delay.
ROW_DELAY_ENV = "HOMEWARD_IMPORT_ROW_DELAY_MS"

REJECT_COLUMNS = ("file", "line", "field", "reason")


class ImportFileError(Exception):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts in its file; the column header is line 1
    raw: dict  # the row as read: column -> value, exactly as in the file


@dataclass(frozen=True)
class Reject:
    file: str
    line: int | None
    field: str
    reason: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text(path: Path) -> str:
    """The file as text: UTF-8, with or without a byte-order mark. A byte that is not UTF-8 is named
    by the line it is on (the decoder reads ahead, so a reader's own line count would be wrong)."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: {error.strerror}") from None
    content = content.removeprefix(codecs.BOM_UTF8)  # so the decoder's positions are the file's, less the mark
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise ImportFileError(
            f"{path.name}, line {line}: byte 0x{content[error.start]:02X} is not UTF-8 ({error.reason}); save the file as UTF-8."
        ) from None


def read_csv(path: Path, *, one_line_rows: bool = False) -> tuple[list[str], list[Row], list[tuple[int, str]]]:
    """The columns, the rows, and (line, reason) for rows that cannot be rows (too many values, or
    with `one_line_rows` a quote left open).

    Blank lines are skipped; a row with fewer values than columns is padded with blanks (exports
    often drop trailing empty cells). With `one_line_rows` (files whose values never hold a line
    break, like the SSDA903's) each line is read on its own: a quote left open spoils that line only,
    where a CSV reader would run on and swallow the rows after it into one value.
    """
    text = _text(path)
    rows: list[Row] = []
    broken: list[tuple[int, str]] = []
    if one_line_rows:
        records = []
        # Line ends only (str.splitlines would also split at form feeds and other separators inside a value).
        for line, physical in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
            if physical.count('"') % 2:
                if line == 1:
                    raise ImportFileError(f'{path.name}, line 1: the column header has a quote (") that is not closed.')
                broken.append((line, 'has a quote (") that is not closed, so its values cannot be told apart'))
                continue
            records.append((line, next(csv.reader([physical]), [])))
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        records = []
        try:
            previous_end = 0
            for values in reader:
                records.append((previous_end + 1, values))
                previous_end = reader.line_num
        except csv.Error as error:
            raise ImportFileError(f"{path.name}, line {reader.line_num}: {error}") from None
    if not records or not any(records[0][1]):
        raise ImportFileError(f"{path.name}: the file is empty (no column header on line 1).")
    columns = [c.strip() for c in records[0][1]]
    for line, values in records[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            broken.append((line, f"has {len(values)} values but the header names {len(columns)} columns"))
            continue
        values = values + [""] * (len(columns) - len(values))
        rows.append(Row(line=line, raw=dict(zip(columns, values, strict=True))))
    return columns, rows, sorted(broken)


def read_json_array(path: Path) -> list[Row]:
    """A JSON array of objects, each with the line its opening brace is on."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: {getattr(error, 'strerror', None) or error}") from None
    decoder = json.JSONDecoder()
    rows: list[Row] = []
    line, counted_to = 1, 0

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def line_at(i: int) -> int:
        nonlocal line, counted_to
        line += text.count("\n", counted_to, i)
        counted_to = i
        return line

    i = skip(0)
    if i >= len(text) or text[i] != "[":
        raise ImportFileError(f"{path.name}: a JSON report file is one array of report objects: [{{...}}, {{...}}].")
    i = skip(i + 1)
    while i < len(text) and text[i] != "]":
        start_line = line_at(i)
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as error:
            raise ImportFileError(f"{path.name}, line {error.lineno}: not valid JSON ({error.msg}).") from None
        rows.append(Row(line=start_line, raw=value))  # a non-object is rejected by the caller
        i = skip(end)
        if i < len(text) and text[i] == ",":
            i = skip(i + 1)
        elif i < len(text) and text[i] != "]":
            raise ImportFileError(f"{path.name}, line {line_at(i)}: expected ',' or ']' between reports.")
    if i >= len(text):
        raise ImportFileError(f"{path.name}: the array is not closed with ']'.")
    return rows


def write_rejects(path: Path, rejects: Iterable[Reject]) -> int:
    """Write every reject (always: an empty file says nothing was rejected). Returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    temporary = path.with_name(path.name + ".part")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REJECT_COLUMNS)
        for reject in sorted(rejects, key=lambda r: (r.file, r.line or 0, r.field)):
            writer.writerow([reject.file, "" if reject.line is None else reject.line, reject.field, reject.reason])
            count += 1
    temporary.replace(path)  # a reader never sees half a file
    return count


def batched(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def row_delay() -> float:
    """Seconds to pause per row (fault tests only; see ROW_DELAY_ENV)."""
    try:
        return max(0.0, float(os.environ.get(ROW_DELAY_ENV, "0") or 0) / 1000)
    except ValueError:
        return 0.0


def pause(seconds: float) -> None:
    if seconds:
        time.sleep(seconds)


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of a day in UK time, as an aware datetime (stored in UTC; architecture rule 4)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()), timezone.get_default_timezone())
