"""MongoDB engine for a replica set, compatible with the old app's `appointments` collection.

Storage only: its unit of work (MongoUnitOfWork) is one attempt of `with_transaction`'s
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
from datetime import UTC, date, datetime

import pymongo
from bson import ObjectId
from pymongo import ASCENDING, MongoClient, ReadPreference, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from app.domain.errors import (
    AppointmentNotFound,
    ClosureNotFound,
    ConfigError,
    DuplicateBooking,
    IdempotencyKeyInFlight,
    StoreNotReady,
    StoreUnavailable,
)
from app.domain.model import (
    BOOKED,
    Appointment,
    AppointmentQuery,
    IdempotencyEntry,
    PatientCap,
    Slot,
    SlotCensus,
    SlotKey,
    StoredPhone,
)
from app.domain.operations import AuditEntry, Closure, SlotRules
from app.domain.policy import (
    COUNTED_STATUSES,
    COUNTED_STATUSES_WE_WRITE,
    IDEMPOTENCY_KEY_LIFETIME,
    NOT_AWAITING_VISIT,
)
from app.storage.base import BackupUnsupported, Repository, UnitOfWork
from app.telemetry.metrics import record_store_retry, record_store_wait

log = logging.getLogger(__name__)

# Passed per transaction: collection and database concerns are ignored inside transactions.
#: How long /api/ready waits for a primary: a probe answers fast, or says "not ready".
READY_S = 1.0
TRANSACTION = {"read_concern": ReadConcern("snapshot"),
               "write_concern": WriteConcern("majority"),
               "read_preference": ReadPreference.PRIMARY}
COUNTED = {"$ne": COUNTED_STATUSES.excluded}     # the domain's COUNTED_STATUSES
# One patient per slot, among the counted documents this API wrote (hospital_id set: legacy
# ones may lack a phone). A partial index takes no `$ne`, so the statuses are listed ($in:
# MongoDB 6.0 or later); a new name, since a changed filter cannot reuse an index's name.
PATIENT_INDEX = "one_patient_per_slot_counted"
PATIENT_INDEX_FILTER = {"status": {"$in": list(COUNTED_STATUSES_WE_WRITE)},
                        "hospital_id": {"$exists": True}}
#: What deployments before it built (status "booked" only): dropped once PATIENT_INDEX exists.
BOOKED_ONLY_PATIENT_INDEX = "one_patient_per_slot"
UNAUTHORIZED, INDEX_NOT_FOUND = 13, 27
DROP_INDEX_MESSAGE = ("index %s is replaced and may go, but this user may not drop it: as the "
                      "administrator, run db.%s.dropIndex(%r)")
AWAITING_VISIT = {"$nin": list(NOT_AWAITING_VISIT)}   # what a closure's bulk cancel cancels
SLOT_RULES = {"capacity": 1, "closed": 1}
REFUSALS = {13: "Unauthorized", 18: "AuthenticationFailed", 85: "IndexOptionsConflict",
            86: "IndexKeySpecsConflict"}
CREDENTIALS_MESSAGE = (
    "MongoDB rejected the credentials (AuthenticationFailed): check the user name in MONGODB_URI "
    "and its password (MONGODB_PASSWORD_FILE)")
OPEN_SERVER_MESSAGE = (
    "MongoDB accepted a write from a client without credentials: refusing to start with "
    "MONGODB_REQUIRE_AUTH=1. Turn on access control (scripts/init-replica-set.sh, README "
    "'Production checklist'), or set MONGODB_REQUIRE_AUTH=0 for development only.")
# A write that changes nothing: deleting an _id no booking can have.
PROBE_DELETE = [{"q": {"_id": "unauthenticated-write-probe"}, "limit": 1}]
AUTH_OPTIONS = ("authsource=", "authmechanism=", "authmechanismproperties=")
# check-store reads the whole store: an admin command may take longer than a request.
CENSUS_TIMEOUT_S = 300.0
_SLOT = {"hospital": "$hospital", "appointment_date": "$appointment_date",
         "appointment_time": "$appointment_time"}
# Per slot (by the old app's fields): seats taken, documents this API wrote (they carry
# hospital_id; the old app's do not, and never wrote slot documents), and a hospital_id.
CENSUS = [{"$group": {
    "_id": _SLOT,
    "counted": {"$sum": {"$cond": [{"$ne": ["$status", COUNTED_STATUSES.excluded]}, 1, 0]}},
    "ours": {"$sum": {"$cond": [{"$gt": ["$hospital_id", None]}, 1, 0]}},
    "hospital_id": {"$max": "$hospital_id"}}}]
SAME_PATIENT = [
    {"$match": {"status": COUNTED, "patient_phone": {"$nin": [None, ""]}}},
    {"$group": {"_id": {**_SLOT, "phone": "$patient_phone"}, "ids": {"$push": "$_id"},
                "n": {"$sum": 1}}},
    {"$match": {"n": {"$gt": 1}}},
    {"$project": {"_id": {"hospital": "$_id.hospital",
                          "appointment_date": "$_id.appointment_date",
                          "appointment_time": "$_id.appointment_time"}, "ids": 1}}]
MONGO_BACKUP_MESSAGE = (
    "MongoDB is backed up with scripts/backup-mongo.sh (mongodump --oplog) and restored with "
    "scripts/restore-mongo.sh, then `flask --app app check-store` (README, 'Production "
    "checklist')")
STANDALONE_MESSAGE = (
    "MongoDB at MONGODB_URI is a standalone server; bookings need transactions, which need a "
    "replica set. Run scripts/init-replica-set.sh (see README, 'Production: MongoDB replica "
    "set') and point MONGODB_URI at the set.")


class MongoRepository(Repository):
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
                if _is_standalone(self.db.client.admin.command("hello")):
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
            raise _duplicate(exc) from exc
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

    def ping(self) -> None:
        with self._bounded():
            self.db.client.admin.command("ping")

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

    # -- the unit of work ---------------------------------------------------------------------

    def run(self, work):
        return self._transaction(lambda session: work(MongoUnitOfWork(self.db, session,
                                                                      self._names)))

    # -- reads -------------------------------------------------------------------------------

    def idempotency_entry(self, key_hash, since):
        with self._bounded():
            return _find_entry(self.db, None, key_hash, since)

    def slot_count(self, key):
        with self._bounded():
            return self.db.appointments.count_documents(
                slot_filter(self._names[key.hospital_id], key.date, key.time))

    def day_counts(self, hospital_id, day):
        pipeline = [{"$match": {"hospital": self._names[hospital_id],
                                "appointment_date": _midnight(day), "status": COUNTED}},
                    {"$group": {"_id": "$appointment_time", "n": {"$sum": 1}}}]
        with self._bounded():
            return {row["_id"]: row["n"] for row in self.db.appointments.aggregate(pipeline)}

    def slot_census(self):
        ids = {name: hospital_id for hospital_id, name in self._names.items()}
        with self._bounded(max(self._timeout, CENSUS_TIMEOUT_S)):
            slots = list(self.db.appointments.aggregate(CENSUS, allowDiskUse=True))
            shared = list(self.db.appointments.aggregate(SAME_PATIENT, allowDiskUse=True))
            writes = {d["_id"]: d.get("version", 0) for d in self.db.slots.find({}, {"version": 1})}
        same = {}
        for group in shared:
            same.setdefault(_slot_parts(group["_id"]), []).append(
                tuple(sorted(str(i) for i in group["ids"])))
        return sorted((_census(row, ids, writes, same) for row in slots),
                      key=lambda c: (c.key.hospital_id, c.key.date, c.key.time))

    def backup_to(self, target):
        raise BackupUnsupported(MONGO_BACKUP_MESSAGE)

    def restore_from(self, backup, previous):
        raise BackupUnsupported(MONGO_BACKUP_MESSAGE)

    def slot_rules(self, hospital_id, day=None):
        where = {"hospital": self._names[hospital_id],
                 "$or": [{"capacity": {"$ne": None}}, {"closed": {"$ne": None}}]}
        if day is not None:
            where["appointment_date"] = _midnight(day)
        with self._bounded():
            found = self.db.slots.find(where).sort([("appointment_date", ASCENDING),
                                                    ("appointment_time", ASCENDING)])
            return {SlotKey(hospital_id, _as_utc(d["appointment_date"]).date(),
                            d["appointment_time"]): SlotRules(d.get("capacity"), d.get("closed"))
                    for d in found}

    def closures(self, hospital_id, day=None):
        with self._bounded():
            return _day_closures(self.db, None, hospital_id, day)

    def audit_trail(self, appointment_id=None, slot=None):
        if appointment_id is not None:
            where = {"appointment_id": appointment_id}
        else:
            where = {"hospital_id": slot.hospital_id, "date": slot.date.isoformat(),
                     "time": slot.time}
        with self._bounded():
            found = self.db.audit.find(where).sort([("at", ASCENDING), ("_id", ASCENDING)])
            return [_audit_of(d) for d in found]

    def get(self, appointment_id):
        with self._bounded():
            document = self.db.appointments.find_one(_by_id(appointment_id))
        return (from_document(document), document.get("token_hash")) if document else None

    def search(self, query: AppointmentQuery):
        where = _search_filter(query, self._names[query.hospital_id])
        with self._bounded():
            total = self.db.appointments.count_documents(where)
            cursor = (self.db.appointments.find(where)
                      .sort([("appointment_time", ASCENDING), ("created_at", ASCENDING),
                             ("_id", ASCENDING)])
                      .skip(query.offset).limit(query.limit))
            return [from_document(d) for d in cursor], total

    # -- phone normalization -----------------------------------------------------------------

    def phone_batches(self, size):
        # One pass per id type: a range on _id only matches its own BSON type.
        for id_type in ("string", "objectId"):   # ours, then the old app's
            where = {"_id": {"$type": id_type}}
            while documents := self._phone_page(where, size):
                yield [_stored_phone(d) for d in documents]
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
                self.db.appointments.update_one(_by_id(appointment_id),
                                                {"$set": {"patient_phone": phone}})
        except DuplicateBooking:
            return False
        return True


class MongoUnitOfWork(UnitOfWork):
    """One attempt of a transaction's callback (a retry gets a new one). The old app's
    documents name their slot by display name: the names of the documents read here are kept,
    so their slot is written under the name they carry."""

    def __init__(self, db, session, names: Mapping[str, str]):
        self._db, self._session, self._names = db, session, names
        self._ids: dict[str, object] = {}           # appointment id -> the document's _id
        self._fetched: dict[SlotKey, str] = {}      # slot of a document read -> its name

    def _legacy(self, key: SlotKey) -> tuple[str, date, str]:
        """The slot as the old app's documents name it: (display name, date, time)."""
        return self._fetched.get(key) or self._names[key.hospital_id], key.date, key.time

    def _read(self, document: dict) -> Appointment:
        appointment = from_document(document)
        self._ids[appointment.id] = document["_id"]
        self._fetched[self.slot_key_of(appointment)] = document["hospital"]
        return appointment

    def slot_key_of(self, appointment):
        """The old app's documents carry no hospital_id: their display name is looked up."""
        ids = {name: hospital_id for hospital_id, name in self._names.items()}
        hospital = appointment.hospital_id or ids.get(appointment.hospital, appointment.hospital)
        return SlotKey(hospital, appointment.date, appointment.appointment_time)

    def claim_slot(self, key):
        """The per-slot serialization point: concurrent writers of one slot conflict here. The
        slot's capacity override and closure come back from the same command."""
        name, day, time = self._legacy(key)
        document = self._db.slots.find_one_and_update(
            {"_id": slot_document_id(name, day, time)},
            {"$inc": {"version": 1},
             "$setOnInsert": {"hospital": name, "appointment_date": _midnight(day),
                              "appointment_time": time}},
            projection=SLOT_RULES, upsert=True, return_document=ReturnDocument.AFTER,
            session=self._session)
        return SlotRules(document.get("capacity"), document.get("closed"))

    def seats_taken(self, key):
        return self._db.appointments.count_documents(slot_filter(*self._legacy(key)),
                                                     session=self._session)

    def has_patient(self, key, phone):
        query = {**slot_filter(*self._legacy(key)), "patient_phone": phone}
        return self._db.appointments.find_one(query, {"_id": 1},
                                              session=self._session) is not None

    def save_slot(self, slot):
        if slot.changed:
            self._db.slots.update_one({"_id": slot_document_id(*self._legacy(slot.key))},
                                      {"$set": slot.changed}, session=self._session)

    def slot_times(self, hospital_id, day):
        found = self._db.slots.find({"hospital": self._names[hospital_id],
                                     "appointment_date": _midnight(day)},
                                    {"appointment_time": 1}, session=self._session)
        return sorted(d["appointment_time"] for d in found)

    def claim_patient(self, hospital_id, phone, cap):
        """Write the patient's document first (one phone's concurrent bookings conflict here,
        as bookers of one slot do on its document), then count toward the cap."""
        self._db.patients.update_one({"_id": f"{hospital_id}|{phone}"},
                                     {"$inc": {"version": 1}}, upsert=True,
                                     session=self._session)
        return self._db.appointments.count_documents(
            upcoming_filter(self._names[hospital_id], phone, cap), session=self._session)

    def appointment(self, appointment_id):
        document = self._db.appointments.find_one(_by_id(appointment_id), session=self._session)
        if document is None:
            raise AppointmentNotFound()
        return self._read(document)

    def add_appointment(self, appointment, token_hash):
        self._db.appointments.insert_one(appointment_document(appointment, token_hash),
                                         session=self._session)

    def save_status(self, appointment):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": {"status": appointment.status}},
                                         session=self._session)

    def move(self, appointment, target):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": _slot_fields(target)}, session=self._session)

    def awaiting_visit(self, key):
        found = self._db.appointments.find(
            {**slot_filter(*self._legacy(key)), "status": AWAITING_VISIT}, session=self._session)
        return [self._read(d) for d in list(found)]

    def closure(self, closure_id):
        document = self._db.closures.find_one({"_id": closure_id}, session=self._session)
        if document is None:
            raise ClosureNotFound()
        return _closure_of(document)

    def add_closure(self, closure):
        self._db.closures.insert_one(_closure_document(closure), session=self._session)

    def delete_closure(self, closure_id):
        self._db.closures.delete_one({"_id": closure_id}, session=self._session)

    def day_closures(self, hospital_id, day):
        return _day_closures(self._db, self._session, hospital_id, day)

    def audit(self, entry):
        self._db.audit.insert_one(_audit_document(entry), session=self._session)

    def live_entry(self, key_hash, since):
        earlier = _find_entry(self._db, self._session, key_hash, since)
        if earlier is None:
            # An expired entry the TTL monitor has not removed yet must not block the key.
            self._db.idempotency_keys.delete_one({"_id": key_hash}, session=self._session)
        return earlier

    def add_entry(self, entry):
        self._db.idempotency_keys.insert_one(_entry_document(entry), session=self._session)


def _find_entry(db, session, key_hash: str, since: datetime) -> IdempotencyEntry | None:
    document = db.idempotency_keys.find_one({"_id": key_hash, "created_at": {"$gte": since}},
                                            session=session)
    if document is None:
        return None
    return IdempotencyEntry(key_hash, document["fingerprint"], document["response"],
                            document["sealed_token"], document["created_at"])


def _day_closures(db, session, hospital_id: str, day: date | None) -> list[Closure]:
    where = {"hospital_id": hospital_id}
    if day is not None:
        where["date"] = day.isoformat()
    found = db.closures.find(where, session=session).sort(
        [("date", ASCENDING), ("start", ASCENDING), ("_id", ASCENDING)])
    return [_closure_of(d) for d in found]



# -- documents and queries: the old app's shapes ------------------------------------------------

PHONE_FIELDS = {"hospital_id": 1, "hospital": 1, "patient_phone": 1}


def create_indexes(db) -> None:
    """Idempotent: the count's index, one patient per slot, and idempotency-key expiry."""
    db.appointments.create_index(
        [("hospital", ASCENDING), ("appointment_date", ASCENDING),
         ("appointment_time", ASCENDING), ("status", ASCENDING)], name="slot_status")
    _create_patient_index(db)
    db.slots.create_index([("hospital", ASCENDING), ("appointment_date", ASCENDING)],
                          name="slots_by_day")
    db.closures.create_index([("hospital_id", ASCENDING), ("date", ASCENDING)],
                             name="closures_by_day")
    db.audit.create_index("appointment_id", name="audit_by_appointment")
    db.audit.create_index([("hospital_id", ASCENDING), ("date", ASCENDING),
                           ("time", ASCENDING)], name="audit_by_slot")
    db.appointments.create_index(
        [("hospital", ASCENDING), ("patient_phone", ASCENDING),
         ("appointment_date", ASCENDING)], name="patient_upcoming")
    db.idempotency_keys.create_index("created_at", name="expire_after_24h",
                                     expireAfterSeconds=int(
                                         IDEMPOTENCY_KEY_LIFETIME.total_seconds()))


def _create_patient_index(db) -> None:
    """Build the index over every counted status, then drop the booked-only one it replaces
    (kept while the new one cannot be built: it still guards the booked)."""
    try:
        db.appointments.create_index(
            [("hospital", ASCENDING), ("appointment_date", ASCENDING),
             ("appointment_time", ASCENDING), ("patient_phone", ASCENDING)],
            name=PATIENT_INDEX, unique=True, partialFilterExpression=PATIENT_INDEX_FILTER)
    except (DuplicateKeyError, OperationFailure) as exc:
        # The in-transaction check still refuses new duplicates; old ones need a person.
        log.warning("%s index not built (%s); resolve duplicate bookings", PATIENT_INDEX,
                    type(exc).__name__)
        return
    _drop_replaced_index(db.appointments, BOOKED_ONLY_PATIENT_INDEX)


def _drop_replaced_index(collection, name: str) -> None:
    """Drop `name` if present; without the dropIndex privilege, ask the administrator."""
    if name not in collection.index_information():
        return
    try:
        collection.drop_index(name)
    except OperationFailure as exc:
        if exc.code == UNAUTHORIZED:
            # Harmless meanwhile: it refuses a subset of what its replacement refuses.
            log.warning(DROP_INDEX_MESSAGE, name, collection.name, name)
        elif exc.code != INDEX_NOT_FOUND:      # else another worker dropped it meanwhile
            raise


def without_credentials(uri: str) -> str:
    """`uri` with no user name or password (and no auth options), same hosts and TLS."""
    scheme, _, rest = uri.partition("://")
    hosts, slash, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    kept = [o for o in query.split("&") if o and not o.lower().startswith(AUTH_OPTIONS)]
    return (f"{scheme}://{hosts.rpartition('@')[2]}{slash}{path}"
            f"{'?' if kept else ''}{'&'.join(kept)}")


def slot_document_id(hospital_name: str, day: date, time: str) -> str:
    """By display name, as every deployed version writes it: old and new workers of a rolling
    upgrade must serialize on the same document."""
    return f"{hospital_name}|{day.isoformat()}|{time}"


def slot_filter(hospital_name: str, day: date, time: str) -> dict:
    """The document's count query: display name, UTC-midnight Date, "HH:MM", not cancelled."""
    return {"hospital": hospital_name, "appointment_date": _midnight(day),
            "appointment_time": time, "status": COUNTED}


def upcoming_filter(hospital_name: str, phone: str, cap: PatientCap) -> dict:
    """A patient's appointments at one hospital that count toward `cap` (not yet started)."""
    today = _midnight(cap.today)
    return {"hospital": hospital_name, "patient_phone": phone, "status": COUNTED,
            "$or": [{"appointment_date": {"$gt": today}},
                    {"appointment_date": today, "appointment_time": {"$gt": cap.now}}]}


def appointment_document(a: Appointment, token_hash: str) -> dict:
    return {"_id": a.id, **_slot_fields(Slot(a.hospital_id, a.hospital, a.date,
                                             a.appointment_time, 0)),
            "status": a.status, "patient_name": a.patient_name,
            "patient_phone": a.patient_phone, "patient_email": a.patient_email,
            "doctor": a.doctor, "notes": a.notes, "token_hash": token_hash,
            "created_at": a.created_at}


def from_document(d: dict) -> Appointment:
    """Our documents and the old app's (ObjectId ids, no hospital_id, other statuses)."""
    return Appointment(
        id=str(d["_id"]), hospital_id=d.get("hospital_id", ""), hospital=d["hospital"],
        date=_as_utc(d["appointment_date"]).date(), appointment_time=d["appointment_time"],
        status=d.get("status", BOOKED), patient_name=d.get("patient_name", ""),
        patient_phone=d.get("patient_phone", ""), patient_email=d.get("patient_email"),
        doctor=d.get("doctor"), notes=d.get("notes"),
        created_at=_created_at(d))


def _created_at(d: dict) -> datetime:
    """Ours store created_at; the old app's carry it in their ObjectId, if anywhere."""
    if d.get("created_at"):
        return _as_utc(d["created_at"])
    if isinstance(d["_id"], ObjectId):
        return d["_id"].generation_time
    return datetime.fromtimestamp(0, UTC)


def _slot_fields(slot: Slot) -> dict:
    return {"hospital_id": slot.hospital_id, "hospital": slot.hospital_name,
            "appointment_date": _midnight(slot.date), "appointment_time": slot.time}


def _slot_parts(document: dict) -> tuple[str, date, str]:
    return (document["hospital"], _as_utc(document["appointment_date"]).date(),
            document["appointment_time"])


def _census(row: dict, ids: Mapping[str, str], writes: Mapping[str, int],
            same: Mapping[tuple, list]) -> SlotCensus:
    name, day, time_ = parts = _slot_parts(row["_id"])
    hospital_id = ids.get(name) or row.get("hospital_id") or ""
    recorded = writes.get(slot_document_id(*parts), 0)
    return SlotCensus(SlotKey(hospital_id, day, time_), name, row["counted"],
                      tuple(sorted(same.get(parts, []))), max(0, row["ours"] - recorded))


def _entry_document(entry: IdempotencyEntry) -> dict:
    return {"_id": entry.key_hash, "fingerprint": entry.fingerprint, "response": entry.response,
            "sealed_token": entry.sealed_token, "created_at": entry.created_at}


def _closure_document(c: Closure) -> dict:
    return {"_id": c.id, "hospital_id": c.hospital_id, "date": c.date.isoformat(),
            "start": c.start, "end": c.end, "reason": c.reason}


def _closure_of(d: dict) -> Closure:
    return Closure(d["_id"], d["hospital_id"], date.fromisoformat(d["date"]), d["reason"],
                   d.get("start"), d.get("end"))


def _audit_document(e: AuditEntry) -> dict:
    return {"at": e.at, "actor": e.actor, "action": e.action, "hospital_id": e.slot.hospital_id,
            "date": e.slot.date.isoformat(), "time": e.slot.time,
            "appointment_id": e.appointment_id, "before": e.before, "after": e.after}


def _audit_of(d: dict) -> AuditEntry:
    return AuditEntry(_as_utc(d["at"]), d["actor"], d["action"],
                      SlotKey(d["hospital_id"], date.fromisoformat(d["date"]), d["time"]),
                      d.get("appointment_id"), d["before"], d["after"])


def _search_filter(query: AppointmentQuery, hospital_name: str) -> dict:
    # By display name: the old app's documents have no hospital_id.
    where = {"hospital": hospital_name, "appointment_date": _midnight(query.date)}
    if query.time:
        where["appointment_time"] = query.time
    if query.status:
        # "booked" lists what the count counts: COUNTED_STATUSES (legacy ones too).
        where["status"] = COUNTED if query.status == BOOKED else query.status
    if query.phone:
        where["patient_phone"] = query.phone
    return where


def _stored_phone(d: dict) -> StoredPhone:
    # The old app's documents name the hospital only, and may hold a phone as a number.
    return StoredPhone(str(d["_id"]), d.get("hospital_id") or d["hospital"],
                       str(d.get("patient_phone", "")))


def _midnight(day: date) -> datetime:
    """What the old app stored: `new Date('YYYY-MM-DD')`, i.e. UTC midnight."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _by_id(appointment_id: str) -> dict:
    return {"_id": {"$in": _id_candidates(appointment_id)}}


def _id_candidates(appointment_id: str) -> list:
    """Our ids are strings; the old app's are ObjectIds."""
    return [appointment_id, ObjectId(appointment_id)] if ObjectId.is_valid(
        appointment_id) else [appointment_id]


def _is_standalone(hello: dict) -> bool:
    return "setName" not in hello and hello.get("msg") != "isdbgrid"


def _duplicate(exc: DuplicateKeyError):
    # Two first attempts with one Idempotency-Key: the loser sees the winner's key in flight.
    if "idempotency_keys" in str(exc):
        return IdempotencyKeyInFlight()
    return DuplicateBooking()


def _record_attempts(attempts: list[float]) -> None:
    """Retries of a transaction's callback (WriteConflict), and the time they cost."""
    for _ in attempts[1:]:
        record_store_retry("mongo")
    if attempts:
        record_store_wait("mongo", attempts[-1] - attempts[0])
