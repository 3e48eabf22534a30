"""A scripted MongoDB replica-set primary (mockupdb) and the Mongo engine's statements as it
answers them: what the wire tests drive a booking, a cheap-refusal read and the per-patient cap
through.

mockupdb notes (1.8.1 with pymongo 4.x): the handshake is `ismaster`; `hello`, `endSessions`
(without it MongoClient.close() hangs), `createIndexes` and `listIndexes` are answered by
`start_mock`; other requests are taken with `Wire.next()` and checked by command name. BSON
dates come back naive (UTC).
"""

import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

from mockupdb import MockupDB
from pymongo import MongoClient

from app.domain.model import Appointment, Slot
from app.storage.mongo import MongoRepository
from tests.support.clock import FIXED_NOW

DB = "hospital_booking"
RECV_S = 5
STORE_TIMEOUT_S = 5.0
DAY = date(2026, 11, 26)
MIDNIGHT = datetime(2026, 11, 26)            # as mockupdb decodes a BSON date: naive UTC
SLOT = Slot("gomoti", "Gomoti Hospital", DAY, "10:00", 15)
NAMES = {"gomoti": "Gomoti Hospital"}
SLOT_FILTER = {"hospital": "Gomoti Hospital", "appointment_date": MIDNIGHT,
               "appointment_time": "10:00", "status": {"$ne": "cancelled"}}
PATIENT_ID = "gomoti|+8801712345678"
SERIAL = 7      # what a seat's slot write answers: the slot's seventh serial
# FIXED_NOW is 14:00 in Dhaka on the 25th: the patient's appointments that have not started.
UPCOMING_FILTER = {"hospital": "Gomoti Hospital", "patient_phone": "+8801712345678",
                   "status": {"$ne": "cancelled"},
                   "$or": [{"appointment_date": {"$gt": datetime(2026, 11, 25)}},
                           {"appointment_date": datetime(2026, 11, 25),
                            "appointment_time": {"$gt": "14:00"}}]}
WRITE_CONFLICT = {"ok": 0, "code": 112, "codeName": "WriteConflict",
                  "errmsg": "WriteConflict error: this operation conflicted with another",
                  "errorLabels": ["TransientTransactionError"]}


# -- a scripted primary ---------------------------------------------------------------------------

def replica_set_hello(server) -> dict:
    """A PRIMARY's handshake: setName and hosts (with the seed's exact address) are required."""
    return {"ismaster": True, "isWritablePrimary": True, "secondary": False, "setName": "rs0",
            "setVersion": 1, "hosts": [server.address_string], "primary": server.address_string,
            "minWireVersion": 0, "maxWireVersion": 21, "logicalSessionTimeoutMinutes": 30,
            "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000,
            "maxWriteBatchSize": 100_000}


def standalone_hello(server) -> dict:
    return {"ismaster": True, "isWritablePrimary": True, "minWireVersion": 0,
            "maxWireVersion": 21, "logicalSessionTimeoutMinutes": 30}


def by_name(name, replies=None, log=None):
    """An autoresponder matching the command name only (a string spec also compares values)."""
    def handler(request):
        if request.command_name != name:
            return False
        if log is not None:
            log.append(request.doc)
        return request.replies(replies or {"ok": 1})
    return handler


def start_mock(hello, seen=None) -> MockupDB:
    """A running mock answering the handshake, `hello`, `endSessions`, `createIndexes` and
    `listIndexes` (no index, so prepare() drops none).

    `seen` (a dict) collects the `hello` and `createIndexes` commands the client sent.
    """
    seen = {} if seen is None else seen
    server = MockupDB(request_timeout=RECV_S)
    server.run()
    reply = hello(server)
    server.autoresponds("ismaster", reply)      # the driver's handshake and heartbeats
    server.autoresponds(by_name("hello", reply, log=seen.setdefault("hello", [])))
    server.autoresponds(by_name("endSessions"))
    server.autoresponds(by_name("createIndexes", log=seen.setdefault("createIndexes", [])))
    server.autoresponds(by_name("listIndexes", cursor()))
    return server


class Wire:
    """The requests the repository sends to the scripted primary, taken one at a time."""

    def __init__(self, server: MockupDB):
        self.server = server
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.pending = []

    def call(self, fn, *args, **kwargs):
        """Run `fn` in a worker thread; `.result()` / `.exception()` keep the real exception."""
        future = self.pool.submit(fn, *args, **kwargs)
        self.pending.append(future)
        return future

    def next(self, name: str, collection: str | None = None):
        request = self.server.receives(timeout=RECV_S)
        assert request.command_name == name, f"expected {name}, got {request.doc}"
        if collection is not None:
            assert request[name] == collection, request.doc
        return request

    def quiet(self, seconds: float = 0.2) -> None:
        """Nothing more is sent (no second insert, no second update)."""
        assert not self.server.got(timeout=seconds), self.server.receives(timeout=0).doc

    def close(self) -> list[str]:
        """Let any call a failed test left behind finish; returns what it still sent."""
        leftovers = []
        deadline = time.monotonic() + 10
        while any(not f.done() for f in self.pending) and time.monotonic() < deadline:
            if self.server.got(timeout=0.1):
                request = self.server.receives(timeout=0)
                leftovers.append(request.command_name)
                request.replies({"ok": 0, "code": 8, "errmsg": "test over"})
        self.pool.shutdown(wait=False)
        while self.server.got(timeout=0):
            leftovers.append(self.server.receives(timeout=0).command_name)
        return leftovers


def repository_on(server: MockupDB, timeout: float = STORE_TIMEOUT_S) -> MongoRepository:
    return MongoRepository(
        lambda: MongoClient(server.uri, replicaSet="rs0", tz_aware=True,
                            serverSelectionTimeoutMS=3000), DB, timeout,
        hospital_names=NAMES)


def appointment(phone: str = "+8801712345678") -> Appointment:
    return Appointment(uuid.uuid4().hex, "gomoti", "Gomoti Hospital", DAY, "10:00", "booked",
                       "Rahim Uddin", phone, None, None, None, FIXED_NOW)


def cursor(*documents) -> dict:
    return {"cursor": {"id": 0, "ns": f"{DB}.appointments", "firstBatch": list(documents)}}


def answer_count(request, n: int) -> None:
    """count_documents is an aggregate whose single group holds the count."""
    request.ok(**cursor(*([{"_id": 1, "n": n}] if n else [])))


def slot_written(request, capacity=None, closed=None, serials=SERIAL) -> None:
    """Answer the slot write (findAndModify, upsert, new): the slot with what it holds, and
    its serial counter when the write took a seat's serial."""
    rules = {k: v for k, v in {"capacity": capacity, "closed": closed}.items() if v is not None}
    if "serials" in request["update"]["$inc"]:
        rules["serials"] = serials
    request.ok(value={"_id": request["query"]["_id"], **rules},
               lastErrorObject={"n": 1, "updatedExisting": True})


def drive_booking(wire: Wire, count: int = 0, first=None, capped: bool = False,
                  seen: dict | None = None, **rules):
    """Answer a booking's statements up to its audit entry (commit, or the Idempotency-Key's
    entry, comes next); returns (slot write, insert).

    `capped`: a patient's booking through the service, which also holds the per-patient cap;
    `seen` (a dict) gets the audit entry's insert; `rules`: what the slot's document holds
    (capacity, closed).
    """
    update = first or wire.next("findAndModify", "slots")
    slot_written(update, **rules)
    answer_count(wire.next("aggregate", "appointments"), count)
    wire.next("find", "appointments").ok(**cursor())
    if capped:
        drive_patient(wire)
    insert = wire.next("insert", "appointments")
    insert.ok(n=1)
    audit = wire.next("insert", "audit")
    audit.ok(n=1)
    if seen is not None:
        seen["audit"] = audit
    return update, insert


def seat_read(wire: Wire, count: int = 0, **rules):
    """The service's cheap-refusal reads, outside any transaction: the day's slot rules (with
    `rules` for this slot, if any), then the slot's count."""
    found = wire.next("find", "slots")
    assert "txnNumber" not in found.doc
    documents = [{"appointment_date": MIDNIGHT, "appointment_time": "10:00", **rules}]
    found.ok(**cursor(*(documents if rules else [])))
    read = wire.next("aggregate", "appointments")
    assert "txnNumber" not in read.doc and "startTransaction" not in read.doc
    assert read["pipeline"][0] == {"$match": SLOT_FILTER}
    answer_count(read, count)
    return read


def drive_patient(wire: Wire, active: int = 0):
    """The per-patient cap's statements: the patient's document, then their upcoming count."""
    patient = wire.next("update", "patients")
    patient.ok(n=1, nModified=0, upserted=[{"index": 0, "_id": PATIENT_ID}])
    count = wire.next("aggregate", "appointments")
    answer_count(count, active)
    return patient, count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
