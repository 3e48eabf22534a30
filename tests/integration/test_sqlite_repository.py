"""The SQLite engine from several processes at once, and its failure modes."""

import fcntl
import multiprocessing
import os
import sqlite3
import stat
import threading
import time
from contextlib import closing
from dataclasses import replace

import pytest

from app.config import Settings
from app.domain.errors import (
    DuplicateBooking,
    ReferenceTaken,
    SlotFull,
    StoreNotReady,
    StoreUnavailable,
)
from app.domain.hospitals import Hospitals
from app.domain.model import Slot
from app.service import writes
from app.storage import open_repository, pin_store
from app.storage.sqlite import SqliteRepository
from app.storage.sqlite.files import file_identity
from tests.support.load import run_together
from tests.support.processes import assert_one_connection_per_thread_and_process
from tests.support.sqlite_slot import SLOT, appointment


def book_many(path, first, n, results):
    """One worker process: its own repository, `n` bookings into SLOT."""
    repo = SqliteRepository(path, busy_timeout=10)
    outcome = {"booked": 0, "full": 0}
    for i in range(first, first + n):
        try:
            writes.book(repo, SLOT, appointment(i), "hash")
            outcome["booked"] += 1
        except SlotFull:
            outcome["full"] += 1
    results.put(outcome)


def test_four_processes_never_exceed_capacity(tmp_path):
    path = tmp_path / "db.sqlite3"
    SqliteRepository(path).close()
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=book_many, args=(path, p * 100, 10, results))
               for p in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join()
    assert sum(o["booked"] for o in outcomes) == 15
    assert sum(o["full"] for o in outcomes) == 25
    assert SqliteRepository(path).slot_count(SLOT.key) == 15


def test_full_slot_rolls_back_the_slot_row_write(repository):
    full = Slot(**{**SLOT.__dict__, "capacity": 1})
    writes.book(repository, full, appointment(1, full), "h")
    with pytest.raises(SlotFull):
        writes.book(repository, full, appointment(2, full), "h")
    version = repository._connection().execute("SELECT version FROM slots").fetchone()[0]
    assert version == 1


def test_a_cancel_writes_the_slot_row_as_a_booking_does_a_visit_status_does_not(repository):
    def version():
        return repository._connection().execute("SELECT version FROM slots").fetchone()[0]

    first, second = appointment(1), appointment(2)
    for made in (first, second):
        writes.book(repository, SLOT, made, "h")
    writes.set_status(repository, first.id, "booked", "checked_in")
    assert version() == 2
    writes.cancel(repository, second.id)
    assert version() == 3


def test_same_phone_twice_in_a_slot_is_refused(repository):
    writes.book(repository, SLOT, appointment(1), "h")
    with pytest.raises(DuplicateBooking):
        writes.book(repository, SLOT, appointment(1), "h")
    assert repository.slot_count(SLOT.key) == 1


def test_unique_index_backs_the_duplicate_check(repository):
    writes.book(repository, SLOT, appointment(1), "h")
    with pytest.raises(sqlite3.IntegrityError):
        repository._connection().execute(
            "INSERT INTO appointments (id, hospital_id, hospital, appointment_date, "
            "appointment_time, patient_name, patient_phone, created_at) "
            "VALUES ('x', 'gomoti', 'G', '2026-11-26', '10:00', 'n', ?, 't')",
            (appointment(1).patient_phone,))


@pytest.mark.parametrize("held", ["checked_in", "completed", "no_show"])
def test_unique_index_covers_every_seat_holding_status_but_not_a_cancelled_one(repository, held):
    """Like Mongo's one_patient_per_slot_counted: every counted status, not just booked."""
    same_patient = ("INSERT INTO appointments (id, hospital_id, hospital, appointment_date, "
                    "appointment_time, status, patient_name, patient_phone, created_at) "
                    "VALUES (?, 'gomoti', 'G', '2026-11-26', '10:00', ?, 'n', ?, 't')")
    phone = appointment(1).patient_phone
    conn = repository._connection()
    conn.execute(same_patient, ("first", held, phone))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(same_patient, ("second", "booked", phone))
    conn.execute(same_patient, ("cancelled", "cancelled", phone))


def test_writer_waiting_past_the_timeout_gets_store_unavailable(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3", busy_timeout=0.3)
    holder = os.open(tmp_path / "db.sqlite3.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process holding the write gate
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        writes.book(repo, SLOT, appointment(1), "h")
    assert time.monotonic() - started < 2
    os.close(holder)
    assert repo.slot_count(SLOT.key) == 0


def test_ready_gives_up_after_a_second_whatever_the_store_timeout(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3", busy_timeout=4)
    holder = os.open(tmp_path / "db.sqlite3.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process holding the write gate
    started = time.monotonic()
    with pytest.raises(StoreNotReady) as not_ready:
        repo.ready()
    assert time.monotonic() - started < 3
    assert not_ready.value.extra == {
        "reason": "cannot take a write now: write gate not free within 1 s"}
    os.close(holder)


def test_a_writer_waiting_for_a_lock_held_outside_the_gate_stops_at_its_timeout(tmp_path):
    """A backup or a shell holds SQLite's own lock: the busy wait gets what is left of the
    writer's time (a thread releases the lock after 4 s, so nothing hangs either way)."""
    repo = SqliteRepository(tmp_path / "db.sqlite3", busy_timeout=0.3)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(4, other.execute, ("ROLLBACK",))
    release.start()
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailable):
            writes.book(repo, SLOT, appointment(1), "h")
        assert time.monotonic() - started < 2.5
    finally:
        release.cancel()
        release.join()
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def test_two_writers_of_a_process_queue_a_third_hears_503_at_once_when_they_are_stuck(
        tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3", busy_timeout=3)
    holder = os.open(tmp_path / "db.sqlite3.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process holding the write gate
    try:
        queued = [threading.Thread(target=writes.book, args=(repo, SLOT, appointment(n), "h"))
                  for n in (1, 2)]     # booked once the lock is released
        for thread in queued:
            thread.start()
        time.sleep(0.8)                  # both have waited past STUCK_S (0.5 s)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as third:
            writes.book(repo, SLOT, appointment(3), "h")
        assert time.monotonic() - started < 0.5
        assert str(third.value.__cause__) == ("2 writers of this process already wait for "
                                             "the store")
    finally:
        os.close(holder)
        for thread in queued:
            thread.join()


def test_store_that_cannot_be_opened_is_unavailable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreUnavailable):
        SqliteRepository(blocker / "db.sqlite3")


def test_day_counts_group_active_bookings_per_time(repository):
    booked = [appointment(n) for n in range(4)]
    for a in booked:
        writes.book(repository, SLOT, a, "h")
    other = Slot(**{**SLOT.__dict__, "time": "10:30"})
    writes.book(repository, other, appointment(9, other), "h")
    writes.cancel(repository, booked[0].id)
    assert repository.day_counts("gomoti", SLOT.date) == {"10:00": 3, "10:30": 1}


def test_init_store_command_is_idempotent(app, repository):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-store"])
        assert result.exit_code == 0
        assert "store ready" in result.output
    tables = {r[0] for r in repository._connection().execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"slots", "appointments", "idempotency_keys"} <= tables


def test_threads_whose_first_write_coincides_share_one_gate(tmp_path):
    """Regression: a lazily built gate once gave racing threads separate locks (503s)."""
    for trial in range(5):
        repo = SqliteRepository(tmp_path / f"db{trial}.sqlite3", busy_timeout=2)
        results = run_together(
            lambda n, repo=repo: writes.book(repo, SLOT, appointment(n), "h"), 12)
        assert sorted(r.serial for r in results) == list(range(1, 13))   # all booked, numbered
        assert repo.slot_count(SLOT.key) == 12


def test_a_worker_given_the_stores_identity_never_creates_a_file(tmp_path):
    path = tmp_path / "db.sqlite3"
    created = SqliteRepository(path)
    writes.book(created, SLOT, appointment(1), "h")
    path.unlink()
    worker = SqliteRepository(path, identity=created.identity)
    with pytest.raises(StoreUnavailable):
        writes.book(worker, SLOT, appointment(2), "h")
    with pytest.raises(StoreUnavailable):
        worker.slot_count(SLOT.key)
    assert not path.exists()


def test_writes_and_reads_stop_when_the_file_is_deleted_or_replaced(tmp_path):
    path = tmp_path / "db.sqlite3"
    repo = SqliteRepository(path)
    writes.book(repo, SLOT, appointment(1), "h")
    replacement = tmp_path / "other.sqlite3"
    SqliteRepository(replacement).close()
    os.replace(replacement, path)
    with pytest.raises(StoreUnavailable):
        writes.book(repo, SLOT, appointment(2), "h")
    with pytest.raises(StoreUnavailable):
        repo.day_counts(SLOT.hospital_id, SLOT.date)
    path.unlink()
    with pytest.raises(StoreUnavailable):
        writes.book(repo, SLOT, appointment(3), "h")


def test_a_store_from_before_overrides_and_closures_gains_their_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE slots (hospital_id TEXT NOT NULL, date TEXT NOT NULL, "
                     "time TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0, "
                     "PRIMARY KEY (hospital_id, date, time)) WITHOUT ROWID")
        conn.execute("INSERT INTO slots VALUES ('gomoti', '2026-11-26', '10:00', 7)")
    repo = SqliteRepository(path)
    writes.book(repo, SLOT, appointment(1), "hash")
    assert repo.slot_count(SLOT.key) == 1
    SqliteRepository(path).close()          # preparing again changes nothing
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version, capacity, closed FROM slots").fetchall() == [
            (8, None, None)]


def test_each_thread_keeps_one_connection_and_a_forked_process_opens_its_own(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3")
    assert_one_connection_per_thread_and_process(repo._connection)   # gunicorn's workers


def test_the_store_is_made_in_a_directory_created_as_needed(tmp_path):
    repo = SqliteRepository(tmp_path / "var" / "data" / "db.sqlite3")
    writes.book(repo, SLOT, appointment(1), "h")
    assert repo.slot_count(SLOT.key) == 1


def test_the_stores_lock_files_are_readable_by_its_owner_only(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3")
    writes.book(repo, SLOT, appointment(1), "h")
    modes = {name: stat.S_IMODE(os.stat(tmp_path / name).st_mode)
             for name in ("db.sqlite3.lock", "db.sqlite3.in-use")}
    assert modes == {"db.sqlite3.lock": 0o600, "db.sqlite3.in-use": 0o600}


def test_the_start_up_write_check_passes_on_a_fresh_store_and_makes_the_gates_lock_file(
        tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3")
    repo.check_writable()
    assert stat.S_IMODE(os.stat(tmp_path / "db.sqlite3.lock").st_mode) == 0o600
    assert not repo._connection().in_transaction


def test_close_closes_this_threads_connection_and_the_next_use_opens_another(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3")
    first = repo._connection()
    repo.close()
    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")
    assert repo._connection() is not first
    assert repo.slot_count(SLOT.key) == 0


def test_a_locked_store_fails_the_start_up_write_check_within_the_timeout(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3", busy_timeout=0.3)
    with closing(sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")        # e.g. a shell holding the write lock
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            repo.check_writable()
        assert time.monotonic() - started < 3    # SQLite's own default would wait 5 s


def test_the_servers_master_pins_the_store_for_its_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("SQLITE_STORE_ID", "")         # restored after the test
    path = tmp_path / "booking.sqlite3"
    pin_store(Settings.from_env(env={"MONGODB_URI": "mongodb://db/"}, sqlite_path=path))
    assert (os.environ["SQLITE_STORE_ID"], path.exists()) == ("", False)   # MongoDB: nothing
    pin_store(Settings.from_env(env={}, sqlite_path=path))
    assert os.environ["SQLITE_STORE_ID"] == file_identity(path)
    handed_down = {"SQLITE_STORE_ID": os.environ["SQLITE_STORE_ID"]}
    worker = open_repository(Settings.from_env(env=handed_down, sqlite_path=path), Hospitals([]))
    writes.book(worker, SLOT, appointment(1), "h")
    path.unlink()
    respawned = open_repository(Settings.from_env(env=handed_down, sqlite_path=path),
                                Hospitals([]))
    for each in (worker, respawned):
        with pytest.raises(StoreUnavailable):
            writes.book(each, SLOT, appointment(2), "h")
    assert not path.exists()


def test_a_reference_given_before_is_refused_as_taken_and_nothing_is_stored(tmp_path):
    repo = SqliteRepository(tmp_path / "db.sqlite3")
    first = replace(appointment(1), reference="K7QM3XD2")
    writes.book(repo, SLOT, first, "h")
    with pytest.raises(ReferenceTaken):
        writes.book(repo, SLOT, replace(appointment(2), reference="K7QM3XD2"), "h")
    assert repo.slot_count(SLOT.key) == 1
    assert writes.book(repo, SLOT, appointment(3), "h").serial == 2     # none given away
