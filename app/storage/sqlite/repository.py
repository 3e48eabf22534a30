"""Embedded SQLite engine: WAL, one connection per thread, writers queued before BEGIN IMMEDIATE.

Storage only: its unit of work is one write transaction over a SqliteStore, the write gate then
BEGIN IMMEDIATE, which already serializes every writer; the use cases (app.service.writes) write
the slot row first anyway, the sequence the MongoDB design needs to serialize bookers.
"""

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from pathlib import Path

from app.domain.errors import DuplicateBooking, ReferenceTaken, StoreNotReady, StoreUnavailable
from app.domain.model import SlotCensus, SlotKey, StoredPhone
from app.storage.base import BackupUnusable, Repository, WholeStore
from app.storage.sqlite import files as sqlite_files
from app.storage.sqlite.files import StoreFileChanged, StoreUsers, ensure_same_file, file_identity
from app.storage.sqlite.gate import WriteGate, bound_busy_wait
from app.storage.sqlite.schema import CENSUS, SAME_PATIENT, STORE_SCHEMA
from app.storage.sqlite.schema_check import StoreSchemaMismatch
from app.storage.sqlite.store import SqliteStore

READY_S = 1.0


class SqliteRepository(Repository, WholeStore):
    """The store at `path`. Given the `identity` of the file the server's master created
    (gunicorn.conf.py), a worker never creates one: it serves that file or answers 503.
    Without one (CLI, tests), the store is created here and this file's identity pinned."""

    def __init__(self, path: Path, busy_timeout: float = 5.0, identity: str | None = None):
        self._path = Path(path)
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._users = StoreUsers(self._path.with_name(self._path.name + ".in-use"))
        self.identity = identity
        self._unusable: StoreSchemaMismatch | None = None
        if identity is None:
            try:
                self.prepare()
            except StoreSchemaMismatch as exc:    # said by every use (check-store: one line)
                self._unusable = exc
        self._gate = WriteGate(self._path.with_name(self._path.name + ".lock"), busy_timeout)

    # -- connections and transactions -------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            self.ensure_usable()
            self._users.join()
            conn = self._open(create=False)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _open(self, create: bool) -> sqlite3.Connection:
        """A connection to the pinned file; only prepare() may create one (mode=rwc)."""
        if not create:
            ensure_same_file(self._path, self.identity)
        uri = f"{self._path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
        conn = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout,
                               isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _same_file(self) -> None:
        """One stat(2): refuse (503) when the path no longer names the file opened."""
        ensure_same_file(self._path, self.identity)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that rolls back unless its block completes."""
        with self._gate.hold() as deadline, store_errors():
            conn = self._connection()
            bound_busy_wait(conn, deadline)
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._same_file()   # under the write lock, just before the writes
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:   # also after a failed COMMIT, which stays open
                    conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: tuple) -> list[tuple]:
        return self.read(lambda store: store.rows(sql, params))

    def ready(self) -> None:
        """A booking could be stored now: the pinned file is in place and a rolled-back write
        that reaches the disk succeeds within READY_S (sqlite_files.probe_write)."""
        try:
            self._same_file()
        except StoreFileChanged as exc:
            raise StoreNotReady(str(exc)) from exc
        try:
            with self._gate.hold(READY_S) as deadline, store_errors():
                self._users.join()
                with closing(self._open(create=False)) as conn:
                    bound_busy_wait(conn, deadline)
                    sqlite_files.probe_write(conn)
        except StoreUnavailable as exc:
            raise StoreNotReady(f"cannot take a write now: {exc.__cause__}") from exc.__cause__

    def prepare(self) -> None:
        """Create the file (if missing) and its tables, and pin this file as the store;
        StoreSchemaMismatch, before writing anything, for a database laid out otherwise."""
        with store_errors():
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._users.join()
            with closing(self._open(create=True)) as conn:
                self.identity = file_identity(self._path)
                STORE_SCHEMA.upgrade(conn, f"the store {self._path}")
            self._unusable = None

    def ensure_usable(self) -> None:
        """Raise StoreSchemaMismatch when the store found at start is not the app's."""
        if self._unusable is not None:
            raise self._unusable

    # -- the whole store: check, backup, restore ---------------------------------------------

    def slot_census(self):
        with store_errors():
            conn = self._connection()
            conn.execute("BEGIN")       # one read transaction: one snapshot for both queries
            try:
                slots = conn.execute(CENSUS).fetchall()
                same_patient = conn.execute(SAME_PATIENT).fetchall()
            finally:
                conn.execute("COMMIT")
        return census_of(slots, same_patient)

    def backup_to(self, target):
        with store_errors():
            source = self._connection()
        return sqlite_files.backup(source, Path(target))

    def restore_from(self, backup, previous, check=None):
        """Vet a scratch copy of `backup` (integrity, the app's schema, `check`), then rename
        it over the store; a failure after the rename puts the previous file back."""
        backup, scratch = Path(backup), sqlite_files.scratch_path(self._path)
        try:
            appointments = sqlite_files.stage(backup, scratch)
            report = self._vetted(scratch, backup, check)
            self.close()
            with self._users.alone():
                sqlite_files.swap_in(scratch, self._path, Path(previous),
                                     lambda: _ensure_in_place(self._path, appointments))
        finally:
            sqlite_files.remove_with_side_files(scratch)
        self.identity, self._unusable = file_identity(self._path), None
        return report

    def _vetted(self, scratch: Path, backup: Path, check):
        """`check`'s report on the candidate, opened as the server would open it (upgraded
        from an older release where needed); BackupUnusable for anything it cannot pass."""
        try:
            with closing(SqliteRepository(scratch, self._busy_timeout)) as candidate:
                candidate.ensure_usable()
                report = check(candidate) if check else None
        except StoreSchemaMismatch as exc:
            raise BackupUnusable(f"{backup} does not have the app's schema: "
                                 f"{exc.difference}") from exc
        except Exception as exc:        # any failure here leaves the store untouched
            cause = exc.__cause__ or exc
            raise BackupUnusable(f"{backup} cannot be opened as the store: {cause}") from exc
        sqlite_files.settle(scratch)
        return report

    def check_writable(self) -> None:
        """A write that changes nothing: a read-only file or directory fails here, not later.

        Run by gunicorn's master before it forks, so it bypasses the gate (and its metrics).
        """
        with store_errors():
            self._gate.check_openable()
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("UPDATE slots SET version = version WHERE 0")
            finally:
                conn.execute("ROLLBACK")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._users.leave()

    # -- units of work and reads ------------------------------------------------------------

    def run(self, work):
        with self._write() as conn:
            return work(SqliteStore(conn))

    def read(self, work):
        with store_errors():
            self._same_file()
            return work(SqliteStore(self._connection()))

    # -- phone normalization -----------------------------------------------------------------

    def phone_batches(self, size):
        after = ""
        while rows := self._read("SELECT id, hospital_id, patient_phone FROM appointments "
                                 "WHERE id > ? ORDER BY id LIMIT ?", (after, size)):
            yield [StoredPhone(*row) for row in rows]
            after = rows[-1][0]

    def set_phones(self, phones):
        kept = []
        with self._write() as conn:
            for appointment_id, phone in phones.items():
                try:
                    conn.execute("UPDATE appointments SET patient_phone = ? WHERE id = ?",
                                 (phone, appointment_id))
                except sqlite3.IntegrityError:   # the slot's one-patient index: left as is
                    kept.append(appointment_id)
        return kept


def _ensure_in_place(path: Path, appointments: int) -> None:
    """After the swap: the file at `path` has the app's schema and the backup's bookings."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        STORE_SCHEMA.ensure(conn, f"the restored store {path}")
        found = conn.execute("SELECT count(*) FROM appointments").fetchone()[0]
    if found != appointments:
        raise OSError(f"the restored store holds {found} appointments, the backup {appointments}")


def census_of(slots: list[tuple], same_patient: list[tuple]) -> list[SlotCensus]:
    shared: dict[tuple, list[tuple[str, ...]]] = {}
    for hospital_id, day, time_, ids in same_patient:
        shared.setdefault((hospital_id, day, time_), []).append(tuple(sorted(ids.split(" "))))
    return [SlotCensus(SlotKey(hospital_id, date.fromisoformat(day), time_), name, counted,
                       tuple(sorted(shared.get((hospital_id, day, time_), []))),
                       max(0, stored - writes))
            for hospital_id, day, time_, name, counted, stored, writes in slots]


@contextmanager
def store_errors() -> Iterator[None]:
    """Storage failures the caller can retry become StoreUnavailable (503), never a 500."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "appointments.reference" in str(exc):
            raise ReferenceTaken() from exc
        if "appointments_one_per_patient" in str(exc) or "patient_phone" in str(exc):
            raise DuplicateBooking() from exc
        raise StoreUnavailable() from exc
    except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
        raise StoreUnavailable() from exc
