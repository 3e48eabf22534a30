"""The Mongo engine's documents, queries and indexes, against mongomock.

mongomock has no sessions or transactions, so nothing here exercises `book`, `cancel` or
`reschedule`: their transactions are pinned on the wire in test_mongo_wire.py and run for real
in the contract and e2e suites when a replica set is available. What mongomock can show: the
shape of the documents (the old app's fields, so its data and ours are counted together), the
queries that read them, and the index definitions.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import mongomock
import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.domain.errors import DuplicateBooking, IdempotencyKeyReused, ReferenceTaken
from app.domain.model import Appointment, AppointmentQuery, IdempotencyEntry, SlotKey
from app.domain.operations import AuditEntry, Closure, SlotRules
from app.domain.selection import Appointments
from app.service import writes
from app.storage.mongo import MongoRepository
from app.storage.mongo.documents import (
    appointment_document,
    audit_document,
    duplicate_error,
    filter_of,
    from_document,
    stored_phone,
)
from app.storage.mongo.indexes import create_indexes
from app.storage.mongo.store import MongoStore
from tests.support.filters import FILTERS, PATIENT, REFERENCE, found_as_matched
from tests.support.mongo_documents import DAY, MIDNIGHT, NOW, legacy, ours

GOMOTI_DAY = ("gomoti", DAY)


@pytest.fixture
def client():
    return mongomock.MongoClient(tz_aware=True)


@pytest.fixture
def db(client):
    return client.hospital_booking


@pytest.fixture
def repo(client):
    return MongoRepository(lambda: client, "hospital_booking", timeout=1.0,
                           hospital_names={"gomoti": "Gomoti Hospital", "moon": "Moon Hospital"})


def insert(db, *appointments: Appointment) -> None:
    db.appointments.insert_many([appointment_document(a, f"hash-{a.id}") for a in appointments])


# -- documents -------------------------------------------------------------------------------

def test_our_document_has_the_old_apps_fields_and_ours():
    made = ours(phone="+8801712345678")
    document = appointment_document(made, "token-hash")
    assert document == {
        "_id": made.id, "hospital_id": "gomoti", "hospital": "Gomoti Hospital",
        "appointment_date": MIDNIGHT, "appointment_time": "10:00", "status": "booked",
        "patient_name": "Rahim Uddin", "patient_phone": "+8801712345678",
        "patient_email": None, "doctor": None, "notes": None, "token_hash": "token-hash",
        "created_at": NOW, "serial": None}
    # `new Date('2026-11-26')` in the old app: UTC midnight, not Dhaka midnight.
    assert document["appointment_date"].utcoffset() == timedelta(0)
    assert (document["appointment_date"].hour, document["appointment_date"].minute) == (0, 0)


def test_our_document_reads_back_as_the_same_appointment(db):
    made = ours()
    insert(db, made)
    assert from_document(db.appointments.find_one({"_id": made.id})) == made


def test_legacy_document_reads_with_objectid_id_and_no_hospital_id(db):
    document = legacy(status="confirmed", day=datetime(2026, 11, 26))     # naive, as some drivers
    db.appointments.insert_one(document)
    read = from_document(db.appointments.find_one())
    assert read.id == str(document["_id"])
    assert (read.hospital_id, read.hospital) == ("", "Gomoti Hospital")
    assert (read.date, read.appointment_time, read.status) == (DAY, "10:00", "confirmed")
    assert read.created_at == document["_id"].generation_time      # no created_at: the id's time
    assert read.patient_email is None


def test_legacy_document_without_status_reads_as_booked(db):
    db.appointments.insert_one(legacy(status=None))
    assert from_document(db.appointments.find_one()).status == "booked"


SEATED = filter_of(Appointments.seated_in(SlotKey("gomoti", DAY, "10:00")), "Gomoti Hospital")


# -- queries ---------------------------------------------------------------------------------

def test_slot_filter_counts_legacy_and_ours_and_never_cancelled(db):
    insert(db, ours(phone="1"), ours(phone="2", status="cancelled"),
           ours(phone="3", time="10:30"), ours(phone="4", day=DAY + timedelta(days=1)),
           ours(phone="5", hospital=("moon", "Moon Hospital")))
    db.appointments.insert_many([
        legacy(), legacy(status="confirmed"), legacy(status=None),    # all active
        legacy(status="cancelled"),
        legacy(day=datetime(2026, 11, 25, 18, 0, tzinfo=UTC)),   # Dhaka midnight: another day
        legacy(hospital="gomoti"),                                 # the id is not the name
    ])
    assert db.appointments.count_documents(SEATED) == 4


def test_day_counts_group_a_hospital_days_active_appointments(db, repo):
    insert(db, ours(phone="1"), ours(phone="2"), ours(phone="3", status="cancelled"),
           ours(phone="4", time="11:00"), ours(phone="5", day=DAY + timedelta(days=1)),
           ours(phone="6", hospital=("moon", "Moon Hospital")))
    db.appointments.insert_many([legacy(), legacy(time="11:00", status="cancelled"),
                                 legacy(time="12:00", status="confirmed")])
    assert repo.day_counts("gomoti", DAY) == {"10:00": 3, "11:00": 1,
                                                                 "12:00": 1}


def test_get_finds_legacy_by_objectid_string_and_ours_by_id(db, repo):
    made = ours()
    insert(db, made)
    old = legacy()
    db.appointments.insert_one(old)
    assert repo.get(made.id) == (made, f"hash-{made.id}")
    found, token_hash = repo.get(str(old["_id"]))
    assert (found.id, token_hash) == (str(old["_id"]), None)
    assert repo.get(str(ObjectId())) is None
    assert repo.get("no-such-id") is None


def test_search_pages_a_day_in_time_then_creation_order(db, repo):
    late = [ours(time="11:00", phone=str(n), n=n) for n in range(3)]
    early = [ours(time="10:00", phone=str(n), n=n) for n in range(10, 13)]
    insert(db, *late, *early, ours(hospital=("moon", "Moon Hospital")),
           ours(day=DAY + timedelta(days=1)))
    page, total = repo.search(AppointmentQuery(*GOMOTI_DAY, limit=4, offset=1))
    assert total == 6
    assert [a.id for a in page] == [a.id for a in early[1:] + late[:2]]
    page, total = repo.search(AppointmentQuery(*GOMOTI_DAY, time="11:00", limit=2))
    assert (total, [a.id for a in page]) == (3, [a.id for a in late[:2]])


def test_search_filters_by_status(db, repo):
    kept, cancelled = ours(phone="1"), ours(phone="2", status="cancelled")
    insert(db, kept, cancelled)
    assert [a.id for a in repo.search(AppointmentQuery(*GOMOTI_DAY, status="cancelled"))[0]] \
        == [cancelled.id]


def test_search_filters_by_phone(db, repo):
    mine, other = ours(phone="+8801811111111"), ours(phone="+8801822222222", n=1)
    insert(db, mine, other)
    found, total = repo.search(AppointmentQuery(*GOMOTI_DAY, phone="+8801811111111"))
    assert ([a.id for a in found], total) == ([mine.id], 1)


def test_search_lists_the_legacy_appointments_the_slot_counts(db, repo):
    db.appointments.insert_many([legacy(), legacy(status="confirmed")])
    page, total = repo.search(AppointmentQuery(*GOMOTI_DAY))
    assert total == db.appointments.count_documents(
        SEATED) == 2


# -- indexes ---------------------------------------------------------------------------------

def test_replay_finds_a_live_key_and_ignores_an_expired_one(db, repo):
    stored = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    db.idempotency_keys.insert_one({"_id": "k", "fingerprint": "f", "response": {"id": "a"},
                                    "sealed_token": "00", "created_at": stored})
    assert writes.replay(repo, "k", "f", stored - timedelta(hours=24)).response == {"id": "a"}
    assert writes.replay(repo, "k", "f", stored + timedelta(seconds=1)) is None


def test_created_at_falls_back_for_legacy_documents_without_it(db):
    oid = ObjectId()
    assert from_document(legacy(_id=oid)).created_at == oid.generation_time
    assert from_document(legacy(_id="legacy-7")).created_at == datetime.fromtimestamp(0, UTC)


def test_create_indexes_is_idempotent_and_defines_the_four_indexes(db):
    create_indexes(db)
    create_indexes(db)
    appointments = db.appointments.index_information()
    assert set(appointments) == {"_id_", "slot_status", "one_patient_per_slot_counted",
                                 "patient_upcoming", "unique_reference"}
    assert (appointments["unique_reference"]["unique"],
            appointments["unique_reference"]["sparse"]) == (True, True)
    assert appointments["patient_upcoming"]["key"] == [
        ("hospital", 1), ("patient_phone", 1), ("appointment_date", 1)]
    assert appointments["slot_status"]["key"] == [
        ("hospital", 1), ("appointment_date", 1), ("appointment_time", 1), ("status", 1)]
    patient = appointments["one_patient_per_slot_counted"]
    assert patient["key"] == [("hospital", 1), ("appointment_date", 1),
                              ("appointment_time", 1), ("patient_phone", 1)]
    assert patient["unique"] is True
    assert patient["partialFilterExpression"] == {
        "status": {"$in": ["booked", "checked_in", "completed", "no_show"]},
        "hospital_id": {"$exists": True}}
    expiry = db.idempotency_keys.index_information()["expire_after_24h"]
    assert (expiry["key"], expiry["expireAfterSeconds"]) == ([("created_at", 1)], 86400)
    # mongomock stores the TTL but never expires documents: the repository's own check on
    # created_at (in the transaction) is what a replay relies on; see the contract suite.


def test_patient_index_refuses_our_duplicates_but_not_legacy_or_cancelled_ones(db):
    # mongomock 4.3 enforces unique partial indexes; a real server is the authority (the
    # contract suite's duplicate tests run against one when available).
    create_indexes(db)
    insert(db, ours())
    with pytest.raises(DuplicateKeyError):
        db.appointments.insert_one(appointment_document(ours(), "h"))
    insert(db, ours(status="cancelled"))
    db.appointments.insert_many([legacy(), legacy()])      # the old app's duplicates stay
    assert db.appointments.count_documents({}) == 4


@pytest.mark.parametrize("visit", ["checked_in", "completed", "no_show"])
def test_patient_index_refuses_a_second_seat_next_to_a_recorded_visit(db, visit):
    create_indexes(db)
    insert(db, ours(status=visit))
    with pytest.raises(DuplicateKeyError):
        db.appointments.insert_one(appointment_document(ours(), "h"))


def create_booked_only_index(db) -> None:
    """The patient index deployments built before it covered every counted status."""
    db.appointments.create_index(
        [("hospital", 1), ("appointment_date", 1), ("appointment_time", 1), ("patient_phone", 1)],
        name="one_patient_per_slot", unique=True,
        partialFilterExpression={"status": "booked", "hospital_id": {"$exists": True}})


def test_an_existing_booked_only_index_is_replaced_by_the_counted_one(db):
    create_booked_only_index(db)
    create_indexes(db)
    create_indexes(db)
    assert set(db.appointments.index_information()) == {
        "_id_", "slot_status", "one_patient_per_slot_counted", "patient_upcoming",
        "unique_reference"}


def test_the_booked_only_index_stays_while_old_duplicates_block_its_replacement(db, caplog):
    create_booked_only_index(db)
    insert(db, ours(status="checked_in"), ours())       # the booked-only index let them in
    create_indexes(db)
    assert "one_patient_per_slot_counted index not built" in caplog.text
    assert "one_patient_per_slot" in db.appointments.index_information()


def test_old_duplicates_leave_the_patient_index_unbuilt_with_a_warning(db, caplog):
    db.appointments.insert_many([appointment_document(ours(), "h") for _ in range(2)])
    create_indexes(db)
    assert "one_patient_per_slot_counted index not built" in caplog.text
    assert "slot_status" in db.appointments.index_information()
    assert "expire_after_24h" in db.idempotency_keys.index_information()


# -- the admin list and replay filters, legacy statuses included -------------------------------

def test_search_for_booked_lists_every_status_the_count_counts(db, repo):
    kept = ours(phone="1")
    insert(db, kept, ours(phone="2", status="cancelled"))
    db.appointments.insert_many([legacy(status="confirmed"), legacy(status="pending"),
                                 legacy(status=None), legacy(status="cancelled")])
    page, total = repo.search(AppointmentQuery(*GOMOTI_DAY, status="booked"))
    counted = db.appointments.count_documents(SEATED)
    assert total == len(page) == counted == 4
    assert sorted(a.status for a in page) == ["booked", "booked", "confirmed", "pending"]


def test_search_for_cancelled_lists_ours_and_legacy_cancellations_only(db, repo):
    cancelled = ours(phone="2", status="cancelled")
    insert(db, ours(phone="1"), cancelled)
    old = legacy(status="cancelled")
    db.appointments.insert_many([old, legacy(status="confirmed")])
    page, total = repo.search(AppointmentQuery(*GOMOTI_DAY, status="cancelled"))
    assert (total, sorted(a.id for a in page)) == (2, sorted([cancelled.id, str(old["_id"])]))


def test_search_without_status_lists_every_appointment_of_the_day(db, repo):
    insert(db, ours(phone="1"), ours(phone="2", status="cancelled"),
           ours(phone="3", day=DAY + timedelta(days=1)))
    db.appointments.insert_many([legacy(status="confirmed"), legacy(status="cancelled"),
                                 legacy(hospital="Moon Hospital")])
    assert repo.search(AppointmentQuery(*GOMOTI_DAY))[1] == 4


def test_search_by_time_keeps_legacy_statuses_of_that_time_only(db, repo):
    db.appointments.insert_many([legacy(time="10:00", status="confirmed"),
                                 legacy(time="10:30", status="confirmed")])
    page, total = repo.search(AppointmentQuery(*GOMOTI_DAY, time="10:30", status="booked"))
    assert (total, [a.appointment_time for a in page]) == (1, ["10:30"])


def test_replay_refuses_another_fingerprint_and_ignores_other_keys(db, repo):
    stored = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    db.idempotency_keys.insert_many([
        {"_id": "k", "fingerprint": "f", "response": {"id": "a"}, "sealed_token": "00",
         "created_at": stored},
        {"_id": "other", "fingerprint": "g", "response": {"id": "b"}, "sealed_token": "01",
         "created_at": stored}])
    since = stored - timedelta(hours=24)
    with pytest.raises(IdempotencyKeyReused):
        writes.replay(repo, "k", "g", since)
    found = writes.replay(repo, "k", "f", since)
    assert (found.key_hash, found.fingerprint, found.response, found.sealed_token) == (
        "k", "f", {"id": "a"}, "00")
    assert writes.replay(repo, "unknown", "f", since) is None
    # expired: no refusal
    assert writes.replay(repo, "k", "g", stored + timedelta(seconds=1)) is None


def test_search_breaks_ties_of_time_and_creation_by_id(db, repo):
    same = [replace(ours(phone=str(n)), id=name) for n, name in enumerate(["c3", "a1", "b2"])]
    insert(db, *same)
    page, _ = repo.search(AppointmentQuery(*GOMOTI_DAY))
    assert [a.id for a in page] == ["a1", "b2", "c3"]


def test_optional_fields_read_back_as_stored(db):
    made = replace(ours(), patient_email="rahim@example.com", doctor="Dr. Karim",
                   notes="First visit")
    insert(db, made)
    assert from_document(db.appointments.find_one({"_id": made.id})) == made


def test_legacy_document_without_patient_fields_reads_them_as_empty(db):
    document = legacy()
    del document["patient_name"], document["patient_phone"]
    read = from_document(document)
    assert (read.patient_name, read.patient_phone, read.doctor, read.notes) == ("", "", None, None)


def test_naive_legacy_dates_read_as_utc(db):
    read = from_document(legacy(created_at=datetime(2026, 11, 20, 9, 30)))
    assert read.created_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_replay_returns_the_entry_as_stored(db, repo):
    stored = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    db.idempotency_keys.insert_one({"_id": "k", "fingerprint": "f", "response": {"id": "a"},
                                    "sealed_token": "00", "created_at": stored})
    assert writes.replay(repo, "k", "f", stored - timedelta(hours=1)) == IdempotencyEntry(
        "k", "f", {"id": "a"}, "00", stored)


def test_a_closed_repository_makes_a_fresh_client_when_used_again():
    made = []

    def factory():
        made.append(mongomock.MongoClient(tz_aware=True))
        return made[-1]

    repo = MongoRepository(factory, "hospital_booking", timeout=1.0,
                           hospital_names={"gomoti": "Gomoti Hospital"})
    repo.get("any")
    repo.close()
    repo.get("any")
    assert len(made) == 2


def test_old_duplicates_warning_names_the_error_and_what_to_do(db, caplog):
    db.appointments.insert_many([appointment_document(ours(), "h") for _ in range(2)])
    create_indexes(db)
    assert "one_patient_per_slot_counted index not built (DuplicateKeyError); resolve " \
        "duplicate bookings" in [r.getMessage() for r in caplog.records]


# -- hospital operations: what the reads find ------------------------------------------------

def test_slot_rules_read_slot_documents_by_display_name_with_an_override_or_a_closure(db, repo):
    def slot_document(time, day=MIDNIGHT, hospital="Gomoti Hospital", **rules):
        return {"_id": f"{hospital}|{day.date().isoformat()}|{time}", "hospital": hospital,
                "appointment_date": day, "appointment_time": time, "version": 3, **rules}

    db.slots.insert_many([         # out of time order: the answer is sorted
        slot_document("10:30", closed="Flood"), slot_document("10:00", capacity=5),
        slot_document("11:00"),                                          # only booked: no rule
        slot_document("11:30", capacity=None, closed=None),              # both cleared
        slot_document("10:00", day=MIDNIGHT + timedelta(days=1), capacity=2),
        slot_document("10:00", hospital="Moon Hospital", capacity=9)])
    key = lambda t, d=DAY: SlotKey("gomoti", d, t)      # noqa: E731
    assert repo.slot_rules("gomoti", DAY) == {key("10:00"): SlotRules(capacity=5),
                                              key("10:30"): SlotRules(closed="Flood")}
    assert list(repo.slot_rules("gomoti")) == [key("10:00"), key("10:30"),
                                               key("10:00", DAY + timedelta(days=1))]


def test_closures_and_audit_entries_read_back_as_written(db, repo):
    db.closures.insert_many([
        {"_id": "b", "hospital_id": "gomoti", "date": "2026-11-26", "start": "14:00",
         "end": "15:00", "reason": "Strike"},
        {"_id": "a", "hospital_id": "gomoti", "date": "2026-11-26", "start": None, "end": None,
         "reason": "Flood"},
        {"_id": "c", "hospital_id": "moon", "date": "2026-11-26", "start": None, "end": None,
         "reason": "Other hospital"},
        {"_id": "d", "hospital_id": "gomoti", "date": "2026-11-28", "start": None, "end": None,
         "reason": "Election"}])
    assert [c.id for c in repo.closures("gomoti", DAY)] == ["a", "b"]
    assert [c.id for c in repo.closures("gomoti")] == ["a", "b", "d"]
    assert repo.closures("gomoti")[1] == Closure("b", "gomoti", DAY, "Strike", "14:00", "15:00")
    db.audit.insert_many([       # out of order; the same instant is ordered by _id
        {"_id": _id, "at": NOW + timedelta(seconds=s), "actor": actor, "action": action,
         "hospital_id": "gomoti", "date": "2026-11-26", "time": "10:00", "appointment_id": who,
         "before": before, "after": after}
        for _id, s, actor, action, who, before, after in [
            ("e3", 2, "admin", "status", "x", {"status": "booked"}, {"status": "checked_in"}),
            ("e2", 1, "patient", "book", "y", {}, {"status": "booked"}),
            ("e1", 1, "patient", "book", "x", {}, {"status": "booked"})]])
    slot = SlotKey("gomoti", DAY, "10:00")
    trail = repo.audit_trail(appointment_id="x")
    assert trail == [
        AuditEntry(NOW + timedelta(seconds=1), "patient", "book", slot, "x", {},
                   {"status": "booked"}),
        AuditEntry(NOW + timedelta(seconds=2), "admin", "status", slot, "x",
                   {"status": "booked"}, {"status": "checked_in"})]
    assert [e.appointment_id for e in repo.audit_trail(slot=slot)] == ["x", "y", "x"]
    assert repo.audit_trail(slot=SlotKey("gomoti", DAY, "10:30")) == []


def test_operations_indexes_serve_their_queries(db):
    """Each index leads with the fields its reads filter on (slot_rules, closures, trails)."""
    create_indexes(db)
    keys = {name: info["key"] for collection in (db.slots, db.closures, db.audit)
            for name, info in collection.index_information().items() if name != "_id_"}
    assert keys == {
        "slots_by_day": [("hospital", 1), ("appointment_date", 1)],
        "closures_by_day": [("hospital_id", 1), ("date", 1)],
        "audit_by_appointment": [("appointment_id", 1)],
        "audit_by_slot": [("hospital_id", 1), ("date", 1), ("time", 1)]}


# -- normalizing the old app's phones ---------------------------------------------------------

def test_phone_batches_cover_our_string_ids_and_the_old_apps_object_ids(repo, db):
    insert(db, ours(phone="01712345679"))
    db.appointments.insert_many([legacy(), legacy(patient_phone=1712345670)])
    stored = [p for batch in repo.phone_batches(1) for p in batch]
    assert sorted(p.phone for p in stored) == ["01712345678", "01712345679", "1712345670"]
    assert {p.hospital for p in stored} == {"gomoti", "Gomoti Hospital"}


def test_phone_batches_page_by_id_whatever_the_insertion_order(repo, db):
    ids = ["c", "a", "e", "b", "d"]                     # inserted out of order
    db.appointments.insert_many([{**appointment_document(ours(n=n), "h"), "_id": i}
                                 for n, i in enumerate(ids)])
    db.appointments.insert_one(legacy())
    batches = [[p.appointment_id for p in batch] for batch in repo.phone_batches(2)]
    assert batches[:3] == [["a", "b"], ["c", "d"], ["e"]]
    assert len(batches) == 4 and len(batches[3]) == 1   # then the old app's ObjectIds


def test_set_phones_leaves_a_phone_that_would_duplicate_a_patient_in_its_slot(repo, db):
    create_indexes(db)
    first, twin = ours(phone="+8801811111111"), ours(phone="01811111111", n=1)
    insert(db, first, twin)
    assert repo.set_phones({twin.id: "+8801811111111"}) == [twin.id]
    assert db.appointments.find_one({"_id": twin.id})["patient_phone"] == "01811111111"


def test_set_phones_updates_the_old_apps_documents_by_object_id(repo, db):
    old = legacy()
    db.appointments.insert_one(old)
    assert repo.set_phones({str(old["_id"]): "+8801712345678"}) == []
    assert db.appointments.find_one({"_id": old["_id"]})["patient_phone"] == "+8801712345678"


# -- which appointments: the filters as MongoDB queries on the old app's fields -----------------

def every_kind() -> list[Appointment]:
    """Ours of each status, slot, day, hospital and patient the filters tell apart."""
    made = [ours(time, phone=f"+88017000000{n}", status=status, n=n) for n, (time, status) in
            enumerate([("09:30", "no_show"), ("10:00", "cancelled"), ("10:00", "checked_in")])]
    mine = [ours(time, phone=PATIENT, day=day, n=10 + n) for n, (time, day) in enumerate(
        [("09:30", DAY), ("10:00", DAY), ("11:00", DAY), ("10:00", DAY + timedelta(days=1))])]
    numbered = [replace(ours("11:00", phone="+8801700000006", n=20), serial=1,
                        reference=REFERENCE)]
    return [*made, *mine, *numbered,
            ours(phone="+8801700000005", hospital=("moon", "Moon Hospital"))]


@pytest.mark.parametrize("which", FILTERS.values(), ids=FILTERS.keys())
def test_each_filter_finds_counts_and_pages_what_it_matches(db, repo, which):
    insert(db, *every_kind())
    db.appointments.insert_many([legacy(status="confirmed"), legacy(status="pending"),
                                 legacy(status="cancelled"), legacy(time="11:00")])
    repo.read(lambda s: found_as_matched(s, which))
    assert repo.read(lambda s: s.count(Appointments("gomoti"))) == 12


def test_an_old_document_without_a_phone_reads_as_an_empty_phone():
    """normalize-phones reports it as unreadable; a number the old app stored reads as text."""
    assert stored_phone(legacy()).phone == "01712345678"
    without = legacy()
    del without["patient_phone"]
    assert stored_phone(without).phone == ""
    assert stored_phone(legacy(patient_phone=1712345678)).phone == "1712345678"


def test_a_slots_audit_trail_is_in_the_order_of_its_changes_not_of_its_inserts(db, repo):
    """Two workers' entries may reach the store in the other order than their changes."""
    key = SlotKey("gomoti", DAY, "10:00")
    later, earlier = (AuditEntry(NOW + timedelta(seconds=s), "admin", action, key, None, {}, {})
                      for s, action in ((2, "close"), (1, "capacity")))
    db.audit.insert_many([audit_document(later), audit_document(earlier)])
    assert repo.audit_trail(slot=key) == [earlier, later]


def test_numbering_reaches_our_documents_and_the_old_apps_by_their_own_ids(db):
    """assign-serials numbers what it read: a legacy document is found by its ObjectId."""
    insert(db, ours())
    db.appointments.insert_one(legacy(time="10:00"))
    store = MongoStore(db, None, {"gomoti": "Gomoti Hospital"})
    found = store.find(Appointments.seated_in(SlotKey("gomoti", DAY, "10:00")))
    for serial, appointment in enumerate(found, start=1):
        store.number(replace(appointment, serial=serial))
    assert sorted(d.get("serial") for d in db.appointments.find()) == [1, 2]


@pytest.mark.parametrize("index, error", [("unique_reference", ReferenceTaken),
                                          ("one_patient_per_slot", DuplicateBooking)])
def test_a_duplicate_key_is_told_apart_by_the_index_the_server_names(index, error):
    """A drawn reference already taken is drawn again; a second seat is the patient's."""
    exc = DuplicateKeyError(f"E11000 duplicate key error collection: hospital_booking."
                            f"appointments index: {index} dup key: {{ : \"K7QM3XDU\" }}")
    assert type(duplicate_error(exc)) is error
