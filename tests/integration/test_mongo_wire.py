"""The Mongo engine's wire protocol, against a scripted replica-set primary (mockupdb).

No MongoDB server runs here, so these tests pin exactly what MongoRepository sends and how it
reacts to what a primary answers: the booking transaction's commands and options, the driver's
retries (WriteConflict, unknown commit result), refusals (full slot, same patient), start-up
checks (standalone server) and the 503 paths (no server, a primary that stops answering). That
the transaction really serializes bookers is proven on a real replica set by the contract and
e2e suites (skipped here with the reason).

mockupdb notes (1.8.1 with pymongo 4.x): the handshake is `ismaster`; `hello`, `endSessions`
(without it MongoClient.close() hangs), `createIndexes` and `listIndexes` (none: nothing to
drop) are answered automatically; other
requests are taken with `receives()` and checked by command name. BSON dates come back naive
(UTC). Calls run in a worker thread whose exception is kept as raised (mockupdb's own `going()`
rebuilds exceptions from their message and loses their attributes).
"""

import hashlib
import time

import pytest
from bson import ObjectId
from mockupdb import MockupDB
from pymongo import MongoClient

from app import create_app
from app.config import Settings
from app.config.hospitals import load_hospitals
from app.domain.errors import (
    ConfigError,
    DuplicateBooking,
    IdempotencyKeyInFlight,
    SlotFull,
    StoreUnavailable,
)
from app.domain.model import IdempotencyEntry
from app.service import BookingService, writes
from app.storage.mongo import MongoRepository
from app.wiring import booking_service
from tests.support.admin_key import ADMIN_KEY
from tests.support.bookings import GOOD
from tests.support.clock import FIXED_NOW
from tests.support.hospitals import SHIPPED
from tests.support.mongo_wire import (
    DB,
    MIDNIGHT,
    NAMES,
    PATIENT_ID,
    RECV_S,
    SERIAL,
    SLOT,
    SLOT_FILTER,
    STORE_TIMEOUT_S,
    UPCOMING_FILTER,
    WRITE_CONFLICT,
    Wire,
    answer_count,
    appointment,
    by_name,
    cursor,
    drive_booking,
    drive_patient,
    free_port,
    replica_set_hello,
    repository_on,
    seat_read,
    slot_written,
    standalone_hello,
    start_mock,
)
from tests.support.slots import STAFF

# A 1 s store timeout must answer in about 1 s: the bound leaves room for a loaded 2-core
# machine, far below what an unbounded driver would take (30 s server selection, 120 s of
# with_transaction retries).
WITHIN_S = 3.0


@pytest.fixture(scope="module")
def seen():
    return {}


@pytest.fixture(scope="module")
def primary(seen):
    server = start_mock(replica_set_hello, seen)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mongo_repo(primary):
    repo = repository_on(primary)
    repo.prepare()
    yield repo
    repo.close()


@pytest.fixture(scope="module")
def http(mongo_repo):
    settings = Settings.from_env(env={}, admin_api_key=ADMIN_KEY,
                                 ratelimit_enabled=False)
    return create_app(settings, mongo_repo, now=lambda: FIXED_NOW).test_client()


@pytest.fixture
def wire(primary):
    driver = Wire(primary)
    yield driver
    assert driver.close() == [], "requests left unanswered"


# -- the booking transaction -------------------------------------------------------------------

def test_prepare_checks_hello_and_creates_the_indexes(seen, mongo_repo):
    # The driver's own handshake is `ismaster` (the reply has no helloOk): `hello` is the app's.
    assert seen["hello"] and {request["$db"] for request in seen["hello"]} == {"admin"}
    assert {request["createIndexes"] for request in seen["createIndexes"]} == {
        "appointments", "idempotency_keys", "slots", "closures", "audit"}
    specs = {index["name"]: index for request in seen["createIndexes"]
             for index in request["indexes"]}
    assert specs["slot_status"]["key"] == {"hospital": 1, "appointment_date": 1,
                                           "appointment_time": 1, "status": 1}
    patient = specs["one_patient_per_slot_counted"]
    assert patient["unique"] is True
    assert patient["key"] == {"hospital": 1, "appointment_date": 1, "appointment_time": 1,
                              "patient_phone": 1}
    assert patient["partialFilterExpression"] == {
        "status": {"$in": ["booked", "checked_in", "completed", "no_show"]},
        "hospital_id": {"$exists": True}}
    assert specs["expire_after_24h"]["key"] == {"created_at": 1}
    assert specs["expire_after_24h"]["expireAfterSeconds"] == 24 * 3600


def test_a_booking_is_one_snapshot_transaction_slot_write_first(wire, mongo_repo):
    made = appointment()
    result = wire.call(writes.book, mongo_repo, SLOT, made, "token-hash")

    update = wire.next("findAndModify", "slots")
    assert update["startTransaction"] is True
    assert update["readConcern"] == {"level": "snapshot"}
    assert update["autocommit"] is False
    assert update["query"] == {"_id": "Gomoti Hospital|2026-11-26|10:00"}
    assert (update["upsert"], update["new"]) == (True, True)
    assert update["update"]["$inc"] == {"version": 1, "serials": 1}    # the seat's serial
    assert update["update"]["$setOnInsert"] == {"hospital": "Gomoti Hospital",
                                                "appointment_date": MIDNIGHT,
                                                "appointment_time": "10:00"}
    assert update["fields"] == {"capacity": 1, "closed": 1, "serials": 1}     # what it holds
    slot_written(update)

    count = wire.next("aggregate", "appointments")
    assert count["pipeline"][0] == {"$match": SLOT_FILTER}
    answer_count(count, 14)

    duplicate = wire.next("find", "appointments")
    assert duplicate["filter"] == {**SLOT_FILTER, "patient_phone": "+8801712345678"}
    duplicate.ok(**cursor())

    insert = wire.next("insert", "appointments")
    [document] = insert["documents"]
    assert document == {
        "_id": made.id, "hospital_id": "gomoti", "hospital": "Gomoti Hospital",
        "appointment_date": MIDNIGHT, "appointment_time": "10:00", "status": "booked",
        "patient_name": "Rahim Uddin", "patient_phone": "+8801712345678",
        "patient_email": None, "doctor": None, "notes": None, "token_hash": "token-hash",
        "created_at": FIXED_NOW.replace(tzinfo=None), "serial": SERIAL}
    insert.ok(n=1)

    audit = wire.next("insert", "audit")
    [entry] = audit["documents"]
    assert {k: v for k, v in entry.items() if k not in ("_id", "at")} == {
        "actor": "patient", "action": "book", "hospital_id": "gomoti", "date": "2026-11-26",
        "time": "10:00", "appointment_id": made.id, "before": {}, "after": {"status": "booked"}}
    audit.ok(n=1)

    commit = wire.next("commitTransaction")
    assert commit.namespace == "admin"
    assert commit["writeConcern"] == {"w": "majority"}
    for statement in (count, duplicate, insert, audit, commit):
        assert statement["lsid"] == update["lsid"]
        assert statement["txnNumber"] == update["txnNumber"]
        assert statement["autocommit"] is False
        assert "startTransaction" not in statement.doc
    commit.ok()
    assert result.result(timeout=RECV_S).serial == SERIAL     # from the slot write


def test_write_conflict_aborts_and_retries_in_a_new_transaction(wire, mongo_repo):
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h")
    first = wire.next("findAndModify", "slots")
    first.replies(WRITE_CONFLICT)
    abort = wire.next("abortTransaction")
    assert abort["txnNumber"] == first["txnNumber"]
    abort.replies({"ok": 0, "code": 251, "codeName": "NoSuchTransaction", "errmsg": "aborted"})

    retry = wire.next("findAndModify", "slots")
    assert retry["txnNumber"] == first["txnNumber"] + 1
    assert retry["startTransaction"] is True
    assert retry["readConcern"] == {"level": "snapshot"}
    assert retry["lsid"] == first["lsid"]
    drive_booking(wire, first=retry)
    wire.next("commitTransaction").ok()
    assert result.result(timeout=RECV_S).serial == SERIAL     # from the slot write
    wire.quiet()            # exactly one insert was sent


# The primary steps down between two statements of the transaction (issue 11).
NOT_WRITABLE_PRIMARY = {"ok": 0, "code": 10107, "codeName": "NotWritablePrimary",
                        "errmsg": "not primary", "errorLabels": ["TransientTransactionError"]}


def test_a_step_down_mid_transaction_is_retried_in_a_new_transaction_within_the_bound(
        wire, mongo_repo):
    started = time.monotonic()
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h")
    first = wire.next("findAndModify", "slots")
    slot_written(first)
    wire.next("aggregate", "appointments").replies(NOT_WRITABLE_PRIMARY)
    # The driver forgets the primary; a heartbeat finds it again (the new primary).
    abort = wire.next("abortTransaction")
    assert abort["txnNumber"] == first["txnNumber"]
    abort.replies({"ok": 0, "code": 251, "codeName": "NoSuchTransaction", "errmsg": "aborted"})
    retry = wire.next("findAndModify", "slots")
    assert (retry["txnNumber"], retry["startTransaction"]) == (first["txnNumber"] + 1, True)
    drive_booking(wire, first=retry)
    wire.next("commitTransaction").ok()
    assert result.result(timeout=RECV_S).serial == SERIAL     # from the slot write
    assert time.monotonic() - started < STORE_TIMEOUT_S     # the repository's whole bound
    wire.quiet()            # exactly one insert was sent


UNKNOWN_COMMIT_RESULTS = {
    # ok:1 with a write-concern timeout: the driver labels it UnknownTransactionCommitResult.
    "write-concern-timeout": lambda commit: commit.replies({"ok": 1, "writeConcernError": {
        "code": 64, "codeName": "WriteConcernFailed", "errInfo": {"wtimeout": True},
        "errmsg": "waiting for replication timed out"}}),
    # A retryable error (the server is then rediscovered by a heartbeat, ~0.5 s).
    "primary-stepped-down": lambda commit: commit.replies({
        "ok": 0, "code": 189, "codeName": "PrimarySteppedDown", "errmsg": "stepped down",
        "errorLabels": ["UnknownTransactionCommitResult"]}),
    "connection-lost": lambda commit: commit.hangup(),
}


@pytest.mark.parametrize("fail_commit", UNKNOWN_COMMIT_RESULTS.values(),
                         ids=UNKNOWN_COMMIT_RESULTS.keys())
def test_unknown_commit_result_retries_the_commit_not_the_insert(wire, mongo_repo, fail_commit):
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h")
    drive_booking(wire)
    commit = wire.next("commitTransaction")
    fail_commit(commit)
    again = wire.next("commitTransaction")
    assert again["txnNumber"] == commit["txnNumber"]
    # A retried commit is upgraded to w:majority. Under the repository's pymongo.timeout the
    # driver bounds it with maxTimeMS from the remaining deadline instead of wtimeout: 10000.
    assert again["writeConcern"] == {"w": "majority"}
    assert 0 < again["maxTimeMS"] <= 5000
    again.ok()
    assert result.result(timeout=RECV_S).serial == SERIAL     # from the slot write
    wire.quiet()


def test_earlier_unnumbered_patients_take_the_serials_before_a_new_booking(wire, mongo_repo):
    """The old app's document in the slot (no serial) is numbered first, in the same
    transaction; the new booking takes the slot's next serial from a second slot write."""
    old = {"_id": ObjectId(), "hospital": "Gomoti Hospital", "appointment_date": MIDNIGHT,
           "appointment_time": "10:00", "status": "confirmed", "patient_phone": "01711111111"}
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h")
    first = wire.next("findAndModify", "slots")
    slot_written(first, serials=1)                 # the slot's first serial: look for them
    answer_count(wire.next("aggregate", "appointments"), 1)
    wire.next("find", "appointments").ok(**cursor())
    wire.next("find", "appointments").ok(**cursor(old))
    number = wire.next("update", "appointments")
    assert [(u["q"], u["u"]) for u in number["updates"]] == [
        ({"_id": old["_id"]}, {"$set": {"serial": 1}})]
    number.ok(n=1, nModified=1)
    second = wire.next("findAndModify", "slots")
    assert second["update"]["$inc"] == {"version": 1, "serials": 1}
    slot_written(second, serials=2)
    insert = wire.next("insert", "appointments")
    assert insert["documents"][0]["serial"] == 2
    insert.ok(n=1)
    wire.next("insert", "audit").ok(n=1)
    commit = wire.next("commitTransaction")
    same = {(s["lsid"]["id"], s["txnNumber"]) for s in (first, number, second, insert, commit)}
    assert len(same) == 1
    commit.ok()
    assert result.result(timeout=RECV_S).serial == 2


def test_full_slot_aborts_and_raises_slot_full(wire, mongo_repo):
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h")
    slot_written(wire.next("findAndModify", "slots"))
    answer_count(wire.next("aggregate", "appointments"), 15)
    wire.next("abortTransaction").ok()
    refused = result.exception(timeout=RECV_S)
    assert isinstance(refused, SlotFull)
    assert refused.extra == {"current_bookings": 15, "max_capacity": 15}
    wire.quiet()            # no insert, no commit


def test_same_patient_in_the_slot_aborts_with_duplicate_booking(wire, mongo_repo):
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h")
    slot_written(wire.next("findAndModify", "slots"))
    answer_count(wire.next("aggregate", "appointments"), 3)
    wire.next("find", "appointments").ok(**cursor({"_id": "earlier"}))
    wire.next("abortTransaction").ok()
    assert isinstance(result.exception(timeout=RECV_S), DuplicateBooking)
    wire.quiet()


def test_idempotency_key_is_checked_and_stored_in_the_same_transaction(wire, mongo_repo):
    key = IdempotencyEntry("key-hash", "fingerprint", {"id": "x"}, "00ff", FIXED_NOW)
    result = wire.call(writes.book, mongo_repo, SLOT, appointment(), "h", key)
    lookup = wire.next("find", "idempotency_keys")
    assert lookup["startTransaction"] is True
    assert lookup["filter"]["_id"] == "key-hash"
    lookup.ok(**cursor())
    expired = wire.next("delete", "idempotency_keys")
    assert expired["deletes"][0]["q"] == {"_id": "key-hash"}
    expired.ok(n=0)
    drive_booking(wire)
    stored = wire.next("insert", "idempotency_keys")
    assert stored["documents"][0]["_id"] == "key-hash"
    assert stored["txnNumber"] == lookup["txnNumber"]
    # A concurrent first attempt with the same key committed it first.
    stored.ok(n=0, writeErrors=[{"index": 0, "code": 11000, "errmsg":
                                 f"E11000 duplicate key error collection: {DB}.idempotency_keys "
                                 "index: _id_ dup key: { _id: \"key-hash\" }"}])
    wire.next("abortTransaction").ok()
    assert isinstance(result.exception(timeout=RECV_S), IdempotencyKeyInFlight)


def test_cancel_writes_the_slot_in_the_same_transaction(wire, mongo_repo):
    made = appointment()
    result = wire.call(writes.cancel, mongo_repo, made.id)
    fetch = wire.next("find", "appointments")
    assert fetch["startTransaction"] is True
    assert fetch["filter"] == {"_id": {"$in": [made.id]}}
    fetch.ok(**cursor({"_id": made.id, "hospital_id": "gomoti", "hospital": "Gomoti Hospital",
                       "appointment_date": MIDNIGHT, "appointment_time": "10:00",
                       "status": "booked", "patient_name": "P", "patient_phone": "1",
                       "created_at": FIXED_NOW}))
    touch = wire.next("findAndModify", "slots")
    assert touch["query"] == {"_id": "Gomoti Hospital|2026-11-26|10:00"}
    slot_written(touch)
    cancel = wire.next("update", "appointments")
    [statement] = cancel["updates"]
    assert (statement["q"], statement["u"]) == ({"_id": made.id},
                                                {"$set": {"status": "cancelled"}})
    assert not statement.get("upsert")
    cancel.ok(n=1, nModified=1)
    wire.next("insert", "audit").ok(n=1)
    wire.next("commitTransaction").ok()
    cancelled, freed = result.result(timeout=RECV_S)
    assert (cancelled.status, freed) == ("cancelled", True)


# -- through the HTTP API ------------------------------------------------------------------------

def test_http_booking_answers_201_with_what_was_inserted(wire, http):
    response = wire.call(http.post, "/api/appointments", json=GOOD)
    seat_read(wire, 3)
    seen = {}
    _, insert = drive_booking(wire, count=3, capped=True, seen=seen)
    wire.next("commitTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert answer.status_code == 201, answer.json
    [document] = insert["documents"]
    assert document["_id"] == answer.json["appointment"]["id"]
    [entry] = seen["audit"]["documents"]            # by the patient, at the service's time
    assert (entry["actor"], entry["at"], entry["appointment_id"]) == (
        "patient", FIXED_NOW.replace(tzinfo=None), document["_id"])
    assert document["token_hash"] == hashlib.sha256(
        answer.json["access_token"].encode()).hexdigest()


def test_http_full_slot_is_409_with_the_documents_body_without_a_transaction(wire, http):
    response = wire.call(http.post, "/api/appointments", json=GOOD)
    seat_read(wire, 19)                                 # legacy over-capacity slot
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (409, {
        "error": "Slot is fully booked", "current_bookings": 19, "max_capacity": 15})
    wire.quiet()            # no slot write, no transaction


def test_http_slot_filled_after_the_read_is_refused_by_the_transaction(wire, http):
    response = wire.call(http.post, "/api/appointments", json=GOOD)
    seat_read(wire, 14)
    slot_written(wire.next("findAndModify", "slots"))
    answer_count(wire.next("aggregate", "appointments"), 15)    # the last seat went meanwhile
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["current_bookings"]) == (409, 15)


def test_http_cheap_read_honours_a_raised_capacity_and_a_closure(wire, http):
    response = wire.call(http.post, "/api/appointments", json=GOOD)
    seat_read(wire, 15, capacity=20)                    # full by the hospital's 15, not by 20
    drive_booking(wire, count=15, capped=True, capacity=20)
    wire.next("commitTransaction").ok()
    assert response.result(timeout=RECV_S).status_code == 201
    closed = wire.call(http.post, "/api/appointments", json=GOOD)
    found = wire.next("find", "slots")
    found.ok(**cursor({"appointment_date": MIDNIGHT, "appointment_time": "10:00",
                       "closed": "Flood"}))
    answer = closed.result(timeout=RECV_S)            # refused before any count or transaction
    assert (answer.status_code, answer.json["error"]) == (
        400, "Hospital closed on 2026-11-26: Flood")
    wire.quiet()


def test_http_booking_writes_the_patient_document_then_counts_in_the_same_transaction(
        wire, http):
    response = wire.call(http.post, "/api/appointments", json={**GOOD,
                                                               "patient_phone": "01712345678"})
    seat_read(wire)
    slot = wire.next("findAndModify", "slots")
    slot_written(slot)
    answer_count(wire.next("aggregate", "appointments"), 0)
    wire.next("find", "appointments").ok(**cursor())
    patient, count = drive_patient(wire, active=1)
    [statement] = patient["updates"]
    assert (statement["q"], statement["u"], statement["upsert"]) == (
        {"_id": PATIENT_ID}, {"$inc": {"version": 1}}, True)
    assert count["pipeline"][0] == {"$match": UPCOMING_FILTER}
    insert = wire.next("insert", "appointments")
    insert.ok(n=1)
    wire.next("insert", "audit").ok(n=1)
    commit = wire.next("commitTransaction")
    for statement in (patient, count, insert, commit):
        assert (statement["lsid"], statement["txnNumber"]) == (slot["lsid"], slot["txnNumber"])
    commit.ok()
    assert response.result(timeout=RECV_S).status_code == 201


def test_http_patient_at_the_cap_aborts_with_409_and_inserts_nothing(wire, http):
    response = wire.call(http.post, "/api/appointments", json=GOOD)
    seat_read(wire)
    slot_written(wire.next("findAndModify", "slots"))
    answer_count(wire.next("aggregate", "appointments"), 0)
    wire.next("find", "appointments").ok(**cursor())
    drive_patient(wire, active=2)
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (409, {
        "error": "Patient booking limit reached", "limit": 2, "active": 2})
    wire.quiet()


# -- start-up checks and the 503 paths -------------------------------------------------------------

BOOKED_ONLY = {"v": 2, "name": "one_patient_per_slot", "unique": True,
               "key": {"hospital": 1, "appointment_date": 1, "appointment_time": 1,
                       "patient_phone": 1}}


def prepare_dropping(reply: dict) -> list[dict]:
    """prepare() on a store with the booked-only index, `reply` answering its drop."""
    server, drops = start_mock(replica_set_hello), []
    server.autoresponds(by_name("listIndexes", cursor({"v": 2, "key": {"_id": 1},
                                                       "name": "_id_"}, BOOKED_ONLY)))
    server.autoresponds(by_name("dropIndexes", reply, log=drops))
    repo = repository_on(server)
    try:
        repo.prepare()
    finally:
        repo.close()
        server.stop()
    return drops


def test_prepare_drops_the_booked_only_index_its_replacement_covers():
    drops = prepare_dropping({"ok": 1})
    assert [(d["dropIndexes"], d["index"]) for d in drops] == [
        ("appointments", "one_patient_per_slot")]


def test_an_index_another_worker_dropped_meanwhile_is_not_an_error():
    assert len(prepare_dropping({"ok": 0, "code": 27, "codeName": "IndexNotFound",
                                 "errmsg": "index not found"})) == 1


def test_a_user_who_may_not_drop_the_index_starts_and_asks_the_administrator(caplog):
    prepare_dropping({"ok": 0, "code": 13, "codeName": "Unauthorized",
                      "errmsg": "not authorized to execute command dropIndexes"})
    assert ("index one_patient_per_slot is replaced and may go, but this user may not drop it: "
            "as the administrator, run db.appointments.dropIndex('one_patient_per_slot')"
            ) in caplog.text


def test_standalone_server_is_refused_at_start_up_naming_the_init_script():
    server = start_mock(standalone_hello)
    try:
        with pytest.raises(ConfigError) as refused:
            MongoRepository.connect(server.uri, DB, timeout=2.0, hospital_names=NAMES)
        assert "replica set" in str(refused.value)
        assert "scripts/init-replica-set.sh" in str(refused.value)
        settings = Settings.from_env(env={"MONGODB_URI": server.uri, "STORE_TIMEOUT_S": "2"})
        with pytest.raises(ConfigError, match="init-replica-set.sh"):
            create_app(settings)
    finally:
        server.stop()


def test_refused_credentials_stop_start_up_instead_of_serving_503s():
    server = MockupDB(request_timeout=RECV_S)
    server.run()
    reply = replica_set_hello(server)
    server.autoresponds("ismaster", reply)
    server.autoresponds(by_name("endSessions"))
    server.autoresponds(by_name("hello", {"ok": 0, "code": 13, "codeName": "Unauthorized",
                                          "errmsg": "command hello requires authentication"}))
    try:
        with pytest.raises(ConfigError, match="Unauthorized"):
            MongoRepository.connect(server.uri, DB, timeout=2.0, hospital_names=NAMES)
    finally:
        server.stop()


def test_no_server_is_store_unavailable_within_the_timeout():
    repo = MongoRepository(
        lambda: MongoClient(f"mongodb://127.0.0.1:{free_port()}/?replicaSet=rs0"), DB, 1.0,
        hospital_names=NAMES)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        writes.book(repo, SLOT, appointment(), "h")
    assert 0.9 < time.monotonic() - started < WITHIN_S      # it waited for the timeout, no more
    repo.close()


def test_no_server_at_start_up_serves_503_with_retry_after():
    settings = Settings.from_env(env={
        "MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}/?replicaSet=rs0",
        "STORE_TIMEOUT_S": "1"})
    started = time.monotonic()
    app = create_app(settings, now=lambda: FIXED_NOW)      # tolerated: logs a warning
    assert time.monotonic() - started < WITHIN_S
    started = time.monotonic()
    try:
        response = app.test_client().post("/api/appointments", json=GOOD)
    finally:
        with app.app_context():
            booking_service().repository.close()
    assert time.monotonic() - started < WITHIN_S
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json == {"error": "Booking store temporarily unavailable, please retry"}


def test_primary_that_stops_answering_is_store_unavailable_within_the_timeout(wire, primary):
    repo = repository_on(primary, timeout=1.0)
    repo.prepare()
    started = time.monotonic()
    result = wire.call(writes.book, repo, SLOT, appointment(), "h")
    wire.next("findAndModify", "slots")              # received, never answered
    assert isinstance(result.exception(timeout=RECV_S), StoreUnavailable)
    assert 0.9 < time.monotonic() - started < WITHIN_S
    wire.quiet()     # the deadline is spent: not even an abortTransaction follows
    repo.close()


# -- the front desk ----------------------------------------------------------------------------

def test_the_day_list_reads_the_whole_day_in_one_query(wire, mongo_repo):
    """pymongo takes only an integer limit (mongomock takes None too): the day list's query
    reaches the server, and its page is the day."""
    service = BookingService(load_hospitals(SHIPPED), mongo_repo)
    result = wire.call(service.day_list, "gomoti", MIDNIGHT.date())
    find = wire.next("find", "appointments")
    assert find["filter"] == {"hospital": "Gomoti Hospital", "appointment_date": MIDNIGHT}
    assert find["limit"] >= 10_000                  # the whole day, not one page of 50
    made = appointment()
    find.ok(**cursor({"_id": made.id, "hospital_id": "gomoti", "hospital": "Gomoti Hospital",
                      "appointment_date": MIDNIGHT, "appointment_time": "10:00",
                      "status": "booked", "patient_name": "P", "patient_phone": "1",
                      "created_at": FIXED_NOW}))
    answer_count(wire.next("aggregate", "appointments"), 1)
    assert [a.id for a in result.result(timeout=RECV_S)] == [made.id]


# -- normalize-phones --------------------------------------------------------------------------

def test_phone_batches_read_only_the_fields_a_phone_needs_a_page_at_a_time(wire, mongo_repo):
    """Patient names and tokens are not read to normalize phones; pages follow _id."""
    batches = wire.call(lambda: list(mongo_repo.phone_batches(2)))
    ours = {"_id": "a", "hospital_id": "gomoti", "patient_phone": "01712345678"}
    for where, documents in (({"$type": "string"}, [ours]),
                             ({"$type": "string", "$gt": "a"}, []),
                             ({"$type": "objectId"}, [])):
        page = wire.next("find", "appointments")
        assert (page["filter"], page["sort"], page["limit"]) == ({"_id": where}, {"_id": 1}, 2)
        # _id comes back anyway (mongomock adds it to the very dict it is handed)
        assert set(page["projection"]) - {"_id"} == {"hospital_id", "hospital", "patient_phone"}
        page.ok(**cursor(*documents))
    [[phone]] = batches.result(timeout=RECV_S)
    assert (phone.appointment_id, phone.phone) == ("a", "01712345678")


# -- assign-serials ----------------------------------------------------------------------------

def test_assign_serials_numbers_inside_the_slots_transaction(wire, mongo_repo):
    """The serial taken from the slot's record and the number written on the appointment
    commit together or not at all: the update runs in the transaction."""
    numbered = wire.call(writes.assign_serials, mongo_repo, SLOT.key, STAFF)
    unnumbered = wire.next("find", "appointments")
    assert unnumbered["startTransaction"] is True
    legacy_id = ObjectId()
    unnumbered.ok(**cursor({"_id": legacy_id, "hospital": "Gomoti Hospital",
                            "appointment_date": MIDNIGHT, "appointment_time": "10:00",
                            "status": "confirmed", "patient_name": "Legacy",
                            "patient_phone": "01712345678"}))
    slot_written(wire.next("findAndModify", "slots"))
    number = wire.next("update", "appointments")
    assert (number["lsid"], number["txnNumber"]) == (unnumbered["lsid"], unnumbered["txnNumber"])
    [statement] = number["updates"]
    assert (statement["q"], statement["u"]) == ({"_id": legacy_id}, {"$set": {"serial": SERIAL}})
    number.ok(n=1, nModified=1)
    wire.next("insert", "audit").ok(n=1)
    wire.next("commitTransaction").ok()
    assert numbered.result(timeout=RECV_S) == 1
