"""The SQLite store as files: its slot rows as check-store reads them, online backups, restores
refused while another process has the store open."""

import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from app.domain.errors import StoreUnavailable
from app.service import writes
from app.storage.base import BackupUnusable, StoreInUse
from app.storage.sqlite import SqliteRepository
from app.storage.sqlite.repository import _ensure_in_place
from app.storage.sqlite.schema_check import StoreSchemaMismatch
from app.telemetry.logs import store_failure_cause
from app.wiring import booking_service
from tests.support.engines import SqliteStore
from tests.support.sqlite_slot import SLOT, appointment

HOLD_SCRIPT = """
import sys, time
from app.storage.sqlite import SqliteRepository
from app.telemetry.logs import store_failure_cause
repository = SqliteRepository(sys.argv[1])
repository.get("any")      # joins the store's users
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def store(tmp_path) -> SqliteStore:
    return SqliteStore(tmp_path / "booking.sqlite3")


@pytest.fixture
def repository(store):
    repo = SqliteRepository(store.path)
    yield repo
    repo.close()


def book(repository, *numbers: int) -> None:
    for n in numbers:
        writes.book(repository, SLOT, appointment(n), "hash")


def test_rows_written_outside_the_transaction_are_unrecorded_bookings_are_not(repository, store):
    book(repository, 1, 2)
    store.write_legacy("gomoti", "Gomoti Hospital", SLOT.date, SLOT.time, 3)
    [census] = repository.slot_census()
    assert (census.counted, census.unrecorded) == (5, 3)


def test_a_backup_holds_every_booking_and_is_a_plain_file(repository, tmp_path):
    book(repository, *range(5))
    info = repository.backup_to(tmp_path / "backups" / "b.sqlite3")
    assert (info.appointments, info.path) == (5, tmp_path / "backups" / "b.sqlite3")
    assert sorted(p.name for p in info.path.parent.iterdir()) == ["b.sqlite3"]
    with pytest.raises(FileExistsError):
        repository.backup_to(info.path)


def test_a_restore_puts_the_backup_in_place_and_keeps_the_previous_store(repository, tmp_path):
    book(repository, 1, 2)
    backup = repository.backup_to(tmp_path / "b.sqlite3").path
    book(repository, 3)
    repository.restore_from(backup, tmp_path / "previous.sqlite3")
    assert repository.slot_count(SLOT.key) == 2
    kept = SqliteRepository(tmp_path / "previous.sqlite3")
    assert kept.slot_count(SLOT.key) == 3
    kept.close()


def test_a_restore_is_refused_while_another_process_has_the_store_open(repository, store,
                                                                       tmp_path):
    book(repository, 1)
    backup = repository.backup_to(tmp_path / "b.sqlite3").path
    book(repository, 2)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SCRIPT, str(store.path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreInUse, match="open in another process"):
            repository.restore_from(backup, tmp_path / "previous.sqlite3")
        assert repository.slot_count(SLOT.key) == 2           # nothing changed
    finally:
        holder.communicate("", timeout=30)
    # Control: the same restore once the other process is gone.
    repository.restore_from(backup, tmp_path / "previous.sqlite3")
    assert repository.slot_count(SLOT.key) == 1


def test_a_process_opening_the_store_during_a_restore_gets_store_unavailable(store):
    restoring = SqliteRepository(store.path)
    restoring.close()
    with restoring._users.alone(), pytest.raises(StoreUnavailable) as refused:
        SqliteRepository(store.path)
    # What the 503's log line says (app.api.errors logs the cause of every 503).
    assert store_failure_cause(refused.value) == {
        "cause": "builtins.TimeoutError", "cause_message": "a restore holds the store"}


@pytest.mark.parametrize("content", [b"not a database at all" * 100, b""])
def test_a_file_that_is_no_sound_backup_is_refused_and_nothing_changes(repository, tmp_path,
                                                                         content):
    book(repository, 1)
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    with pytest.raises(BackupUnusable):
        repository.restore_from(bad, tmp_path / "previous.sqlite3")
    assert repository.slot_count(SLOT.key) == 1
    assert not (tmp_path / "previous.sqlite3").exists()


def test_a_database_that_is_not_a_booking_store_is_refused(repository, tmp_path):
    other = SqliteRepository(tmp_path / "other.sqlite3")
    other.close()
    with sqlite3.connect(tmp_path / "other.sqlite3") as conn:
        conn.execute("DROP TABLE slots")
    with pytest.raises(BackupUnusable, match="not a booking store"):
        repository.restore_from(tmp_path / "other.sqlite3", tmp_path / "previous.sqlite3")


def test_restore_store_without_yes_asks_and_a_no_changes_nothing(app, tmp_path):
    with app.app_context():
        backup = booking_service().backup_store(tmp_path / "b.sqlite3").path
    runner = app.test_cli_runner()
    for answer in ("n\n", ""):          # a "no", and no terminal at all (cron)
        result = runner.invoke(args=["restore-store", str(backup), "--dir", str(tmp_path)],
                               input=answer)
        assert result.exit_code == 2, result.output
        assert "restore not confirmed" in result.output
    assert not list(tmp_path.glob("pre-restore-*"))


def edit(path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def damaged(path) -> None:
    """A store SQLite's integrity check fails: an index that no longer matches its rows."""
    edit(path, "PRAGMA writable_schema = ON",
         "UPDATE sqlite_master SET sql = 'CREATE INDEX appointments_by_slot "
         "ON appointments (patient_phone)' WHERE name = 'appointments_by_slot'")


def booked_store(path, *statements: str) -> None:
    """A store holding one booking, then edited outside the app by `statements`."""
    other = SqliteRepository(path)
    book(other, 1)
    other.close()
    edit(path, *statements)


def damaged_store(path) -> None:
    booked_store(path)
    damaged(path)


def with_a_trigger(path) -> None:
    """A sound booking store that carries an object the app never makes."""
    booked_store(path, "CREATE TRIGGER eat AFTER INSERT ON appointments "
                       "BEGIN DELETE FROM appointments WHERE id = NEW.id; END")


def with_a_date_no_one_can_read(path) -> None:
    booked_store(path, "UPDATE appointments SET appointment_date = 'someday'")


def test_backup_store_then_restore_store_from_the_cli(app, repository, tmp_path):
    book(repository, 1, 2)
    runner = app.test_cli_runner()
    target = tmp_path / "nightly" / "2026" / "b.sqlite3"      # directories made as needed
    written = runner.invoke(args=["backup-store", str(target)])
    assert (written.exit_code, written.output) == (0, (
        f"backup written: {target} (2 appointments, {target.stat().st_size // 1024} KiB, "
        "integrity ok)\n"))
    again = runner.invoke(args=["backup-store", str(target)])
    assert (again.exit_code, again.output) == (
        2, f"error: {target} exists: choose another name\n")
    book(repository, 3)
    restored = runner.invoke(args=["restore-store", str(target), "--yes", "--dir",
                                   str(tmp_path)])
    [previous] = tmp_path.glob("pre-restore-*.sqlite3")
    assert (restored.exit_code, restored.output) == (0, (
        f"restored {target} (the previous store is saved as {previous})\n"
        "check-store: OK - 1 slots, 2 seats taken, nothing out of line\n"))
    assert repository.slot_count(SLOT.key) == 2


def test_a_backup_clears_what_a_crashed_backup_left_under_its_temporary_name(repository,
                                                                           tmp_path):
    (tmp_path / "b.sqlite3.partial").write_bytes(b"cut short by a crash")
    repository.backup_to(tmp_path / "b.sqlite3")
    assert sorted(p.name for p in tmp_path.glob("b.sqlite3*")) == ["b.sqlite3"]


def test_a_restore_clears_what_a_crashed_restore_left_beside_the_store(repository, store,
                                                                      tmp_path):
    """A restore cut short leaves its scratch copy `<store>.restoring` (README) and the kept
    `<store>.replaced`: the next restore starts by removing both, and leaves neither."""
    book(repository, 1)
    backup = repository.backup_to(tmp_path / "backups" / "b.sqlite3").path
    left = [store.path.with_name(store.path.name + side)
            for side in (".restoring", ".restoring-journal", ".replaced")]
    for path in left:
        path.write_bytes(b"cut short by a crash")
    repository.restore_from(backup, tmp_path / "backups" / "previous.sqlite3")
    assert repository.slot_count(SLOT.key) == 1
    assert [path for path in left if path.exists()] == []


def test_a_backup_of_a_damaged_store_is_refused_and_writes_nothing(app, repository, store,
                                                                   tmp_path):
    book(repository, 1, 2)
    damaged(store.path)
    target = tmp_path / "b.sqlite3"
    refused = app.test_cli_runner().invoke(args=["backup-store", str(target)])
    assert refused.exit_code == 2
    assert refused.output == (f"error: {target}.partial fails SQLite's integrity check: "
                              "row 1 missing from index appointments_by_slot\n")
    assert not list(tmp_path.glob("b.sqlite3*"))


@pytest.mark.parametrize("make, why", [
    (lambda path: None, "no backup file at {path}"),
    (lambda path: path.write_bytes(b"x" * 4096),
     "{path} is not a SQLite database: file is not a database"),
    (damaged_store,
     "{path} fails SQLite's integrity check: row 1 missing from index appointments_by_slot"),
    (with_a_date_no_one_can_read,
     "{path} cannot be opened as the store: Invalid isoformat string: 'someday'"),
    (with_a_trigger,
     "{path} does not have the app's schema: trigger eat is not part of the app's schema"),
])
def test_restore_store_refuses_an_unusable_backup_saying_why(app, repository, tmp_path, make,
                                                           why):
    book(repository, 1)
    backup = tmp_path / "unusable.sqlite3"
    make(backup)
    refused = app.test_cli_runner().invoke(args=["restore-store", str(backup), "--yes",
                                                 "--dir", str(tmp_path)])
    assert (refused.exit_code, refused.output) == (2, f"error: {why.format(path=backup)}\n")
    assert repository.slot_count(SLOT.key) == 1
    assert not list(tmp_path.glob("pre-restore-*"))


def test_a_failure_after_the_swap_puts_the_previous_store_back(app, repository, tmp_path,
                                                                monkeypatch):
    """The restored file fails its check after the rename (here: a disk error planted in that
    check): the previous file is renamed back, the pre-restore copy removed, exit 2."""
    book(repository, 1, 2)
    backup = repository.backup_to(tmp_path / "b.sqlite3").path
    book(repository, 3)

    def disk_error(path, appointments):
        raise OSError(f"the restored store {path} could not be read: I/O error")

    monkeypatch.setattr("app.storage.sqlite.repository._ensure_in_place", disk_error)
    args = ["restore-store", str(backup), "--yes", "--dir", str(tmp_path / "saved")]
    failed = app.test_cli_runner().invoke(args=args)
    assert failed.exit_code == 2
    assert "could not be read: I/O error" in failed.output
    assert repository.slot_count(SLOT.key) == 3                 # the previous store, back
    assert not list((tmp_path / "saved").glob("*"))
    assert not list(repository._path.parent.glob("*.re*"))       # .restoring, .replaced
    monkeypatch.undo()                                          # control: the same restore
    restored = app.test_cli_runner().invoke(args=args)
    assert restored.exit_code == 0, restored.output
    assert repository.slot_count(SLOT.key) == 2


def test_a_reader_outside_the_app_holding_the_store_refuses_the_swap(app, repository, tmp_path,
                                                                       store):
    """A sqlite3 shell reading the store shares its -wal/-shm by name: renaming another file
    under it would mix the two, so the restore is refused and nothing changes."""
    book(repository, 1)
    backup = repository.backup_to(tmp_path / "b.sqlite3").path
    book(repository, 2)
    with closing(sqlite3.connect(store.path)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM appointments").fetchone()
        refused = app.test_cli_runner().invoke(args=["restore-store", str(backup), "--yes",
                                                     "--dir", str(tmp_path / "saved")])
        reader.execute("COMMIT")
    assert refused.exit_code == 2 and "is open in another process" in refused.output
    assert repository.slot_count(SLOT.key) == 2
    assert not list((tmp_path / "saved").glob("*"))


def test_the_check_after_the_swap_names_the_restored_file_and_what_it_lacks(tmp_path):
    """What restore-store prints should the renamed file not be the vetted copy."""
    restored = tmp_path / "booking.sqlite3"
    booked_store(restored)
    _ensure_in_place(restored, 1)                       # control: the file that was vetted
    with pytest.raises(OSError, match="^the restored store holds 1 appointments, the backup 2$"):
        _ensure_in_place(restored, 2)
    edit(restored, "DROP INDEX appointments_by_slot")
    with pytest.raises(StoreSchemaMismatch, match=f"^the restored store {restored} does not "):
        _ensure_in_place(restored, 1)
