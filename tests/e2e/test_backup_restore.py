"""Backups and restores of the SQLite store with the real server and the real admin commands.

A backup taken with `flask backup-store` while a booking storm runs against gunicorn (3
workers) restores to a store holding every booking answered 201 before the backup started,
within capacity; its control, a plain file copy of the live WAL database at the same moment,
loses answered bookings. A restore over a running server is refused and changes nothing.
"""

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import requests

from harness.server import ROOT, launch_server, start_server
from tests.support.engines import SqliteStore
from tests.support.load import booking, open_day

pytestmark = pytest.mark.e2e

DAYS = (5, 6, 8)
TIMES = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]      # 16 slots a day
CAPACITY = {"gomoti": 15, "moon": 20, "al-sefa": 25}
PAUSE_S = 0.05     # per client between requests, so the storm outlasts a slow backup
ROUNDS = 3         # each client books every slot this many times (gomoti's fill: then 409s)


def flask(store_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"SQLITE_PATH": str(store_path), "BACKUP_DIR": str(store_path.parent / "backups"),
           "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


class Storm:
    """Clients booking every hospital's slots one request after another until stopped, noting
    when each 201 was answered."""

    def __init__(self, url: str, clients: int = 8):
        slots = [(h, open_day(d), t) for d in DAYS for t in TIMES for h in CAPACITY]
        self.url = url
        self.plans = [[booking(*slots[(c + i) % len(slots)], c * 10_000 + i)
                       for i in range(ROUNDS * len(slots))] for c in range(clients)]
        self.booked: list[tuple[float, str]] = []       # (answered at, appointment id)
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(p,)) for p in self.plans]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def answered_before(self, moment: float) -> set[str]:
        with self._lock:
            return {appointment_id for at, appointment_id in self.booked if at < moment}

    def wait_for(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.booked) < n and time.monotonic() < deadline:
            time.sleep(0.01)

    def _client(self, plan: list[dict]) -> None:
        with requests.Session() as session:
            for body in plan:
                if self._stop.is_set():
                    return
                answer = session.post(self.url + "/api/appointments", json=body, timeout=30)
                with self._lock:
                    self.statuses.append(answer.status_code)
                    if answer.status_code == 201:
                        self.booked.append((time.monotonic(), answer.json()["appointment"]["id"]))
                self._stop.wait(PAUSE_S)


def stored_ids(path: Path) -> set[str]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM appointments")}


def copied_ids(path: Path) -> set[str]:
    """What a file copy holds: possibly not even the tables, still in the -wal file then."""
    try:
        return stored_ids(path)
    except sqlite3.DatabaseError:       # no tables yet, or a torn copy
        return set()


def seats_per_slot(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT hospital_id, count(*) FROM appointments WHERE status <> 'cancelled' "
            "GROUP BY hospital_id, appointment_date, appointment_time").fetchall()


def test_a_backup_during_a_booking_storm_restores_every_answered_booking(tmp_path):
    server = start_server(tmp_path, workers=3)
    storm = Storm(server.url)
    try:
        storm.start()
        storm.wait_for(40)
        copied_at = time.monotonic()
        shutil.copy(server.sqlite_path, tmp_path / "file-copy.sqlite3")   # the control
        backup_started = time.monotonic()
        backup = flask(server.sqlite_path, "backup-store", str(tmp_path / "backup.sqlite3"))
        backup_done = time.monotonic()
        storm.wait_for(len(storm.answered_before(backup_done)) + 20)
    finally:
        storm.stop()
        server.stop()
    assert backup.returncode == 0, backup.stderr
    assert set(storm.statuses) <= {201, 409}
    before_backup = storm.answered_before(backup_started)
    assert len(before_backup) >= 40
    assert len(storm.booked) >= len(storm.answered_before(backup_done)) + 20   # still booking

    fresh = tmp_path / "restored" / "booking.sqlite3"
    restore = flask(fresh, "restore-store", str(tmp_path / "backup.sqlite3"), "--yes")
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "check-store: OK" in restore.stdout
    restored = stored_ids(fresh)
    assert before_backup <= restored
    assert restored <= {appointment_id for _, appointment_id in storm.booked}
    assert all(n <= CAPACITY[hospital_id] for hospital_id, n in seats_per_slot(fresh))

    # Control: a file copy of the live WAL database misses bookings answered before it.
    missing = storm.answered_before(copied_at) - copied_ids(tmp_path / "file-copy.sqlite3")
    assert missing, "the control should lose bookings still in the -wal file"


def test_a_restore_over_a_running_server_is_refused_and_changes_nothing(tmp_path):
    server = start_server(tmp_path, workers=3)
    try:
        day = open_day(6)
        for n in range(3):
            body = booking("gomoti", day, "10:00", n)
            assert requests.post(server.url + "/api/appointments", json=body,
                                 timeout=10).status_code == 201
        assert flask(server.sqlite_path, "backup-store",
                     str(tmp_path / "b.sqlite3")).returncode == 0
        body = booking("gomoti", day, "10:00", 99)
        assert requests.post(server.url + "/api/appointments", json=body,
                             timeout=10).status_code == 201
        refused = flask(server.sqlite_path, "restore-store", str(tmp_path / "b.sqlite3"), "--yes")
        assert refused.returncode == 2
        assert "open in another process (a running server?): stop it first" in refused.stderr
        availability = requests.get(
            f"{server.url}/api/appointments/availability/gomoti/{day}/10:00", timeout=10).json()
        assert availability["current_bookings"] == 4           # still serving, untouched
    finally:
        server.stop()
    # Control: the same restore once the server is stopped.
    restored = flask(server.sqlite_path, "restore-store", str(tmp_path / "b.sqlite3"), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert len(stored_ids(server.sqlite_path)) == 3


def test_check_store_reports_the_legacy_19_in_15_and_exits_non_zero(tmp_path):
    store = SqliteStore(tmp_path / "booking.sqlite3")
    day = open_day(7)
    clean = flask(store.path, "check-store")
    assert (clean.returncode, clean.stdout.startswith("check-store: OK")) == (0, True)
    store.write_legacy("gomoti", "Gomoti Hospital", day, "12:00", 19)
    found = flask(store.path, "check-store")
    assert found.returncode == 1
    assert (f"over capacity    Gomoti Hospital {day} 12:00: 19 seats taken, capacity 15"
            in found.stdout)
    assert "+88019" not in found.stdout            # ids, never phone numbers


def test_every_admin_command_explains_itself():
    for command, words in [("check-store", "than its capacity"), ("backup-store", "online backup"),
                           ("restore-store", "Refused while")]:
        shown = flask(Path("/nonexistent/booking.sqlite3"), command, "--help")
        assert shown.returncode == 0 and words in " ".join(shown.stdout.split())


# -- hostile and broken backups (issue 27): vetted in a scratch copy, or nothing changes ---------

LIVE, BACKED_UP = 30, 12        # appointments in the live store and in the good backup


@pytest.fixture(scope="module")
def backups(tmp_path_factory) -> Path:
    """good.sqlite3 (12 appointments) and live.sqlite3 (30), written by the real server and
    `flask backup-store`."""
    where = tmp_path_factory.mktemp("backups")
    server = start_server(where, workers=2)
    try:
        day = open_day(9)
        for n in range(LIVE):
            body = booking(("gomoti", "moon")[n % 2], day, TIMES[n % len(TIMES)], n)
            assert requests.post(server.url + "/api/appointments", json=body,
                                 timeout=10).status_code == 201
            if n + 1 == BACKED_UP:
                assert flask(server.sqlite_path, "backup-store",
                             str(where / "good.sqlite3")).returncode == 0
        assert flask(server.sqlite_path, "backup-store",
                     str(where / "live.sqlite3")).returncode == 0
    finally:
        server.stop()
    return where


def live_store(backups: Path, tmp_path: Path) -> Path:
    (tmp_path / "live").mkdir()
    return Path(shutil.copy(backups / "live.sqlite3", tmp_path / "live" / "booking.sqlite3"))


#: A store of the first release: without what later ones added (serials, capacity, closures).
OLDER_RELEASE = ("DROP INDEX appointments_one_per_serial", "DROP INDEX appointments_by_reference",
                 *(f"ALTER TABLE {table} DROP COLUMN {column}" for table, column in (
                     ("appointments", "serial"), ("appointments", "reference"),
                     ("slots", "serials"), ("slots", "closed"), ("slots", "capacity"))))


def variant(backups: Path, tmp_path: Path, *statements: str) -> Path:
    """The good backup with `statements` run on a copy of it."""
    path = Path(shutil.copy(backups / "good.sqlite3", tmp_path / "variant.sqlite3"))
    with closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)
    return path


def wrong_columns(backups: Path, tmp_path: Path) -> Path:
    """The attacker's file: tables with the right names, other columns, one row."""
    path = tmp_path / "wrong-columns.sqlite3"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE appointments (id TEXT PRIMARY KEY, date TEXT)")
        conn.execute("CREATE TABLE slots (x)")
        conn.execute("INSERT INTO appointments VALUES ('a', '2026-12-24')")
    return path


def not_sqlite(backups: Path, tmp_path: Path) -> Path:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"these are not the bookings\n" * 500)
    return path


def truncated(backups: Path, tmp_path: Path) -> Path:
    whole = (backups / "good.sqlite3").read_bytes()
    path = tmp_path / "truncated.sqlite3"
    path.write_bytes(whole[:len(whole) // 2])
    return path


TRIGGER = ("CREATE TRIGGER eat AFTER INSERT ON appointments "
           "BEGIN DELETE FROM appointments WHERE id = NEW.id; END")
REFUSED = [
    (wrong_columns, "does not have the app's schema: table appointments has no column "
                    "hospital_id"),
    (lambda b, t: variant(b, t, TRIGGER),
     "does not have the app's schema: trigger eat is not part of the app's schema"),
    (lambda b, t: variant(b, t, "CREATE VIEW seats AS SELECT id FROM appointments"),
     "does not have the app's schema: view seats is not part of the app's schema"),
    (lambda b, t: variant(b, t, "PRAGMA writable_schema = ON", "INSERT INTO sqlite_master "
                          "VALUES ('trigger', 'sqlite_eat', 'appointments', 0, '"
                          + TRIGGER.replace(" eat ", " sqlite_eat ") + "')"),
     "does not have the app's schema: trigger sqlite_eat is not part of the app's schema"),
    (lambda b, t: variant(b, t, "DROP INDEX appointments_one_per_patient",
                          "INSERT INTO appointments SELECT id || '-twin', hospital_id, hospital, "
                          "appointment_date, appointment_time, status, patient_name, "
                          "patient_phone, patient_email, doctor, notes, token_hash, created_at, "
                          "NULL, NULL FROM appointments LIMIT 1"),     # no serial, no reference
     "cannot be opened as the store: UNIQUE constraint failed"),
    (lambda b, t: variant(b, t, "DROP INDEX appointments_by_slot",
                          "CREATE INDEX appointments_by_slot ON appointments (notes)"),
     "does not have the app's schema: index appointments_by_slot is defined as"),
    (not_sqlite, "is not a SQLite database: file is not a database"),
    (truncated, "is not a SQLite database: database disk image is malformed"),
]


@pytest.mark.parametrize("make, why", REFUSED, ids=[
    "wrong-columns", "trigger", "view", "trigger-named-as-sqlites-own",
    "missing-unique-index-and-a-twin", "other-index",
    "not-sqlite", "truncated"])
def test_a_backup_that_is_not_the_apps_store_is_refused_and_nothing_changes(
        backups, tmp_path, make, why):
    store, backup = live_store(backups, tmp_path), make(backups, tmp_path)
    assert len(stored_ids(store)) == LIVE                                         # before
    refused = flask(store, "restore-store", str(backup), "--yes")
    assert (refused.returncode, refused.stdout) == (2, ""), refused.stderr
    assert refused.stderr.startswith(f"error: {backup}") and why in refused.stderr, \
        refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    assert len(stored_ids(store)) == LIVE                                         # after
    assert not [p for p in store.parent.iterdir() if ".restoring" in p.name or
                ".replaced" in p.name]                    # the scratch copy is gone
    assert not (tmp_path / "live" / "backups").exists()           # no pre-restore file either
    checked = flask(store, "check-store")
    assert checked.returncode == 0 and checked.stdout.startswith("check-store: OK"), checked


@pytest.mark.parametrize("make", [
    lambda b, t: b / "good.sqlite3",
    lambda b, t: variant(b, t, "DROP INDEX appointments_by_patient"),   # an older release's
    lambda b, t: variant(b, t, *OLDER_RELEASE),                          # added columns
], ids=["good", "missing-index", "older-release-without-added-columns"])
def test_a_good_or_older_backup_is_restored_and_brought_to_the_apps_schema(backups, tmp_path,
                                                                          make):
    store, backup = live_store(backups, tmp_path), make(backups, tmp_path)
    assert len(stored_ids(store)) == LIVE                                         # before
    restored = flask(store, "restore-store", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "check-store: OK" in restored.stdout
    assert len(stored_ids(store)) == BACKED_UP                                    # after
    [previous] = (store.parent / "backups").glob("pre-restore-*.sqlite3")
    assert len(stored_ids(previous)) == LIVE
    with closing(sqlite3.connect(store)) as conn, conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"appointments_by_patient", "appointments_one_per_patient"} <= names
    assert flask(store, "check-store").returncode == 0


def test_a_malformed_backup_leaves_a_store_that_still_serves_and_restores(backups, tmp_path):
    """Issue 27, finding 1: before, the store went from 30 appointments to 1, exit 2, and
    check-store, the next restore and the server all failed with tracebacks."""
    store = live_store(backups, tmp_path)
    refused = flask(store, "restore-store", str(wrong_columns(backups, tmp_path)), "--yes")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert len(stored_ids(store)) == LIVE
    assert flask(store, "check-store").returncode == 0
    good = flask(store, "restore-store", str(backups / "good.sqlite3"), "--yes")
    assert good.returncode == 0, good.stderr
    server = start_server(tmp_path, workers=2, SQLITE_PATH=str(store))
    try:
        body = booking("moon", open_day(10), "11:00", 777)
        answer = requests.post(server.url + "/api/appointments", json=body, timeout=10)
    finally:
        server.stop()
    assert answer.status_code == 201
    assert len(stored_ids(store)) == BACKED_UP + 1


def test_a_backup_with_a_trigger_is_refused_and_bookings_stay_stored(backups, tmp_path):
    """Issue 27, finding 2: before, the trigger's backup was restored (exit 0, check-store OK)
    and 4 bookings then answered 201 with none stored."""
    store = live_store(backups, tmp_path)
    refused = flask(store, "restore-store", str(variant(backups, tmp_path, TRIGGER)), "--yes")
    assert refused.returncode == 2, refused.stdout
    server = start_server(tmp_path, workers=2, SQLITE_PATH=str(store))
    try:
        answers = [requests.post(server.url + "/api/appointments", timeout=10,
                                 json=booking("gomoti", open_day(11), "12:00", 900 + n))
                   for n in range(4)]
    finally:
        server.stop()
    created = {a.json()["appointment"]["id"] for a in answers if a.status_code == 201}
    assert len(created) == 4 and created <= stored_ids(store)


def test_check_store_on_a_store_with_another_schema_refuses_in_one_line(backups, tmp_path):
    store = live_store(backups, tmp_path)
    with closing(sqlite3.connect(store)) as conn, conn:
        conn.execute(TRIGGER)
    checked = flask(store, "check-store")
    assert (checked.returncode, checked.stdout) == (2, "")
    assert checked.stderr == (f"error: the store {store} does not have the app's schema: "
                              "trigger eat is not part of the app's schema\n")


def test_the_server_refuses_to_start_on_a_store_with_another_schema(backups, tmp_path):
    store = live_store(backups, tmp_path)
    with closing(sqlite3.connect(store)) as conn, conn:
        conn.execute("CREATE VIEW seats AS SELECT id FROM appointments")
    server = launch_server(tmp_path, workers=2, SQLITE_PATH=str(store))
    try:
        code = server.process.wait(timeout=60)
    finally:
        server.stop()
    log = server.log_path.read_text()
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert code != 0 and "Traceback" not in log, log
    assert len(errors) == 1 and "start-up refused" in errors[0], log
    assert "view seats is not part of the app's schema" in errors[0]
