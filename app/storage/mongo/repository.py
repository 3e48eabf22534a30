"""MongoDB engine for a replica set, compatible with the old app's `appointments` collection.

Storage only: its unit of work (a MongoStore) is one attempt of `with_transaction`'s
callback (snapshot reads, majority commit, primary). The use cases (app.service.writes) write
the slot's own document first, so concurrent writers of one slot hit WriteConflict and the
driver runs them again one after another; the callback has no effect outside the transaction.
Every attempt is bounded by `pymongo.timeout`; past it the caller gets 503.

The old app's documents name their hospital only by display name, so this engine alone turns
the domain's SlotKey (hospital id, date, time) into a "legacy slot" (display name, date, time)
through the `hospital_names` it is given; counts, filters and slot documents all use that.
"""


import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import pymongo
from pymongo import ASCENDING, MongoClient, ReadPreference
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from app.domain.errors import ConfigError, DuplicateBooking, StoreNotReady, StoreUnavailable
from app.storage.base import BackupUnsupported, Repository, WholeStore
from app.storage.mongo.client import (
    CREDENTIALS_MESSAGE,
    OPEN_SERVER_MESSAGE,
    PROBE_DELETE,
    REFUSALS,
    STANDALONE_MESSAGE,
    is_standalone,
    without_credentials,
)
from app.storage.mongo.documents import (
    CENSUS,
    PHONE_FIELDS,
    SAME_PATIENT,
    by_id,
    census_of,
    duplicate_error,
    slot_parts,
    stored_phone,
)
from app.storage.mongo.indexes import UNAUTHORIZED, create_indexes
from app.storage.mongo.store import MongoStore
from app.telemetry.metrics import record_store_retry, record_store_wait

log = logging.getLogger(__name__)

# Passed per transaction: collection and database concerns are ignored inside transactions.
#: How long /api/ready waits for a primary: a probe answers fast, or says "not ready".
READY_S = 1.0
TRANSACTION = {"read_concern": ReadConcern("snapshot"),
               "write_concern": WriteConcern("majority"),
               "read_preference": ReadPreference.PRIMARY}


# check-store reads the whole store: an admin command may take longer than a request.
CENSUS_TIMEOUT_S = 300.0


MONGO_BACKUP_MESSAGE = (
    "MongoDB is backed up with scripts/backup-mongo.sh (mongodump --oplog) and restored with "
    "scripts/restore-mongo.sh, then `flask --app app check-store` (README, 'Production "
    "checklist')")


class MongoRepository(Repository, WholeStore):
    def __init__(self, client_factory: Callable[[], MongoClient], db_name: str,
                 timeout: float = 5.0, *, hospital_names: Mapping[str, str],
                 anonymous_factory: Callable[[], MongoClient] | None = None):
        """`hospital_names` maps hospital ids to display names; `anonymous_factory`, when
        given, makes a client without credentials: prepare() then refuses a server that lets
        it write (production mode)."""
        self._client_factory = client_factory
        self._names = dict(hospital_names)
        self._anonymous_factory = anonymous_factory
        self._db_name = db_name
        self._timeout = timeout
        self._pid = None
        self._client_lock = threading.Lock()
        self._prepared = False

    @classmethod
    def connect(cls, uri: str, db_name: str, timeout: float, hospital_names: Mapping[str, str],
                password: str | None = None, require_auth: bool = False) -> "MongoRepository":
        """A repository for `uri`; refuses a standalone server, wrong credentials and (with
        `require_auth`) a server open to anonymous writes; tolerates an unreachable one.

        `hospital_names` maps each hospital id to the display name the old app's documents carry.
        """
        options = {"appname": "hospital-booking", "tz_aware": True,
                   "serverSelectionTimeoutMS": int(timeout * 1000)}

        def client() -> MongoClient:
            return MongoClient(uri, **({"password": password} if password else {}), **options)

        def anonymous() -> MongoClient:
            return MongoClient(without_credentials(uri), **options)

        repository = cls(client, db_name, timeout, hospital_names=hospital_names,
                         anonymous_factory=anonymous if require_auth else None)
        try:
            repository.prepare()
        except StoreUnavailable:
            log.warning("MongoDB unreachable at start-up; answering 503 until it answers")
        return repository

    # -- client, preparation and transactions ------------------------------------------------

    @property
    def db(self):
        # pymongo clients are not fork-safe: one per process, made after gunicorn forks. The
        # lock keeps threads that arrive together from each making (and leaking) a client.
        if self._pid != os.getpid():
            with self._client_lock:
                if self._pid != os.getpid():
                    self._client = self._client_factory()
                    self._pid = os.getpid()
        return self._client[self._db_name]

    def prepare(self) -> None:
        """Check the server can run transactions and create indexes (idempotent)."""
        try:
            with self._bounded():
                if is_standalone(self.db.client.admin.command("hello")):
                    raise ConfigError(STANDALONE_MESSAGE)
                if self._anonymous_factory is not None:
                    self._refuse_anonymous_writes()
                create_indexes(self.db)
        except StoreUnavailable as exc:
            # Waiting will not cure a refusal (credentials, a clashing index): stop start-up.
            cause = exc.__cause__
            if isinstance(cause, OperationFailure) and cause.code == 18:
                raise ConfigError(CREDENTIALS_MESSAGE) from cause
            if isinstance(cause, OperationFailure) and cause.code in REFUSALS:
                raise ConfigError(f"MongoDB refused to prepare the store: {REFUSALS[cause.code]}"
                                  f" ({cause.code})") from cause
            raise
        self._prepared = True

    def _refuse_anonymous_writes(self) -> None:
        """Only Unauthorized (13) is the right answer to a write sent without credentials."""
        with self._anonymous_factory() as anonymous:
            try:
                anonymous[self._db_name].command("delete", "slots", deletes=PROBE_DELETE)
            except OperationFailure as exc:
                if exc.code == UNAUTHORIZED:
                    return
                raise
        raise ConfigError(OPEN_SERVER_MESSAGE)

    def _prepare_late(self) -> None:
        """prepare() for a server that was down at start-up; a refusal now is a 503, logged."""
        try:
            self.prepare()
        except ConfigError as exc:
            log.error("MongoDB cannot serve bookings: %s", exc)
            raise StoreUnavailable() from exc

    @contextmanager
    def _bounded(self, seconds: float | None = None) -> Iterator[None]:
        """One deadline for the whole attempt, retries included; driver failures become 503."""
        try:
            with pymongo.timeout(seconds or self._timeout):
                yield
        except DuplicateKeyError as exc:
            raise duplicate_error(exc) from exc
        except PyMongoError as exc:
            raise StoreUnavailable() from exc

    def _transaction(self, callback):
        if not self._prepared:
            self._prepare_late()
        attempts = []

        def attempt(session):
            attempts.append(time.perf_counter())
            return callback(session)

        try:
            with self._bounded(), self.db.client.start_session() as session:
                return session.with_transaction(attempt, **TRANSACTION)
        finally:
            _record_attempts(attempts)

    def ready(self) -> None:
        """A writable primary answers within READY_S (admin commands select the primary)."""
        try:
            with self._bounded(READY_S):
                self.db.client.admin.command("ping")
        except StoreUnavailable as exc:
            raise StoreNotReady(f"no MongoDB primary answered within {READY_S} s: "
                                f"{type(exc.__cause__).__name__}") from exc.__cause__

    def close(self) -> None:
        if self._pid == os.getpid():
            self._client.close()
            self._pid = None

    # -- units of work and reads ------------------------------------------------------------

    def run(self, work):
        return self._transaction(lambda session: work(MongoStore(self.db, session, self._names)))

    def read(self, work):
        with self._bounded():
            return work(MongoStore(self.db, None, self._names))

    # -- reads -------------------------------------------------------------------------------

    def slot_census(self):
        ids = {name: hospital_id for hospital_id, name in self._names.items()}
        with self._bounded(max(self._timeout, CENSUS_TIMEOUT_S)):
            slots = list(self.db.appointments.aggregate(CENSUS, allowDiskUse=True))
            shared = list(self.db.appointments.aggregate(SAME_PATIENT, allowDiskUse=True))
            writes = {d["_id"]: d.get("version", 0) for d in self.db.slots.find({}, {"version": 1})}
        same = {}
        for group in shared:
            same.setdefault(slot_parts(group["_id"]), []).append(
                tuple(sorted(str(i) for i in group["ids"])))
        return sorted((census_of(row, ids, writes, same) for row in slots),
                      key=lambda c: (c.key.hospital_id, c.key.date, c.key.time))

    def backup_to(self, target):
        raise BackupUnsupported(MONGO_BACKUP_MESSAGE)

    def restore_from(self, backup, previous, check=None):
        raise BackupUnsupported(MONGO_BACKUP_MESSAGE)

    # -- phone normalization -----------------------------------------------------------------

    def phone_batches(self, size):
        # One pass per id type: a range on _id only matches its own BSON type.
        for id_type in ("string", "objectId"):   # ours, then the old app's
            where = {"_id": {"$type": id_type}}
            while documents := self._phone_page(where, size):
                yield [stored_phone(d) for d in documents]
                where = {"_id": {"$type": id_type, "$gt": documents[-1]["_id"]}}

    def _phone_page(self, where: dict, size: int) -> list[dict]:
        with self._bounded():
            return list(self.db.appointments.find(where, PHONE_FIELDS)
                        .sort("_id", ASCENDING).limit(size))

    def set_phones(self, phones):
        return [i for i, phone in phones.items() if not self._set_phone(i, phone)]

    def _set_phone(self, appointment_id: str, phone: str) -> bool:
        """False when the one-patient-per-slot index refuses the new phone."""
        try:
            with self._bounded():
                self.db.appointments.update_one(by_id(appointment_id),
                                                {"$set": {"patient_phone": phone}})
        except DuplicateBooking:
            return False
        return True


def _record_attempts(attempts: list[float]) -> None:
    """Retries of a transaction's callback (WriteConflict), and the time they cost."""
    for _ in attempts[1:]:
        record_store_retry("mongo")
    if attempts:
        record_store_wait("mongo", attempts[-1] - attempts[0])
