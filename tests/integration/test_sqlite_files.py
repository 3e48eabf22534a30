"""The SQLite store's files (app.storage.sqlite.files) below the repository: what a readiness
probe writes, what `settle` and the clean-ups leave on the disk, what a refused swap keeps."""

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from app.storage.base import BackupUnusable
from app.storage.sqlite import SCHEMA
from app.storage.sqlite.files import (
    PROBE_PAGES,
    StoreFileChanged,
    ensure_same_file,
    file_identity,
    probe_write,
    remove_with_side_files,
    settle,
    stage,
    swap_in,
)

SIDES = ("-wal", "-shm", "-journal", ".in-use", ".lock")


def booking_store(path: Path, journal_mode: str = "DELETE") -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executescript(SCHEMA)
        conn.execute(f"PRAGMA journal_mode={journal_mode}")
    return path


def beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def test_a_readiness_probe_spills_its_pages_to_the_disk_and_commits_nothing(tmp_path):
    """Only pages that reach the -wal file meet a full disk: the probe writes PROBE_PAGES
    pages, more than the one-page cache holds, so most of them spill, then rolls back."""
    path = booking_store(tmp_path / "s.sqlite3", "WAL")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        probe_write(conn)
        assert not conn.in_transaction
        assert os.path.getsize(beside(path, "-wal")) > PROBE_PAGES // 2 * size
        assert conn.execute("SELECT count(*) FROM idempotency_keys").fetchone()[0] == 0


def test_a_probe_that_cannot_grow_the_store_by_its_pages_fails_and_leaves_no_transaction(
        tmp_path):
    path = booking_store(tmp_path / "s.sqlite3", "WAL")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + PROBE_PAGES // 2}")   # a full disk
        with pytest.raises(sqlite3.OperationalError, match="full"):
            probe_write(conn)
        assert not conn.in_transaction
        conn.execute(f"PRAGMA max_page_count = {pages + 2 * PROBE_PAGES}")    # control
        probe_write(conn)


def test_a_replaced_file_is_told_apart_from_the_one_opened_naming_its_path(tmp_path):
    path = booking_store(tmp_path / "s.sqlite3")
    identity = file_identity(path)
    ensure_same_file(path, identity)                    # control: the same file passes
    os.replace(booking_store(tmp_path / "other.sqlite3"), path)
    with pytest.raises(StoreFileChanged) as changed:
        ensure_same_file(path, identity)
    assert str(changed.value) == f"the database file {path} was replaced"


def test_removing_a_store_removes_every_side_file_and_nothing_else(tmp_path):
    path = tmp_path / "s.sqlite3"
    for side in ("", *SIDES):
        beside(path, side).write_bytes(b"x")
    kept = [beside(path, ".restoring"), beside(path, ".replaced"), tmp_path / "other-wal"]
    for other in kept:
        other.write_bytes(b"x")
    remove_with_side_files(path)
    assert sorted(tmp_path.iterdir()) == sorted(kept)
    remove_with_side_files(path)                        # nothing left to remove: no error


def test_settle_leaves_one_file_in_rollback_journal_mode(tmp_path):
    path = booking_store(tmp_path / "s.sqlite3", "WAL")
    with closing(sqlite3.connect(path)) as writer:      # frames left in the -wal file
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("INSERT INTO idempotency_keys VALUES ('k', '', x'00', '', '')")
        writer.commit()
        assert beside(path, "-wal").exists()
    settle(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sqlite3"]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT count(*) FROM idempotency_keys").fetchone()[0] == 1


def test_settle_refuses_a_shared_memory_file_that_stays_naming_it(tmp_path):
    """SQLite leaves a -shm it did not open beside a rollback-journal file (a stray -wal it
    reads and deletes); a swap must not rename a file under someone else's -shm."""
    path = booking_store(tmp_path / "s.sqlite3")
    settle(path)                                        # control: nothing beside it
    beside(path, "-shm").write_bytes(b"left by someone else")
    with pytest.raises(OSError) as stayed:
        settle(path)
    assert str(stayed.value) == f"{beside(path, '-shm')} stayed after the last connection closed"


def test_a_store_that_cannot_be_saved_is_not_swapped_and_the_cause_propagates(tmp_path):
    """The save before the swap fails (here: the store holds no booking tables): no previous
    copy was made, the store and the scratch copy are untouched, and the error says why."""
    store = tmp_path / "s.sqlite3"
    with closing(sqlite3.connect(store)) as conn:
        conn.execute("CREATE TABLE unrelated (x)")
    scratch = booking_store(tmp_path / "s.sqlite3.restoring")
    previous = tmp_path / "saved" / "previous.sqlite3"
    with pytest.raises(BackupUnusable, match="is not a booking store"):
        swap_in(scratch, store, previous, verify=lambda: None)
    assert not previous.exists() and scratch.exists()
    with closing(sqlite3.connect(store)) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("unrelated",)]


def test_a_backup_that_cannot_be_staged_is_refused_naming_it(tmp_path):
    backup = booking_store(tmp_path / "b.sqlite3")
    scratch = tmp_path / "missing-directory" / "s.sqlite3.restoring"
    with pytest.raises(BackupUnusable) as refused:
        stage(backup, scratch)
    assert str(refused.value).startswith(f"{backup} cannot be read: ")


def test_a_backup_that_is_not_there_is_refused_naming_its_path(tmp_path):
    with pytest.raises(BackupUnusable) as refused:
        stage(tmp_path / "missing.sqlite3", tmp_path / "s.sqlite3.restoring")
    assert str(refused.value) == f"no backup file at {tmp_path / 'missing.sqlite3'}"
