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
from pathlib import Path

import pytest
import requests

from harness.server import ROOT, start_server
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
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
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
