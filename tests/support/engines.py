"""The storage engines the suites run on: SQLite and in-memory always, MongoDB when a replica
set is reachable (the in-memory one only in-process: e2e servers cannot share it).

An `Engine` hands out `Store`s: one fresh, isolated store (a SQLite file, or a MongoDB database
with a unique name) that gives a Repository for in-process tests, the environment for
`start_server`, and `write_legacy` to put appointments straight into the store the way the old
unguarded app did.

MongoDB comes from, in this order:
1. MONGODB_TEST_URI, a replica set (or a single-node one) you run; anything wrong with it fails
   the tests loudly rather than skipping them;
2. testcontainers, when a Docker engine answers: `mongo:7.0 --replSet rs0`, initiated as a
   single-node set through `mongosh` inside the container (MONGODB_TESTCONTAINERS=0 turns this
   off);
3. otherwise every Mongo variant is skipped with MONGO_SKIP_REASON, shown by `pytest -ra`.
"""

import functools
import os
import re
import sqlite3
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pymongo.errors import PyMongoError

from app.domain.model import Appointment
from app.storage.base import Repository
from tests.support.memory import MemoryRepository

MONGO_IMAGE = "mongo:7.0"
# Every hospital the suites book at: the shipped ones and the stateful test's clinic.
HOSPITAL_NAMES = {"gomoti": "Gomoti Hospital", "moon": "Moon Hospital",
                  "al-sefa": "Al-Sefa Hospital", "tiny": "Tiny Clinic"}
MONGO_SKIP_REASON = ("no MongoDB replica set: set MONGODB_TEST_URI="
                     "'mongodb://localhost:27017/?replicaSet=rs0&directConnection=true' "
                     "or run a Docker engine for testcontainers")
# SQLite's test stores answer in microseconds; a real replica set on a busy CI runner needs
# more than the 0.5 s the in-process tests give SQLite. The timeout path itself is proven
# against a scripted primary in tests/integration/test_mongo_wire.py.
MONGO_MIN_TIMEOUT_S = 5.0


class Store(ABC):
    """One isolated store of an engine."""

    #: Environment for harness.server.start_server.
    env: dict[str, str]

    @abstractmethod
    def repository(self, timeout: float) -> Repository:
        """A prepared Repository on this store (close it when done)."""

    @abstractmethod
    def write_legacy(self, hospital_id: str, hospital_name: str, day: date, time: str, n: int,
                     status: str = "booked", phones: list[str] | None = None) -> None:
        """`n` appointments written straight into the store, as the old unguarded app did
        (with `phones`, one appointment per phone)."""

    @abstractmethod
    def write_same_patient(self, hospital_id: str, hospital_name: str, day: date, time: str,
                           n: int) -> None:
        """`n` appointments of one patient in one slot, written around the store's guards
        (SQLite: as in a database from before its one-patient-per-slot index)."""

    @abstractmethod
    def token_hashes(self) -> list[str | None]:
        """Every stored appointment's token hash (to prove tokens are never stored)."""

    @abstractmethod
    def age_idempotency_keys(self, created_at: datetime) -> None:
        """Pretend every stored Idempotency-Key was created at `created_at`."""

    @abstractmethod
    def drop(self) -> None:
        """Remove the store."""


class Engine(ABC):
    name: str

    @abstractmethod
    def store(self, workdir: Path, label: str) -> Store:
        """A fresh store: a SQLite file in `workdir`, or a Mongo database named after `label`."""


# -- SQLite ------------------------------------------------------------------------------------

class SqliteStore(Store):
    def __init__(self, path: Path):
        self.path = path
        self.env = {"SQLITE_PATH": str(path)}

    def repository(self, timeout):
        from app.storage.sqlite import SqliteRepository

        return SqliteRepository(self.path, timeout)

    def write_legacy(self, hospital_id, hospital_name, day, time, n, status="booked",
                     phones=None):
        self._ensure_schema()
        with sqlite3.connect(self.path) as conn:
            _insert_legacy(conn, (hospital_id, hospital_name, day.isoformat(), time, status),
                           phones or map(_legacy_phone, range(n)))

    def write_same_patient(self, hospital_id, hospital_name, day, time, n):
        self._ensure_schema()
        with sqlite3.connect(self.path) as conn:
            conn.execute("DROP INDEX appointments_one_per_patient")
            _insert_legacy(conn, (hospital_id, hospital_name, day.isoformat(), time, "booked"),
                           [_legacy_phone(0)] * n)

    def token_hashes(self):
        with sqlite3.connect(self.path) as conn:
            return [row[0] for row in conn.execute("SELECT token_hash FROM appointments")]

    def age_idempotency_keys(self, created_at):
        with sqlite3.connect(self.path) as conn:
            conn.execute("UPDATE idempotency_keys SET created_at = ?", (created_at.isoformat(),))

    def drop(self):
        pass    # the file lives in the test's temporary directory

    def _ensure_schema(self) -> None:
        self.repository(5.0).close()     # prepare() is idempotent


class SqliteEngine(Engine):
    name = "sqlite"

    def store(self, workdir, label):
        return SqliteStore(Path(workdir) / "booking.sqlite3")


# -- in memory (in-process tests only: no server can share it) ---------------------------------

class MemoryStore(Store):
    def __init__(self):
        self._repository = MemoryRepository()

    def repository(self, timeout):
        return self._repository

    def write_legacy(self, hospital_id, hospital_name, day, time, n, status="booked",
                     phones=None):
        now = datetime.now(UTC)
        for phone in phones or map(_legacy_phone, range(n)):
            self._repository.add_appointment(Appointment(
                uuid.uuid4().hex, hospital_id, hospital_name, day, time, status, "Legacy", phone,
                None, None, None, now), None)

    def write_same_patient(self, hospital_id, hospital_name, day, time, n):
        self.write_legacy(hospital_id, hospital_name, day, time, n,
                          phones=[_legacy_phone(0)] * n)

    def token_hashes(self):
        return [token_hash for _, token_hash in self._repository.appointments.values()]

    def age_idempotency_keys(self, created_at):
        entries = self._repository.idempotency
        for key_hash, entry in entries.items():
            entries[key_hash] = replace(entry, created_at=created_at)

    def drop(self):
        pass


class MemoryEngine(Engine):
    name = "memory"

    def store(self, workdir, label):
        return MemoryStore()


# -- MongoDB -----------------------------------------------------------------------------------

class MongoStore(Store):
    def __init__(self, uri: str, client, db_name: str):
        self._uri = uri
        self._db = client[db_name]
        self.db_name = db_name
        self.env = {"MONGODB_URI": uri, "MONGODB_DB": db_name}

    def repository(self, timeout):
        from app.storage.mongo import MongoRepository

        return MongoRepository.connect(self._uri, self.db_name, max(timeout, MONGO_MIN_TIMEOUT_S),
                                       HOSPITAL_NAMES)

    def write_legacy(self, hospital_id, hospital_name, day, time, n, status="booked",
                     phones=None):
        # The old app's shape: ObjectId ids, the display name, `new Date('YYYY-MM-DD')` (UTC
        # midnight), no hospital_id, no token, no created_at.
        self._db.appointments.insert_many([
            {"hospital": hospital_name,
             "appointment_date": datetime(day.year, day.month, day.day, tzinfo=UTC),
             "appointment_time": time, "status": status, "patient_name": "Legacy",
             "patient_phone": phone} for phone in phones or map(_legacy_phone, range(n))])

    def write_same_patient(self, hospital_id, hospital_name, day, time, n):
        # The old app had no unique index; its documents are outside ours (no hospital_id).
        self.write_legacy(hospital_id, hospital_name, day, time, n,
                          phones=[_legacy_phone(0)] * n)

    def token_hashes(self):
        return [d.get("token_hash") for d in self._db.appointments.find({}, {"token_hash": 1})]

    def age_idempotency_keys(self, created_at):
        self._db.idempotency_keys.update_many({}, {"$set": {"created_at": created_at}})

    def drop(self):
        self._db.client.drop_database(self.db_name)


class MongoEngine(Engine):
    name = "mongo"

    def __init__(self, uri: str, source: str = "MONGODB_TEST_URI"):
        from pymongo import MongoClient

        self.uri, self.source = uri, source
        self.client = MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)

    def store(self, workdir, label):
        safe = re.sub(r"[^A-Za-z0-9_]", "_", label)[:40]
        return MongoStore(self.uri, self.client, f"t_{safe}_{uuid.uuid4().hex[:8]}")

    def check_replica_set(self) -> None:
        """Fail (never skip) when the configured server cannot run the booking transactions."""
        try:
            hello = self.client.admin.command("hello")
        except PyMongoError as exc:     # any failure here is a broken test setup
            pytest.fail(f"MongoDB from {self.source} does not answer: {type(exc).__name__}: "
                        f"{exc}", pytrace=False)
        if "setName" not in hello and hello.get("msg") != "isdbgrid":
            pytest.fail(f"MongoDB from {self.source} is a standalone server; the tests need a "
                        "replica set (scripts/init-replica-set.sh, MEMBERS=host:port for one "
                        "node)", pytrace=False)

    def close(self) -> None:
        self.client.close()


@contextmanager
def mongo_engine() -> Iterator[MongoEngine]:
    """The MongoDB engine for this test session, or a skip saying how to get one."""
    uri = os.environ.get("MONGODB_TEST_URI")
    if uri:
        engine = MongoEngine(uri)
        try:
            engine.check_replica_set()
            yield engine
        finally:
            engine.close()
        return
    with _replica_set_container() as container_uri:
        engine = MongoEngine(container_uri, source=f"testcontainers ({MONGO_IMAGE})")
        try:
            engine.check_replica_set()
            yield engine
        finally:
            engine.close()


@functools.cache
def mongo_unavailable() -> str | None:
    """Why no MongoDB replica set can be had in this session, or None (checked once)."""
    if os.environ.get("MONGODB_TEST_URI"):
        return None         # used as given; a broken one fails the tests, never skips them
    if os.environ.get("MONGODB_TESTCONTAINERS", "1") == "0":
        return f"{MONGO_SKIP_REASON} (MONGODB_TESTCONTAINERS=0)"
    problem = _docker_problem()
    return f"{MONGO_SKIP_REASON} ({problem})" if problem else None


def mongo_source() -> str:
    """Where this session's MongoDB comes from, for the report header."""
    if os.environ.get("MONGODB_TEST_URI"):
        return "MONGODB_TEST_URI"
    return f"testcontainers ({MONGO_IMAGE})"


@contextmanager
def _replica_set_container() -> Iterator[str]:
    """A single-node replica set in Docker via testcontainers; skips when there is no Docker."""
    reason = mongo_unavailable()
    if reason:
        pytest.skip(reason)
    from testcontainers.core.container import DockerContainer

    container = (DockerContainer(MONGO_IMAGE)
                 .with_command("--replSet rs0 --bind_ip_all")
                 .with_exposed_ports(27017))
    container.start()
    try:
        _initiate_single_node(container)
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        uri = f"mongodb://{host}:{port}/?replicaSet=rs0&directConnection=true"
        _wait_writable_primary(uri)
        yield uri
    finally:
        container.stop()


def _docker_problem() -> str | None:
    """Why testcontainers cannot be used here, or None when a Docker engine answers."""
    try:
        import docker
        import testcontainers  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed: pip install -e '.[test]'"
    try:
        client = docker.from_env(timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # docker raises many kinds of error when there is no engine
        return f"no Docker engine: {type(exc).__name__}"
    return None


INITIATE_JS = """
try { rs.status(); print("initiated"); }
catch (e) {
  if (e.codeName !== "NotYetInitialized") { throw e; }
  rs.initiate({_id: "rs0", members: [{_id: 0, host: "localhost:27017"}]});
  print("initiating");
}
"""


def _initiate_single_node(container, timeout: float = 60.0) -> None:
    """rs.initiate through the container's mongosh, retried until mongod accepts connections."""
    deadline = time.monotonic() + timeout
    while True:
        code, output = container.exec(["mongosh", "--quiet", "--norc", "--eval", INITIATE_JS])
        if code == 0:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"rs.initiate in {MONGO_IMAGE} failed: {output.decode(errors='replace')}",
                        pytrace=False)
        time.sleep(0.5)


def _wait_writable_primary(uri: str, timeout: float = 60.0) -> None:
    from pymongo import MongoClient

    deadline = time.monotonic() + timeout
    with MongoClient(uri, serverSelectionTimeoutMS=2000) as client:
        while time.monotonic() < deadline:
            if _is_writable_primary(client):
                return
            time.sleep(0.25)
    pytest.fail(f"the {MONGO_IMAGE} container has no writable PRIMARY after {timeout}s",
                pytrace=False)


def _is_writable_primary(client) -> bool:
    try:
        return bool(client.admin.command("hello").get("isWritablePrimary"))
    except PyMongoError:    # still electing
        return False


def _insert_legacy(conn: sqlite3.Connection, slot_and_status: tuple, phones) -> None:
    conn.executemany(
        "INSERT INTO appointments (id, hospital_id, hospital, appointment_date, "
        "appointment_time, status, patient_name, patient_phone, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'Legacy', ?, ?)",
        [(uuid.uuid4().hex, *slot_and_status, phone, datetime.now(UTC).isoformat())
         for phone in phones])


def _legacy_phone(i: int) -> str:
    return f"+8801999{i:06d}"
