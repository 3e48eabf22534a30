"""The admin CLI (`flask --app app ...`) on each engine: output, exit codes, effects."""

import csv
import io

import pytest

from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, book, owner, patch

pytestmark = pytest.mark.every_engine


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()     # click >= 8.2: result.stdout and .stderr kept apart
    return lambda *args, **kw: runner.invoke(args=list(args), **kw)


def test_closures_add_list_remove(cli, client):
    book(client)
    added = cli("closures", "add", "gomoti", "2026-11-26", "--reason", "Flood")
    assert added.exit_code == 0, added.output
    assert "whole day  Flood" in added.output
    assert "active bookings in the closed slots: 1 (none cancelled)" in added.output
    closure_id = added.output.split()[1]
    assert book(client, {**GOOD, "patient_phone": "+8801800000000"}).json == {
        "error": "Hospital closed on 2026-11-26: Flood"}
    listed = cli("closures", "list", "gomoti")
    assert listed.output.startswith(closure_id)
    assert cli("closures", "remove", closure_id).exit_code == 0
    assert cli("closures", "list", "gomoti").output == "no closures\n"
    gone = cli("closures", "remove", closure_id)
    assert (gone.exit_code, "Closure not found" in gone.output + gone.stderr) == (1, True)


def test_a_time_range_closure_and_its_bulk_cancel_need_confirmation(cli, client):
    appointment_id, headers = owner(book(client))
    added = cli("closures", "add", "gomoti", "2026-11-26", "--reason", "Power cut",
                "--start", "09:30", "--end", "11:00")
    closure_id = added.output.split()[1]
    assert "09:30-11:00" in added.output
    assert cli("closures", "cancel-bookings", closure_id, input="n\n").exit_code == 1
    done = cli("closures", "cancel-bookings", closure_id, "--yes")
    assert (done.exit_code, done.output) == (0, "cancelled 1 booking(s)\n")
    mine = client.get(f"/api/appointments/{appointment_id}", headers=headers).json
    assert mine["appointment"]["status"] == "cancelled"
    entries = client.get(f"/api/admin/audit?appointment={appointment_id}", headers=ADMIN).json
    assert [(e["actor"], e["action"]) for e in entries["entries"]] == [
        ("patient", "book"), ("cli", "bulk_cancel")]


@pytest.mark.parametrize("args, message", [
    (("closures", "add", "nowhere", "2026-11-26", "--reason", "x"), "Unknown hospital"),
    (("closures", "add", "gomoti", "2026-11-26", "--reason", "x", "--start", "10:00"),
     "Give both start and end"),
    (("capacity", "set", "gomoti", "2026-11-26", "3", "--time", "10:10"), "Not a slot"),
    (("capacity", "set", "gomoti", "2026-11-24", "3"), "Date is in the past")])
def test_refusals_exit_1_saying_why(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output + result.stderr


def test_bad_usage_exits_2(cli):
    assert cli("capacity", "set", "gomoti", "26/11/2026", "3").exit_code == 2
    assert cli("capacity", "set", "gomoti", "2026-11-26", "many").exit_code == 2


def test_capacity_set_reports_slots_over_it_and_list_shows_it(cli, client):
    for n in range(3):
        book(client, {**GOOD, "patient_phone": f"+880170000000{n}"})
    lowered = cli("capacity", "set", "gomoti", "2026-11-26", "2", "--time", "10:00")
    assert lowered.output == "2026-11-26 10:00  capacity 2  booked 3  OVER CAPACITY\n"
    assert cli("capacity", "list", "gomoti").output == (
        "gomoti  2026-11-26 10:00  capacity 2\n")
    assert cli("capacity", "set", "gomoti", "2026-11-26", "default", "--time",
               "10:00").exit_code == 0
    assert cli("capacity", "list", "gomoti").output == "no capacity overrides\n"


def test_export_day_writes_the_front_desks_csv(cli, client):
    first, _ = owner(book(client))
    later, _ = owner(book(client, {**GOOD, "appointment_time": "11:30",
                                   "patient_phone": "+8801800000000", "doctor": "Dr. Karim"}))
    patch(client, first, {"status": "checked_in"}, ADMIN)
    result = cli("export-day", "gomoti", "2026-11-26")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["appointment_time"], r["status"], r["id"]) for r in rows] == [
        ("10:00", "checked_in", first), ("11:30", "booked", later)]
    assert rows[1]["doctor"] == "Dr. Karim" and rows[0]["patient_name"] == "Rahim Uddin"


def test_export_day_lists_the_whole_day_not_one_page(cli, client):
    for n in range(51):         # the admin list's page holds 50
        book(client, {**GOOD, "appointment_time": ("10:00", "10:30", "11:00", "11:30")[n // 15],
                      "patient_phone": f"+88017000{n:05d}"})
    rows = list(csv.DictReader(io.StringIO(cli("export-day", "gomoti", "2026-11-26").stdout)))
    assert len(rows) == 51


def test_every_command_has_help(cli):
    for command in (["init-store"], ["closures", "add"], ["closures", "list"],
                    ["closures", "remove"], ["closures", "cancel-bookings"],
                    ["capacity", "set"], ["capacity", "list"], ["export-day"]):
        result = cli(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
