"""Every export Homeward writes (CSV or XLSX) goes through `export_rows`, so each is safe to open in a
spreadsheet: a text cell that a spreadsheet would read as a formula (OWASP, "CSV injection": it
starts with = + - @, a tab or a carriage return) is written with a leading apostrophe, which the
spreadsheet shows as text and never runs.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)


def neutralise(value: object) -> object:
    """A text value a spreadsheet would run as a formula, made inert; anything else as it is.

    Numbers stay numbers (a negative count is not a formula); only text is changed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        # Spreadsheets hold no time zone: the caller gives local (Europe/London) times.
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return neutralise(str(value))


def export_rows(*, header: Sequence[str], rows: Iterable[Sequence[object]], fmt: str, sheet: str = "Data") -> bytes:
    """The rows as a CSV (UTF-8, one header row) or an XLSX workbook (one sheet), every cell safe."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    if fmt == "csv":
        out = io.StringIO()
        # RFC 4180 line ends: the writer then quotes a cell holding either CR or LF, which it would
        # not do for a lone CR under "\n" (the row would break in two).
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([_cell(name) for name in header])
        for row in rows:
            writer.writerow(
                [value.isoformat() if isinstance(value, datetime.date) else value for value in (_cell(v) for v in row)]
            )
        return out.getvalue().encode("utf-8")

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append([_cell(name) for name in header])
    for row in rows:
        worksheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(
    *, header: Sequence[str], rows: Iterable[Sequence[object]], fmt: str, filename: str, sheet: str = "Data"
) -> HttpResponse:
    """An attachment download of export_rows; `filename` without its extension."""
    response = HttpResponse(
        export_rows(header=header, rows=rows, fmt=fmt, sheet=sheet), content_type=CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
