"""Cancel, reschedule, visit statuses and idempotent retries on the Mongo engine, pinned on
the wire (mockupdb).

Through the HTTP API (the public behaviour), against a scripted replica-set primary: each test
answers the statements the engine sends, one at a time, and checks what it sends, in which
transaction, and what it must not send (a second seat, an update after a refusal). The same
behaviours run for real on a replica set in the contract and lifecycle suites (skipped here
with the reason). Helpers and the mockupdb notes are in test_mongo_wire.py.
"""

import hashlib
import re
import time
from datetime import timedelta

import pytest
from mockupdb import MockupDB
from prometheus_client import REGISTRY
from pymongo import MongoClient

from app import create_app
from app.config import Settings
from app.domain.errors import ConfigError, StoreUnavailable
from app.service import writes
from app.storage.mongo import MongoRepository
from tests.support.admin_key import ADMIN, ADMIN_KEY
from tests.support.bookings import GOOD
from tests.support.clock import FIXED_NOW
from tests.support.mongo_wire import (
    MIDNIGHT,
    PATIENT_ID,
    RECV_S,
    SERIAL,
    SLOT,
    SLOT_FILTER,
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

APPOINTMENT_ID = "5f0c6b2e9d3a4c1b8e7f6a5d4c3b2a19"
SOURCE_KEY = "Gomoti Hospital|2026-11-26|10:00"
TARGET_KEY = "Gomoti Hospital|2026-11-26|11:00"
MOVE = {"date": "2026-11-26", "appointment_time": "11:00"}
TARGET_FILTER = {**SLOT_FILTER, "appointment_time": "11:00"}
KEY = {"Idempotency-Key": "retry-0b9c1f4e-5d7a-4e21"}
KEY_HASH = hashlib.sha256(b"idempotency:" + KEY["Idempotency-Key"].encode()).hexdigest()
LIVE_SINCE = FIXED_NOW.replace(tzinfo=None) - timedelta(hours=24)    # naive, as mockupdb decodes


# The app's own `hello` and `createIndexes` commands, as the scripted primary saw them.
SEEN: dict[str, list] = {}


@pytest.fixture(scope="module")
def primary():
    server = start_mock(replica_set_hello, SEEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http(primary):
    repo = repository_on(primary)
    repo.prepare()
    settings = Settings.from_env(env={}, admin_api_key=ADMIN_KEY,
                                 ratelimit_enabled=False)
    yield create_app(settings, repo, now=lambda: FIXED_NOW).test_client()
    repo.close()


@pytest.fixture
def wire(primary, http):
    driver = Wire(primary)
    driver.client = http
    yield driver
    assert driver.close() == [], "requests left unanswered"


def stored(status="booked", time="10:00", **extra) -> dict:
    """An appointment document as this API stores it (dates come back naive UTC)."""
    return {"_id": APPOINTMENT_ID, "hospital_id": "gomoti", "hospital": "Gomoti Hospital",
            "appointment_date": MIDNIGHT, "appointment_time": time, "status": status,
            "patient_name": "Rahim Uddin", "patient_phone": "+8801712345678",
            "token_hash": "h", "created_at": FIXED_NOW, **extra}


def patch(wire, body, document: dict):
    """PATCH as the admin, answering the ownership read and the transaction's first read."""
    response = wire.call(wire.client.patch, f"/api/appointments/{APPOINTMENT_ID}", json=body,
                         headers=ADMIN)
    owner_lookup(wire, document)
    return response, transaction_fetch(wire, document)


def owner_lookup(wire, document) -> None:
    """The service's ownership check: a plain read, outside any transaction."""
    lookup = wire.next("find", "appointments")
    assert "startTransaction" not in lookup.doc and "txnNumber" not in lookup.doc
    lookup.ok(**cursor(document))


def transaction_fetch(wire, document):
    """The transaction's first statement: the appointment, read in a new snapshot transaction."""
    fetch = wire.next("find", "appointments")
    assert fetch["startTransaction"] is True
    assert fetch["readConcern"] == {"level": "snapshot"}
    assert fetch["filter"] == {"_id": {"$in": [APPOINTMENT_ID]}}
    fetch.ok(**cursor(document))
    return fetch


def same_transaction(first, *later) -> None:
    for statement in later:
        assert (statement["lsid"], statement["txnNumber"]) == (first["lsid"], first["txnNumber"])
        assert "startTransaction" not in statement.doc


def touch(wire, key: str, seat: bool = False, **rules):
    """The slot's write; `seat`: one that gives out the slot's next serial in the same write."""
    update = wire.next("findAndModify", "slots")
    assert update["query"] == {"_id": key}
    assert update["upsert"] is True
    assert update["update"]["$inc"] == {"version": 1, **({"serials": 1} if seat else {})}
    slot_written(update, **rules)
    return update


def audited(wire, action: str, **expected):
    """The change's audit entry, in its transaction: ids, statuses and slots only."""
    audit = wire.next("insert", "audit")
    [entry] = audit["documents"]
    assert entry["action"] == action
    assert {k: entry[k] for k in expected} == expected
    assert not {"patient_name", "patient_phone", "token_hash"} & entry.keys()
    audit.ok(n=1)
    return audit


# -- cancel --------------------------------------------------------------------------------------

def test_cancel_writes_the_slot_then_the_status_in_one_transaction(wire):
    response, fetch = patch(wire, {"status": "cancelled"}, stored())
    slot = touch(wire, SOURCE_KEY)
    update = wire.next("update", "appointments")
    [statement] = update["updates"]
    assert (statement["q"], statement["u"]) == ({"_id": APPOINTMENT_ID},
                                                {"$set": {"status": "cancelled"}})
    update.ok(n=1, nModified=1)
    audit = audited(wire, "cancel", actor="admin", appointment_id=APPOINTMENT_ID,
                    at=FIXED_NOW.replace(tzinfo=None),
                    before={"status": "booked"}, after={"status": "cancelled"})
    commit = wire.next("commitTransaction")
    assert commit["writeConcern"] == {"w": "majority"}
    same_transaction(fetch, slot, update, audit, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["seat_freed"]) == (200, True)
    assert answer.json["appointment"]["status"] == "cancelled"
    wire.quiet()


def test_second_cancel_frees_nothing_and_writes_nothing(wire):
    response, _ = patch(wire, {"status": "cancelled"}, stored(status="cancelled"))
    wire.next("commitTransaction").ok()           # no slot write, no status update
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["seat_freed"]) == (200, False)
    assert answer.json["appointment"]["status"] == "cancelled"
    wire.quiet()


@pytest.mark.parametrize("name, hospital_id, audited_as", [
    ("Gomoti Hospital", None, "gomoti"),            # the old app's: found by its name
    ("Old Clinic", "old-clinic", "old-clinic"),     # ours, of a hospital no longer configured
    ("Closed Clinic", None, "Closed Clinic"),       # the old app's, of an unknown hospital
], ids=["legacy", "ours unconfigured", "legacy unknown"])
def test_cancel_of_a_legacy_appointment_writes_its_slot_by_display_name(wire, name, hospital_id,
                                                                        audited_as):
    legacy = {"_id": APPOINTMENT_ID, "hospital": name, "appointment_date": MIDNIGHT,
              "appointment_time": "10:00", "status": "confirmed"}
    if hospital_id:
        legacy["hospital_id"] = hospital_id
    response, _ = patch(wire, {"status": "cancelled"}, legacy)
    touch(wire, f"{name}|2026-11-26|10:00")
    wire.next("update", "appointments").ok(n=1, nModified=1)
    audited(wire, "cancel", hospital_id=audited_as, before={"status": "confirmed"})
    wire.next("commitTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["seat_freed"]) == (200, True)


# -- reschedule ----------------------------------------------------------------------------------

def test_reschedule_writes_both_slots_counts_the_target_then_moves(wire):
    response, fetch = patch(wire, MOVE, stored())
    source = touch(wire, SOURCE_KEY)
    target = touch(wire, TARGET_KEY, seat=True)
    count = wire.next("aggregate", "appointments")
    assert count["pipeline"][0] == {"$match": TARGET_FILTER}
    answer_count(count, 14)
    duplicate = wire.next("find", "appointments")
    assert duplicate["filter"] == {**TARGET_FILTER, "patient_phone": "+8801712345678"}
    assert duplicate["projection"] == {"_id": 1}           # no patient data comes back
    duplicate.ok(**cursor())
    move = wire.next("update", "appointments")
    [statement] = move["updates"]
    assert statement["q"] == {"_id": APPOINTMENT_ID}
    assert statement["u"] == {"$set": {"hospital_id": "gomoti", "hospital": "Gomoti Hospital",
                                       "appointment_date": MIDNIGHT, "appointment_time": "11:00",
                                       "serial": SERIAL}}      # the target's, from its write
    move.ok(n=1, nModified=1)
    audit = audited(wire, "reschedule", time="11:00", actor="admin",
                    appointment_id=APPOINTMENT_ID, at=FIXED_NOW.replace(tzinfo=None),
                    before={"slot": "gomoti 2026-11-26 10:00"},
                    after={"slot": "gomoti 2026-11-26 11:00"})
    commit = wire.next("commitTransaction")
    same_transaction(fetch, source, target, count, duplicate, move, audit, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert answer.status_code == 200, answer.json
    assert answer.json["appointment"]["appointment_time"] == "11:00"
    wire.quiet()


PATIENT_TOKEN = "patient-token-4f1d"


@pytest.mark.parametrize("active, status", [(1, 200), (2, 409)], ids=["below", "at the cap"])
def test_a_patients_move_into_another_hospital_counts_toward_its_cap_in_the_move(
        wire, active, status):
    """As a booking does: the patient's document written, then their upcoming count there."""
    at_moon = stored(hospital_id="moon", hospital="Moon Hospital",
                     token_hash=hashlib.sha256(PATIENT_TOKEN.encode()).hexdigest())
    response = wire.call(wire.client.patch, f"/api/appointments/{APPOINTMENT_ID}",
                         json={**MOVE, "hospital": "gomoti"},
                         headers={"Authorization": f"Bearer {PATIENT_TOKEN}"})
    owner_lookup(wire, at_moon)
    fetch = transaction_fetch(wire, at_moon)
    source = touch(wire, "Moon Hospital|2026-11-26|10:00")
    target = touch(wire, TARGET_KEY, seat=True)
    answer_count(wire.next("aggregate", "appointments"), 3)
    wire.next("find", "appointments").ok(**cursor())
    patient, count = drive_patient(wire, active=active)
    [statement] = patient["updates"]
    assert (statement["q"], statement["u"], statement["upsert"]) == (
        {"_id": PATIENT_ID}, {"$inc": {"version": 1}}, True)
    assert count["pipeline"][0] == {"$match": UPCOMING_FILTER}
    same_transaction(fetch, source, target, patient, count)
    if status == 200:
        wire.next("update", "appointments").ok(n=1, nModified=1)
        audited(wire, "reschedule", before={"slot": "moon 2026-11-26 10:00"},
                after={"slot": "gomoti 2026-11-26 11:00"})
        wire.next("commitTransaction").ok()
    else:
        wire.next("abortTransaction").ok()       # no move, no audit entry
    answer = response.result(timeout=RECV_S)
    assert answer.status_code == status, answer.json
    if status == 409:
        assert answer.json == {"error": "Patient booking limit reached", "limit": 2,
                               "active": 2}
    wire.quiet()


def test_reschedule_into_a_full_slot_aborts_with_409_and_updates_nothing(wire):
    response, _ = patch(wire, MOVE, stored())
    touch(wire, SOURCE_KEY)
    touch(wire, TARGET_KEY, seat=True)
    answer_count(wire.next("aggregate", "appointments"), 15)
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (409, {
        "error": "Slot is fully booked", "current_bookings": 15, "max_capacity": 15})
    wire.quiet()             # no duplicate check, no update, no commit


def test_reschedule_into_its_own_slot_writes_nothing(wire):
    response, _ = patch(wire, {"date": "2026-11-26", "appointment_time": "10:00"}, stored())
    wire.next("commitTransaction").ok()           # no slot write, no count, no update
    answer = response.result(timeout=RECV_S)
    assert answer.status_code == 200, answer.json
    assert answer.json["appointment"]["appointment_time"] == "10:00"
    wire.quiet()


def test_reschedule_of_a_cancelled_appointment_is_409_and_writes_nothing(wire):
    response, _ = patch(wire, MOVE, stored(status="cancelled"))
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["error"]) == (409, "Appointment is cancelled")
    wire.quiet()


def mongo_metric(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"engine": "mongo"}) or 0.0


def test_reschedule_conflict_retries_the_whole_move_once(wire):
    retries, waited = (mongo_metric("store_transaction_retries_total"),
                       mongo_metric("store_wait_seconds_sum"))
    response, first = patch(wire, MOVE, stored())
    wire.next("findAndModify", "slots").replies(WRITE_CONFLICT)
    wire.next("abortTransaction").ok()
    retry = transaction_fetch(wire, stored())
    assert retry["txnNumber"] == first["txnNumber"] + 1
    touch(wire, SOURCE_KEY)
    touch(wire, TARGET_KEY, seat=True)
    answer_count(wire.next("aggregate", "appointments"), 0)
    wire.next("find", "appointments").ok(**cursor())
    wire.next("update", "appointments").ok(n=1, nModified=1)
    audited(wire, "reschedule")
    wire.next("commitTransaction").ok()
    assert response.result(timeout=RECV_S).status_code == 200
    wire.quiet()             # exactly one move
    assert mongo_metric("store_transaction_retries_total") == retries + 1
    assert 0 < mongo_metric("store_wait_seconds_sum") - waited < RECV_S


# -- idempotent retries --------------------------------------------------------------------------

def post(wire, body=None):
    return wire.call(wire.client.post, "/api/appointments", json=body or GOOD, headers=KEY)


def replay_lookup(wire, document=None):
    """The service's replay check: a plain read by the key's hash, before the booking rules."""
    lookup = wire.next("find", "idempotency_keys")
    assert "txnNumber" not in lookup.doc
    assert lookup["filter"]["_id"] == KEY_HASH
    assert set(lookup["filter"]["created_at"]) == {"$gte"}
    lookup.ok(**(cursor(document) if document else cursor()))
    return lookup


def first_booking(wire):
    """Drive a first booking with KEY to its commit; returns (answer, stored key document)."""
    response = post(wire)
    replay_lookup(wire)
    seat_read(wire)
    inside = wire.next("find", "idempotency_keys")
    assert inside["startTransaction"] is True
    assert inside["filter"] == {"_id": KEY_HASH, "created_at": {"$gte": LIVE_SINCE}}
    inside.ok(**cursor())
    expired = wire.next("delete", "idempotency_keys")     # an expired entry would go
    assert expired["deletes"][0]["q"] == {"_id": KEY_HASH}
    same_transaction(inside, expired)
    expired.ok(n=0)
    _, insert = drive_booking(wire, capped=True)
    store = wire.next("insert", "idempotency_keys")
    same_transaction(inside, insert, store)
    store.ok(n=1)
    wire.next("commitTransaction").ok()
    [document] = store["documents"]
    return response.result(timeout=RECV_S), document


def test_a_keyed_booking_stores_its_key_and_answer_in_the_booking_transaction(wire):
    answer, document = first_booking(wire)
    assert answer.status_code == 201, answer.json
    assert document["_id"] == KEY_HASH
    assert document["response"] == answer.json["appointment"]
    assert answer.json["access_token"] not in str(document)     # sealed, not stored
    wire.quiet()


def test_same_key_and_body_replays_the_first_answer_without_a_transaction(wire):
    first, document = first_booking(wire)
    retry = post(wire)
    replay_lookup(wire, document)
    answer = retry.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (201, first.json)
    assert answer.headers["Idempotent-Replayed"] == "true"
    wire.quiet()             # no transaction, no second seat


def test_same_key_with_another_body_is_422_and_opens_no_transaction(wire):
    _, document = first_booking(wire)
    other = post(wire, {**GOOD, "patient_name": "Someone Else"})
    replay_lookup(wire, document)
    answer = other.result(timeout=RECV_S)
    assert answer.status_code == 422
    assert answer.json["error"] == (
        "Idempotency-Key was already used with a different request body")
    wire.quiet()


def test_another_body_committed_under_the_key_meanwhile_aborts_with_422(wire):
    _, document = first_booking(wire)
    other = post(wire, {**GOOD, "patient_name": "Someone Else"})
    replay_lookup(wire)                       # not there yet when the service looked
    seat_read(wire)
    inside = wire.next("find", "idempotency_keys")
    inside.ok(**cursor(document))             # committed by the time the transaction reads
    wire.next("abortTransaction").ok()
    assert other.result(timeout=RECV_S).status_code == 422
    wire.quiet()             # no slot write, no insert


def test_a_first_attempt_still_in_flight_answers_409_and_books_nothing(wire):
    response = post(wire)
    replay_lookup(wire)
    seat_read(wire)
    wire.next("find", "idempotency_keys").ok(**cursor())
    wire.next("delete", "idempotency_keys").ok(n=0)
    drive_booking(wire, capped=True)
    wire.next("insert", "idempotency_keys").ok(n=0, writeErrors=[{
        "index": 0, "code": 11000, "errmsg": "E11000 duplicate key error collection: "
        f"hospital_booking.idempotency_keys index: _id_ dup key: {{ _id: \"{KEY_HASH}\" }}"}])
    wire.next("abortTransaction").ok()        # the appointment insert goes with it
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["error"]) == (
        409, "A request with this Idempotency-Key is still being processed")
    wire.quiet()


# -- visit statuses ------------------------------------------------------------------------------

@pytest.mark.parametrize("document", [
    stored(),
    {k: v for k, v in stored().items() if k != "status"},   # the old app's: booked by default
], ids=["ours", "without status"])
def test_check_in_sets_the_status_in_one_transaction_without_touching_the_slot(wire, document):
    response, fetch = patch(wire, {"status": "checked_in"}, document)
    update = wire.next("update", "appointments")
    [statement] = update["updates"]
    assert (statement["q"], statement["u"]) == ({"_id": APPOINTMENT_ID},
                                                {"$set": {"status": "checked_in"}})
    update.ok(n=1, nModified=1)
    audit = audited(wire, "status", actor="admin", before={"status": "booked"},
                    after={"status": "checked_in"})
    commit = wire.next("commitTransaction")
    same_transaction(fetch, update, audit, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["appointment"]["status"]) == (200, "checked_in")
    wire.quiet()


def test_a_status_changed_meanwhile_aborts_with_409_and_writes_nothing(wire):
    response = wire.call(wire.client.patch, f"/api/appointments/{APPOINTMENT_ID}",
                         json={"status": "checked_in"}, headers=ADMIN)
    owner_lookup(wire, stored())                            # booked when the service looked
    transaction_fetch(wire, stored(status="cancelled"))     # cancelled by the patient since
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (409, {
        "error": "Cannot change status from cancelled to checked_in",
        "current_status": "cancelled"})
    wire.quiet()


@pytest.mark.parametrize("body, change", [({"status": "cancelled"}, "cancelled"),
                                          (MOVE, "rescheduled")], ids=["cancel", "move"])
def test_a_check_in_committed_meanwhile_aborts_a_cancel_or_move_with_409(wire, body, change):
    response = wire.call(wire.client.patch, f"/api/appointments/{APPOINTMENT_ID}", json=body,
                         headers=ADMIN)
    owner_lookup(wire, stored())                            # booked when the service looked
    transaction_fetch(wire, stored(status="checked_in"))    # checked in by staff since
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (409, {
        "error": f"Cannot change status from checked_in to {change}",
        "current_status": "checked_in"})
    wire.quiet()             # no slot write, no update, no audit entry, no commit


# -- reads outside transactions ------------------------------------------------------------------

def test_slot_availability_counts_the_slot_with_the_documents_query(wire):
    response = wire.call(wire.client.get, "/api/appointments/availability/gomoti/2026-11-26/10:00")
    rules = wire.next("find", "slots")                # the slot's override or closure, if any
    assert "txnNumber" not in rules.doc
    rules.ok(cursor={"id": 0, "ns": "hospital_booking.slots", "firstBatch": []})
    count = wire.next("aggregate", "appointments")
    assert "txnNumber" not in count.doc
    assert count["pipeline"][0] == {"$match": SLOT_FILTER}
    answer_count(count, 4)
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["current_bookings"],
            answer.json["available_slots"]) == (200, 4, 11)
    wire.quiet()


def test_ready_pings_the_primary_and_answers_ready(wire):
    response = wire.call(wire.client.get, "/api/ready")
    ping = wire.next("ping")
    assert ping.namespace == "admin"
    ping.ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (200, {"status": "ready"})


def test_not_ready_within_a_second_when_the_primary_does_not_answer_the_ping(wire):
    started = time.monotonic()
    response = wire.call(wire.client.get, "/api/ready")
    wire.next("ping")                         # and never answered
    answer = response.result(timeout=RECV_S)
    assert time.monotonic() - started < 3
    assert answer.status_code == 503
    # ... and the driver's error that says why (NetworkTimeout here), for the operator
    assert re.fullmatch(r"no MongoDB primary answered within 1.0 s: \w+Timeout(Error)?",
                        answer.json["reason"])


def test_the_same_body_committed_under_the_key_meanwhile_replays_and_books_nothing(wire):
    first, document = first_booking(wire)
    retry = post(wire)
    replay_lookup(wire)                       # not there yet when the service looked
    seat_read(wire)
    wire.next("find", "idempotency_keys").ok(**cursor(document))
    wire.next("commitTransaction").ok()       # a read-only transaction: no slot write
    answer = retry.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (201, first.json)
    assert answer.headers["Idempotent-Replayed"] == "true"
    wire.quiet()


# -- start-up and connection -----------------------------------------------------------------------

def test_the_client_names_itself_to_the_server():
    server, handshakes = MockupDB(request_timeout=RECV_S), []
    server.run()
    server.autoresponds(by_name("ismaster", replica_set_hello(server), log=handshakes))
    server.autoresponds(by_name("hello", replica_set_hello(server)))
    server.autoresponds(by_name("endSessions"))
    server.autoresponds(by_name("createIndexes"))
    server.autoresponds(by_name("listIndexes", cursor()))
    try:
        MongoRepository.connect(server.uri, "hospital_booking", 2.0,
                                hospital_names={"gomoti": "Gomoti Hospital"}).close()
    finally:
        server.stop()
    assert handshakes[0]["client"]["application"] == {"name": "hospital-booking"}


def test_a_server_down_at_start_up_is_logged_and_waited_for_up_to_the_timeout(caplog):
    settings = Settings.from_env(env={
        "MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}/?replicaSet=rs0",
        "STORE_TIMEOUT_S": "1"})
    app = create_app(settings, now=lambda: FIXED_NOW)
    assert "MongoDB unreachable at start-up; answering 503 until it answers" in [
        r.getMessage() for r in caplog.records]
    try:
        started = time.monotonic()
        response = app.test_client().post("/api/appointments", json=GOOD)
        waited = time.monotonic() - started
    finally:
        app.extensions["booking"].repository.close()
    assert response.status_code == 503
    assert waited > 0.9          # a blip shorter than STORE_TIMEOUT_S is ridden out


def test_a_standalone_server_found_after_start_up_is_503_and_logged_as_such(caplog):
    server = start_mock(standalone_hello)
    repo = MongoRepository(lambda: MongoClient(server.uri, serverSelectionTimeoutMS=2000),
                           "hospital_booking", 2.0, hospital_names={"gomoti": "Gomoti Hospital"})
    try:
        with pytest.raises(StoreUnavailable):
            writes.book(repo, SLOT, appointment(), "h")
    finally:
        repo.close()
        server.stop()
    [logged] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert logged.startswith("MongoDB cannot serve bookings: MongoDB at MONGODB_URI is a "
                             "standalone server")


def test_production_mode_from_the_environment_refuses_a_server_open_to_anyone():
    server = start_mock(replica_set_hello)
    server.autoresponds(by_name("delete", {"ok": 1, "n": 0}))     # the anonymous probe works
    settings = Settings.from_env(env={"MONGODB_URI": server.uri, "STORE_TIMEOUT_S": "2",
                                      "MONGODB_REQUIRE_AUTH": "1"})
    try:
        with pytest.raises(ConfigError):
            create_app(settings, now=lambda: FIXED_NOW)
    finally:
        server.stop()


def test_a_connected_primary_that_stops_answering_is_503_within_the_timeout(primary):
    repo = MongoRepository.connect(primary.uri, "hospital_booking", 1.0,
                                   hospital_names={"gomoti": "Gomoti Hospital"})
    wire = Wire(primary)
    started = time.monotonic()
    try:
        result = wire.call(writes.book, repo, SLOT, appointment(), "h")
        wire.next("findAndModify", "slots")              # received, never answered
        assert isinstance(result.exception(timeout=RECV_S), StoreUnavailable)
        assert time.monotonic() - started < 3.0
    finally:
        wire.close()
        repo.close()


def test_a_prepared_repository_does_not_check_the_server_again_per_write(wire):
    checks = (len(SEEN["hello"]), len(SEEN["createIndexes"]))
    response, _ = patch(wire, {"status": "cancelled"}, stored(status="cancelled"))
    wire.next("commitTransaction").ok()
    assert response.result(timeout=RECV_S).status_code == 200
    assert (len(SEEN["hello"]), len(SEEN["createIndexes"])) == checks
# -- hospital operations -------------------------------------------------------------------------

SLOT_KEY = "Gomoti Hospital|2026-11-26|10:00"


def test_a_booking_takes_the_capacity_its_slot_write_returns(wire):
    response = wire.call(wire.client.post, "/api/appointments", json=GOOD)
    seat_read(wire)                         # the reads showed the slot open
    touch(wire, SLOT_KEY, seat=True, capacity=2)
    answer_count(wire.next("aggregate", "appointments"), 2)
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (409, {
        "error": "Slot is fully booked", "current_bookings": 2, "max_capacity": 2})
    wire.quiet()             # no insert, no audit entry


def test_a_booking_into_a_closed_slot_aborts_before_counting(wire):
    response = wire.call(wire.client.post, "/api/appointments", json=GOOD)
    seat_read(wire)                         # the reads showed the slot open
    touch(wire, SLOT_KEY, seat=True, closed="Flood")
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (
        400, {"error": "Hospital closed on 2026-11-26: Flood"})
    wire.quiet()


def test_a_capacity_change_writes_the_slot_then_its_entry_in_one_transaction(wire):
    response = wire.call(wire.client.put, "/api/admin/capacity", headers=ADMIN, json={
        "hospital": "gomoti", "date": "2026-11-26", "time": "10:00", "capacity": 3})
    slot = touch(wire, SLOT_KEY, capacity=9)
    assert slot["startTransaction"] is True
    change = wire.next("update", "slots")
    [statement] = change["updates"]
    assert (statement["q"], statement["u"]) == ({"_id": SLOT_KEY}, {"$set": {"capacity": 3}})
    change.ok(n=1, nModified=1)
    audit = audited(wire, "capacity", actor="admin", before={"capacity": 9},
                    after={"capacity": 3}, appointment_id=None)
    count = wire.next("aggregate", "appointments")
    answer_count(count, 4)
    commit = wire.next("commitTransaction")
    same_transaction(slot, change, audit, count, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert answer.json["over_capacity"] == ["10:00"]
    wire.quiet()


def test_a_closure_is_stored_with_its_slots_closed_in_one_transaction(wire):
    response = wire.call(wire.client.post, "/api/admin/closures", headers=ADMIN, json={
        "hospital": "gomoti", "date": "2026-11-26", "reason": "Flood", "start": "10:00",
        "end": "10:30"})
    stored = wire.next("insert", "closures")
    [closure] = stored["documents"]
    assert {k: v for k, v in closure.items() if k != "_id"} == {
        "hospital_id": "gomoti", "date": "2026-11-26", "start": "10:00", "end": "10:30",
        "reason": "Flood"}
    stored.ok(n=1)
    written = touch(wire, SLOT_KEY)
    close = wire.next("update", "slots")
    assert (close["updates"][0]["q"], close["updates"][0]["u"]) == (
        {"_id": SLOT_KEY}, {"$set": {"closed": "Flood"}})
    close.ok(n=1, nModified=1)
    audit = audited(wire, "close", before={"closed": None},
                    after={"closed": "Flood", "closure_id": closure["_id"]})
    count = wire.next("aggregate", "appointments")
    answer_count(count, 6)
    commit = wire.next("commitTransaction")
    same_transaction(stored, written, close, audit, count, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json["active_bookings"]) == (201, 6)
    wire.quiet()


def test_removing_a_closure_reopens_its_slots_unless_another_closure_covers_them(wire):
    flood = {"_id": "c1", "hospital_id": "gomoti", "date": "2026-11-26", "start": "10:00",
             "end": "11:00", "reason": "Flood"}
    strike = {"_id": "c2", "hospital_id": "gomoti", "date": "2026-11-26", "start": "10:30",
              "end": "11:00", "reason": "Strike"}
    response = wire.call(wire.client.delete, "/api/admin/closures/c1", headers=ADMIN)
    found = wire.next("find", "closures")
    assert (found["filter"], found["startTransaction"]) == ({"_id": "c1"}, True)
    found.ok(cursor={"id": 0, "ns": "hospital_booking.closures", "firstBatch": [flood]})
    deleted = wire.next("delete", "closures")
    assert [(d["q"], d["limit"]) for d in deleted["deletes"]] == [({"_id": "c1"}, 1)]
    deleted.ok(n=1)
    others = wire.next("find", "closures")      # the day's closures left, in order
    assert (others["filter"], others["sort"]) == (
        {"hospital_id": "gomoti", "date": "2026-11-26"}, {"date": 1, "start": 1, "_id": 1})
    others.ok(cursor={"id": 0, "ns": "hospital_booking.closures", "firstBatch": [strike]})
    slots = wire.next("find", "slots")
    assert (slots["filter"], slots["projection"]) == (
        {"hospital": "Gomoti Hospital", "appointment_date": MIDNIGHT}, {"appointment_time": 1})
    slots.ok(cursor={"id": 0, "ns": "hospital_booking.slots", "firstBatch": [
        {"_id": f"Gomoti Hospital|2026-11-26|{t}", "appointment_time": t}
        for t in ("11:00", "10:30", "10:00")]})           # 11:00 is outside the closure
    writes = []
    for time_, still, by in (("10:00", None, None), ("10:30", "Strike", "c2")):
        writes.append(touch(wire, f"Gomoti Hospital|2026-11-26|{time_}", closed="Flood"))
        reopen = wire.next("update", "slots")
        assert (reopen["updates"][0]["q"], reopen["updates"][0]["u"]) == (
            {"_id": f"Gomoti Hospital|2026-11-26|{time_}"}, {"$set": {"closed": still}})
        reopen.ok(n=1, nModified=1)
        writes.append(audited(wire, "reopen", actor="admin", time=time_,
                              before={"closed": "Flood"},
                              after={"closed": still, "closure_id": by}))
    commit = wire.next("commitTransaction")
    same_transaction(found, deleted, others, slots, *writes, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (200, {"closure": {
        "id": "c1", "hospital_id": "gomoti", "date": "2026-11-26", "start": "10:00",
        "end": "11:00", "reason": "Flood"}})
    wire.quiet()


def test_removing_an_unknown_closure_is_404_and_writes_nothing(wire):
    response = wire.call(wire.client.delete, "/api/admin/closures/c9", headers=ADMIN)
    wire.next("find", "closures").ok(
        cursor={"id": 0, "ns": "hospital_booking.closures", "firstBatch": []})
    wire.next("abortTransaction").ok()
    answer = response.result(timeout=RECV_S)
    assert (answer.status_code, answer.json) == (404, {"error": "Closure not found"})
    wire.quiet()


def test_bulk_cancel_writes_each_slot_then_cancels_and_audits_its_bookings(wire):
    closure = {"_id": "c1", "hospital_id": "gomoti", "date": "2026-11-26", "start": "10:00",
               "end": "10:30", "reason": "Flood"}
    response = wire.call(wire.client.post, "/api/admin/closures/c1/cancel-bookings",
                         headers=ADMIN)
    found = wire.next("find", "closures")
    assert (found["filter"], found["startTransaction"]) == ({"_id": "c1"}, True)
    found.ok(cursor={"id": 0, "ns": "hospital_booking.closures", "firstBatch": [closure]})
    slots = wire.next("find", "slots")
    assert slots["filter"] == {"hospital": "Gomoti Hospital", "appointment_date": MIDNIGHT}
    slots.ok(cursor={"id": 0, "ns": "hospital_booking.slots", "firstBatch": [
        {"_id": SLOT_KEY, "appointment_time": "10:00"},
        {"_id": "Gomoti Hospital|2026-11-26|10:30", "appointment_time": "10:30"}]})
    written = touch(wire, SLOT_KEY, closed="Flood")      # 10:30 is outside the closure
    waiting = wire.next("find", "appointments")
    assert waiting["filter"]["status"] == {"$nin": ["cancelled", "checked_in", "completed",
                                                    "no_show"]}
    waiting.ok(**cursor(stored()))
    cancel = wire.next("update", "appointments")
    assert cancel["updates"][0]["u"] == {"$set": {"status": "cancelled"}}
    cancel.ok(n=1, nModified=1)
    audit = audited(wire, "bulk_cancel", actor="admin", appointment_id=APPOINTMENT_ID,
                    after={"reason": "Flood", "status": "cancelled"})
    commit = wire.next("commitTransaction")
    same_transaction(found, slots, written, waiting, cancel, audit, commit)
    commit.ok()
    answer = response.result(timeout=RECV_S)
    assert answer.json == {"closure_id": "c1", "cancelled": 1,
                           "appointment_ids": [APPOINTMENT_ID]}
    wire.quiet()
