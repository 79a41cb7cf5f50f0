"""Exports are safe to open in a spreadsheet: no text cell can run as a formula."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from homeward.oversight.exports import FORMULA_STARTS, export_response, export_rows, neutralise

DANGEROUS = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_neutralises_each_formula_start(value):
    assert neutralise(value) == "'" + value


def test_it_leaves_safe_text_and_numbers_alone():
    assert neutralise("Oak House") == "Oak House"
    assert neutralise("") == ""
    assert neutralise(-3) == -3  # a negative number is a number, not a formula
    assert neutralise("a=b") == "a=b"


def test_every_formula_start_is_covered():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


def test_a_csv_has_no_cell_starting_a_formula():
    data = export_rows(
        header=["name", "count", "day"], rows=[[v, 1, datetime.date(2026, 3, 31)] for v in DANGEROUS], fmt="csv"
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["name", "count", "day"]
    assert [row[0] for row in rows[1:]] == ["'" + v for v in DANGEROUS]
    assert rows[1][1:] == ["1", "2026-03-31"]


def test_an_xlsx_holds_the_cells_as_text_never_formulas():
    data = export_rows(
        header=["name", "count"], rows=[[v, -1] for v in DANGEROUS] + [[True, None]], fmt="xlsx", sheet="Test"
    )
    sheet = load_workbook(io.BytesIO(data))["Test"]
    cells = [row for row in sheet.iter_rows(min_row=2)]
    assert all(row[0].data_type == "s" for row in cells[:-1])
    # Spreadsheets keep line ends as LF: the CR comes back as one.
    assert [row[0].value for row in cells[:-1]] == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert cells[0][1].value == -1
    assert cells[-1][0].value == "Y"


def test_it_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        export_rows(header=["a"], rows=[], fmt="ods")


def test_the_response_is_an_attachment_named_for_its_format():
    response = export_response(header=["a"], rows=[["=1"]], fmt="xlsx", filename="list")
    assert response["Content-Disposition"] == 'attachment; filename="list.xlsx"'
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
