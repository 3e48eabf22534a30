"""The SQLite store as files: which file it is, who has it open, consistent online backups,
and restores.

A live WAL database is never copied as a file (committed bookings may still sit in the -wal
file): both directions go through SQLite's online backup API, one step, i.e. one read
transaction on the source, so the copy is one consistent snapshot while bookings go on.
"""

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from app.domain.errors import StoreUnavailable
from app.storage.base import BackupInfo, BackupUnusable, StoreInUse

REQUIRED_TABLES = {"appointments", "slots"}


#: Pages a readiness probe writes: more than the probe connection's cache holds, so they spill.
PROBE_PAGES = 32


class StoreFileChanged(OSError):
    """The database file at the store's path is not the one this server opened."""


def file_identity(path: Path) -> str:
    """The file's device and inode, 'dev:ino' (FileNotFoundError when there is none)."""
    stat = os.stat(path)
    return f"{stat.st_dev}:{stat.st_ino}"


def ensure_same_file(path: Path, identity: str) -> None:
    """Raise StoreFileChanged unless `path` still names the file with `identity`.

    A deleted file stays writable through open descriptors, so without this check bookings
    would go on into a file nobody will ever open again. The inode cannot be reused for a
    new file meanwhile: our connections (and the server's master) hold the old one open.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise StoreFileChanged(f"the database file {path} was deleted") from None
    if f"{stat.st_dev}:{stat.st_ino}" != identity or stat.st_nlink < 1:
        raise StoreFileChanged(f"the database file {path} was replaced")


def probe_write(conn: sqlite3.Connection) -> None:
    """Write PROBE_PAGES pages into the store in a transaction, then roll it back.

    A rolled-back transaction that fits in SQLite's page cache never touches the disk (so
    BEGIN IMMEDIATE alone said "ready" on a full disk while every booking failed). With a
    one-page cache the pages spill to the store's -wal file before the rollback, so a full
    disk, a file this process may not write or a read-only medium fails here as a booking
    would. Nothing is committed; the spilled frames are overwritten by the next write.
    """
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA cache_size = 1")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO idempotency_keys VALUES ('ready-probe', '', zeroblob(?), '', '')",
                     (PROBE_PAGES * size,))
    finally:
        if conn.in_transaction:     # SQLITE_FULL has already rolled it back
            conn.execute("ROLLBACK")


class StoreUsers:
    """Every process using the store holds a shared flock on `<db>.in-use`; a restore takes it
    exclusively. So a restore is refused while a server has the store open, and a process that
    starts during a restore gets StoreUnavailable instead of half a store."""

    def __init__(self, lock_path: Path):
        self._lock_path = lock_path
        self._setup = threading.Lock()
        self._pid = None
        self._fd = -1

    def join(self) -> None:
        """Hold the shared lock in this process (cheap once held)."""
        if self._pid == os.getpid():
            return
        with self._setup:
            if self._pid == os.getpid():
                return
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise StoreUnavailable() from TimeoutError("a restore holds the store")
            self._fd, self._pid = fd, os.getpid()

    def leave(self) -> None:
        with self._setup:
            if self._pid == os.getpid():
                os.close(self._fd)      # releases this process's lock
            self._pid, self._fd = None, -1

    @contextmanager
    def alone(self) -> Iterator[None]:
        """The exclusive lock for the block, or StoreInUse when another process holds it."""
        self.leave()
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreInUse(
                    f"the store {self._lock_path.with_suffix('')} is open in another process "
                    "(a running server?): stop it first") from None
            yield
        finally:
            os.close(fd)


def backup(source: sqlite3.Connection, target: Path) -> BackupInfo:
    """A consistent copy of `source` at `target`, written under a temporary name first."""
    if target.exists():
        raise FileExistsError(f"{target} exists: choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as copy:
            _copy(source, copy)
            # A rollback-journal file: opening the backup later leaves no -wal/-shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            appointments = _verified(copy, partial)
        _fsync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(target, target.stat().st_size, appointments)


def _copy(source: sqlite3.Connection, copy: sqlite3.Connection) -> None:
    try:
        source.backup(copy)         # pages=-1: the whole store in one step
    except sqlite3.OperationalError as exc:     # e.g. the store stayed locked
        raise StoreUnavailable() from exc


def scratch_path(store_path: Path) -> Path:
    """Where a restore checks its candidate: beside the store, so the swap is one rename."""
    return store_path.with_name(store_path.name + ".restoring")


def stage(backup_path: Path, scratch: Path) -> int:
    """A copy of the backup at `scratch` once it passes SQLite's integrity check and holds the
    booking tables; its number of appointments (BackupUnusable otherwise)."""
    remove_with_side_files(scratch)
    with closing(_open_backup(backup_path)) as source:
        appointments = _verified(source, backup_path)
        try:
            with closing(sqlite3.connect(scratch)) as copy:
                _copy(source, copy)
        except sqlite3.DatabaseError as exc:
            raise BackupUnusable(f"{backup_path} cannot be read: {exc}") from exc
    return appointments


def settle(path: Path) -> None:
    """Leave the file as one file: rollback-journal mode, no -wal or -shm beside it."""
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError as exc:     # e.g. a sqlite3 shell reading it
        raise StoreInUse(f"{path} is open in another process ({exc}): close it first") \
            from exc
    for side in ("-wal", "-shm"):
        if _side(path, side).exists():
            raise OSError(f"{_side(path, side)} stayed after the last connection closed")
    _fsync(path)


def swap_in(scratch: Path, store_path: Path, previous: Path, verify: Callable[[], None]) -> None:
    """Save the store to `previous`, then rename `scratch` over it, all while the caller holds
    StoreUsers.alone(). Should `verify` (or anything after the save) fail, the previous file
    is back under the store's name, `previous` is deleted, and the error propagates."""
    kept = store_path.with_name(store_path.name + ".replaced")
    kept.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(store_path, isolation_level=None)) as current:
            backup(current, previous)
        settle(store_path)              # the old file's WAL folded in, no side files left
        os.link(store_path, kept)
        os.replace(scratch, store_path)
        _fsync(store_path.parent)
        verify()
    except BaseException:
        if kept.exists():
            os.replace(kept, store_path)
        previous.unlink(missing_ok=True)
        raise
    kept.unlink()


def remove_with_side_files(path: Path) -> None:
    for side in ("", "-wal", "-shm", "-journal", ".in-use", ".lock"):
        _side(path, side).unlink(missing_ok=True)


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _open_backup(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupUnusable(f"no backup file at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _verified(conn: sqlite3.Connection, path: Path) -> int:
    """The number of appointments, once the file passes SQLite's integrity check."""
    try:
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if status != "ok":
            raise BackupUnusable(f"{path} fails SQLite's integrity check: {status}")
        if not REQUIRED_TABLES.issubset(tables):
            raise BackupUnusable(f"{path} is not a booking store (tables: {sorted(tables)})")
        return conn.execute("SELECT count(*) FROM appointments").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupUnusable(f"{path} is not a SQLite database: {exc}") from exc


def _fsync(path: Path) -> None:
    """Flush a file, or a directory (after a rename in it), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
