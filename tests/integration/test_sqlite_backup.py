"""The SQLite store as files: its slot rows as check-store reads them, online backups, restores
refused while another process has the store open."""

import sqlite3
import subprocess
import sys

import pytest

from app.domain.errors import StoreUnavailable
from app.storage.base import BackupUnusable, StoreInUse
from app.storage.sqlite import SqliteRepository
from app.wiring import booking_service
from tests.integration.test_sqlite_repository import SLOT, appointment
from tests.support.engines import SqliteStore

HOLD_SCRIPT = """
import sys, time
from app.storage.sqlite import SqliteRepository
repository = SqliteRepository(sys.argv[1])
repository.ping()
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
        repository.book(SLOT, appointment(n), "hash")


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
    with restoring._users.alone(), pytest.raises(StoreUnavailable):
        SqliteRepository(store.path)


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
