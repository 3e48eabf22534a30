"""The storage contract, run on every available engine against the same expectations: each
engine's unit of work (atomic, serialized per slot at its record, the slot loaded by writing
it), its translation of the domain's appointment filters, the old app's documents, and the use
cases whose statements differ per engine (the rules themselves are proven once, on the in-memory
engine, in tests/unit/test_use_cases.py).

SQLite always runs; MongoDB runs against a real replica set (MONGODB_TEST_URI, or
testcontainers when a Docker engine answers) and is skipped with the reason otherwise. What
the Mongo engine sends on the wire is pinned separately against a scripted primary
(tests/integration/test_mongo_wire.py), its documents against mongomock
(tests/integration/test_mongo_documents.py).
"""

import uuid
from contextlib import nullcontext
from dataclasses import replace
from datetime import timedelta
from time import sleep

import pytest

from app.domain.errors import (
    ClosureNotFound,
    DuplicateBooking,
    IdempotencyKeyReused,
    InvalidTransition,
    PatientLimitReached,
    SlotFull,
)
from app.domain.model import (
    AppointmentQuery,
)
from app.domain.operations import SlotRules, change
from app.domain.selection import Appointments
from app.service import writes
from app.storage.base import Store
from tests.support.filters import FILTERS, REFERENCE, found_as_matched
from tests.support.load import run_together
from tests.support.memory import MemoryRepository
from tests.support.slots import (
    CAP,
    DAY,
    GOMOTI_DAY,
    NOW,
    STAFF,
    actions,
    appointment,
    book,
    closure,
    entry,
    keys,
    patient_booking,
    slot,
)

pytestmark = pytest.mark.every_engine


# -- capacity ------------------------------------------------------------------------------------


def test_concurrent_bookers_never_exceed_capacity(repository):
    target = slot(capacity=5)
    results = run_together(lambda n: book(repository, target, n), 12)
    assert sorted(type(r).__name__ for r in results) == ["Appointment"] * 5 + ["SlotFull"] * 7
    assert repository.slot_count(target.key) == 5


def test_legacy_over_capacity_slot_tells_the_truth_and_refuses(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "12:00", 19)
    target = slot("12:00")
    assert repository.slot_count(target.key) == 19
    assert repository.day_counts("gomoti", DAY) == {"12:00": 19}
    with pytest.raises(SlotFull) as refused:
        book(repository, target, 1)
    assert refused.value.extra == {"current_bookings": 19, "max_capacity": 15}


def test_legacy_statuses_other_than_cancelled_count_as_active(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "13:00", 2, status="confirmed")
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "13:00", 3, status="cancelled")
    assert repository.slot_count(slot("13:00").key) == 2


def test_day_counts_group_active_bookings_per_time(repository):
    first = [book(repository, slot("10:00"), n) for n in range(3)]
    book(repository, slot("11:00"), 10)
    book(repository, slot("10:00", hospital=("moon", "Moon Hospital")), 20)
    book(repository, slot("10:00", day=DAY + timedelta(days=1)), 30)
    writes.cancel(repository, first[0].id)
    assert repository.day_counts("gomoti", DAY) == {"10:00": 2, "11:00": 1}


# -- which appointments: each engine's translation of app.domain.selection ---------------------

ALSO_AT_MOON = ("moon", "Moon Hospital")


def a_store_of_every_kind(repository, store) -> None:
    """Appointments each filter tells apart: statuses, slots, days, hospitals, patients, and
    the old app's documents."""
    made = [book(repository, slot(t), n) for n, t in enumerate(("09:30", "10:00", "10:00"))]
    for target in (slot("09:30"), slot(), slot("11:00"), slot(day=DAY + timedelta(days=1))):
        writes.book(repository, target, patient_booking(target), "h")
    book(repository, slot(hospital=ALSO_AT_MOON), 5)
    writes.book(repository, slot("11:00"), replace(appointment(slot("11:00"), 6),
                                                   reference=REFERENCE), "h")
    writes.cancel(repository, made[1].id)
    writes.set_status(repository, made[2].id, "booked", "checked_in")
    writes.set_status(repository, made[0].id, "booked", "no_show")
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "10:00", 2, status="confirmed")
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "10:00", 1, status="cancelled")


@pytest.mark.parametrize("which", FILTERS.values(), ids=FILTERS.keys())
def test_each_filter_finds_counts_and_pages_what_it_matches(repository, store, which):
    a_store_of_every_kind(repository, store)
    repository.read(lambda s: found_as_matched(s, which))
    assert len(repository.read(lambda s: s.find(Appointments("gomoti")))) == 11


def test_day_counts_are_the_counts_of_the_days_seated_appointments(repository, store):
    a_store_of_every_kind(repository, store)
    assert repository.read(lambda s: (s.day_counts("gomoti", DAY),
                                      Store.day_counts(s, "gomoti", DAY))) == (
        {"09:30": 2, "10:00": 4, "11:00": 2},) * 2


# -- lookups ----------------------------------------------------------------------------------

def test_get_returns_the_appointment_and_its_token_hash(repository):
    made = book(repository, slot(), 1, token_hash="h-1")
    found, token_hash = repository.get(made.id)
    assert (found, token_hash) == (made, "h-1")
    assert repository.get(uuid.uuid4().hex) is None
    assert repository.get("not-an-id") is None


# -- cancel -----------------------------------------------------------------------------------

def test_cancel_frees_exactly_one_seat_and_twice_frees_none(repository):
    made = book(repository, slot(), 1)
    book(repository, slot(), 2)
    cancelled, freed = writes.cancel(repository, made.id)
    assert (cancelled.status, freed) == ("cancelled", True)
    again, freed_again = writes.cancel(repository, made.id)
    assert (again.status, freed_again) == ("cancelled", False)
    assert repository.slot_count(slot().key) == 1
    assert repository.get(made.id)[0].status == "cancelled"



def test_a_cancel_recorded_by_staff_frees_its_seat(repository):
    full = slot(capacity=1)
    made = book(repository, full, 1)
    with pytest.raises(SlotFull):                       # control: the one seat is taken
        writes.book(repository, full, appointment(full, 2), "h")
    cancelled = writes.set_status(repository, made.id, "booked", "cancelled", STAFF)
    assert cancelled.status == repository.get(made.id)[0].status == "cancelled"
    assert repository.slot_count(full.key) == 0
    book(repository, full, 2)


# -- reschedule -------------------------------------------------------------------------------

def test_reschedule_moves_one_seat(repository):
    made = book(repository, slot(), 1)
    moved = writes.reschedule(repository, made.id, slot("11:00"))
    assert (moved.id, moved.appointment_time) == (made.id, "11:00")
    assert (repository.slot_count(slot().key), repository.slot_count(slot("11:00").key)) == (0, 1)
    assert repository.get(made.id)[0].appointment_time == "11:00"


def test_reschedule_to_another_hospital(repository):
    made = book(repository, slot(), 1)
    target = slot(hospital=("moon", "Moon Hospital"), capacity=20)
    moved = writes.reschedule(repository, made.id, target)
    assert (moved.hospital_id, moved.hospital) == ("moon", "Moon Hospital")
    assert (repository.slot_count(slot().key), repository.slot_count(target.key)) == (0, 1)


# -- visit statuses ---------------------------------------------------------------------------


def test_racing_status_changes_let_exactly_one_win(repository):
    made = book(repository, slot(), 1)
    wanted = ["checked_in", "no_show"] * 4
    results = run_together(lambda n: writes.set_status(repository, made.id, "booked", wanted[n]), 8)
    winners = [r for r in results if not isinstance(r, InvalidTransition)]
    assert len(winners) == 1
    assert repository.get(made.id)[0].status == winners[0].status


# -- idempotency ------------------------------------------------------------------------------

def test_same_key_replays_the_stored_entry_and_writes_nothing(repository):
    first = entry("a")
    stored = writes.book(repository, slot(), appointment(slot(), 1), "h", first)
    replay = writes.book(repository, slot(), appointment(slot(), 2), "h", entry("a"))
    assert replay == replace(first, response=stored.to_dict())      # the answer as stored
    assert replay.response["serial"] == 1
    assert repository.slot_count(slot().key) == 1


def test_an_expired_key_books_afresh(repository):
    writes.book(repository, slot(), appointment(slot(), 1), "h", entry("d"))
    later = entry("d", created_at=NOW + timedelta(hours=25))
    stored = writes.book(repository, slot(), appointment(slot(), 2), "h", later)
    assert repository.slot_count(slot().key) == 2
    # The fresh entry replaced the expired one: it replays from now on.
    assert writes.book(repository, slot(), appointment(slot(), 3), "h", later) == replace(
        later, response=stored.to_dict())


# -- the per-patient cap ----------------------------------------------------------------------


def test_cap_counts_neither_cancelled_nor_started_appointments(repository):
    started = patient_booking(slot("09:30"))
    writes.book(repository, slot("09:30"), started, "h")
    cancelled = patient_booking(slot("10:00"))
    writes.book(repository, slot("10:00"), cancelled, "h", cap=CAP)
    writes.cancel(repository, cancelled.id)
    kept = [patient_booking(slot(time)) for time in ("10:30", "11:00")]
    assert [writes.book(repository, slot(a.appointment_time), a, "h", cap=CAP)
            for a in kept] == [replace(a, serial=1) for a in kept]
    assert [repository.get(a.id)[0].status for a in kept] == ["booked", "booked"]
    with pytest.raises(PatientLimitReached) as refused:     # the two kept are what counts
        writes.book(repository, slot("11:30"), patient_booking(slot("11:30")), "h", cap=CAP)
    assert refused.value.extra == {"limit": 2, "active": 2}


def test_concurrent_bookings_of_one_phone_in_ten_slots_get_exactly_the_cap(repository):
    targets = [slot(f"{10 + n // 2}:{30 * (n % 2):02d}") for n in range(10)]
    results = run_together(
        lambda n: writes.book(repository, targets[n], patient_booking(targets[n]), "h",
                              cap=CAP), 10)
    assert sorted(type(r).__name__ for r in results) == ["Appointment"] * 2 + [
        "PatientLimitReached"] * 8
    assert sum(repository.slot_count(t.key) for t in targets) == 2


# -- the admin list ---------------------------------------------------------------------------

def test_search_pages_in_time_then_creation_order_with_the_total(repository):
    made = [book(repository, slot("11:00"), n) for n in range(3)]
    made += [book(repository, slot("10:00"), n) for n in range(10, 13)]
    book(repository, slot("10:00", hospital=("moon", "Moon Hospital")), 20)
    page, total = repository.search(AppointmentQuery(*GOMOTI_DAY, limit=4, offset=1))
    assert total == 6
    assert [a.id for a in page] == [a.id for a in made[4:6] + made[0:2]]


def test_search_filters_by_time_and_status(repository):
    cancelled = book(repository, slot("10:00"), 1)
    kept = book(repository, slot("10:00"), 2)
    book(repository, slot("11:00"), 3)
    writes.cancel(repository, cancelled.id)
    page, total = repository.search(AppointmentQuery(*GOMOTI_DAY, time="10:00",
                                                     status="booked"))
    assert ([a.id for a in page], total) == ([kept.id], 1)
    page, total = repository.search(AppointmentQuery(*GOMOTI_DAY, status="cancelled"))
    assert ([a.id for a in page], total) == ([cancelled.id], 1)


def test_search_lists_legacy_appointments_the_slot_counts(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "12:00", 3)
    page, total = repository.search(AppointmentQuery(*GOMOTI_DAY))
    assert total == repository.slot_count(slot("12:00").key) == 3
    assert len(page) == 3


def test_search_for_booked_lists_every_status_the_count_counts(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "13:00", 2, status="confirmed")
    page, total = repository.search(AppointmentQuery(*GOMOTI_DAY, time="13:00", status="booked"))
    assert total == repository.slot_count(slot("13:00").key) == 2


def test_search_filters_by_phone(repository):
    wanted = book(repository, slot("10:00"), 1)
    book(repository, slot("10:00"), 2)
    page, total = repository.search(AppointmentQuery(*GOMOTI_DAY, phone=wanted.patient_phone))
    assert ([a.id for a in page], total) == ([wanted.id], 1)


# -- phone normalization ----------------------------------------------------------------------

@pytest.mark.real_engines
def test_phone_batches_list_every_appointment_once_in_batches(repository):
    made = [book(repository, slot(f"1{n}:00"), n) for n in range(5)]
    batches = list(repository.phone_batches(2))
    assert [len(b) for b in batches] == [2, 2, 1]
    stored = {p.appointment_id: (p.hospital, p.phone) for batch in batches for p in batch}
    assert stored == {a.id: ("gomoti", a.patient_phone) for a in made}


@pytest.mark.real_engines
def test_set_phones_rewrites_phones_but_never_a_second_seat_of_a_patient(repository):
    first, second, third = (book(repository, slot("10:00"), n) for n in range(3))
    kept = repository.set_phones({second.id: first.patient_phone, third.id: "+8801811111111"})
    assert kept == [second.id]
    assert repository.get(second.id)[0].patient_phone == second.patient_phone
    assert repository.get(third.id)[0].patient_phone == "+8801811111111"


# -- preparation ------------------------------------------------------------------------------

def test_prepare_is_idempotent_and_keeps_the_data(repository):
    made = book(repository, slot(), 1)
    repository.prepare()
    repository.prepare()
    assert repository.get(made.id)[0] == made
    with pytest.raises(DuplicateBooking):
        book(repository, slot(), 1)


def test_replay_reads_a_live_entry_and_writes_nothing(repository):
    stored = writes.book(repository, slot(), appointment(slot(), 1), "h", entry("r"))
    since = NOW - timedelta(hours=24)
    assert writes.replay(repository, "key-r", "f1", since).response == stored.to_dict()
    with pytest.raises(IdempotencyKeyReused):
        writes.replay(repository, "key-r", "another body", since)
    assert writes.replay(repository, "key-r", "f1", NOW + timedelta(seconds=1)) is None   # expired
    assert writes.replay(repository, "key-unknown", "f1", since) is None
    assert repository.slot_count(slot().key) == 1


# -- closures -------------------------------------------------------------------------------


def test_removing_a_closure_reopens_what_no_other_closure_covers(repository):
    writes.add_closure(repository, closure(closure_id="day"), keys("10:00", "11:00"), STAFF)
    writes.add_closure(repository, closure("11:00", "12:00", "Flood", "flood"), keys("11:00"),
                       STAFF)
    assert writes.remove_closure(repository, "day", STAFF).id == "day"
    assert repository.slot_rules("gomoti", DAY) == {keys("11:00")[0]: SlotRules(closed="Flood")}
    book(repository, slot("10:00"), 1)
    with pytest.raises(ClosureNotFound):
        writes.remove_closure(repository, "day", STAFF)


def test_bulk_cancel_cancels_bookings_awaiting_their_visit_only(repository):
    waiting = [book(repository, slot("10:00"), n) for n in range(3)]
    writes.set_status(repository, waiting[0].id, "booked", "checked_in")
    writes.add_closure(repository, closure(), keys("10:00", "10:30"), STAFF)
    cancelled = writes.cancel_closed(repository, "c1", STAFF)
    assert sorted(a.id for a in cancelled) == sorted(a.id for a in waiting[1:])
    assert {a.status for a in cancelled} == {"cancelled"}
    assert repository.get(waiting[0].id)[0].status == "checked_in"
    assert repository.slot_count(slot("10:00").key) == 1
    with pytest.raises(ClosureNotFound):
        writes.cancel_closed(repository, "nope", STAFF)


def test_bulk_cancel_leaves_the_bookings_of_slots_the_closure_does_not_cover(repository):
    covered = book(repository, slot("10:00"), 1)
    elsewhere = [book(repository, slot("11:00"), 2),
                 book(repository, slot("10:00", day=DAY + timedelta(days=1)), 3),
                 book(repository, slot("10:00", hospital=ALSO_AT_MOON), 4)]
    writes.add_closure(repository, closure("10:00", "11:00"), keys("10:00", "10:30"), STAFF)
    cancelled = writes.cancel_closed(repository, "c1", STAFF)
    assert [a.id for a in cancelled] == [covered.id]
    assert [repository.get(a.id)[0].status for a in elsewhere] == ["booked"] * 3


# -- capacity overrides -----------------------------------------------------------------------


def test_a_raised_or_cleared_capacity_is_the_one_in_force(repository):
    writes.set_capacity(repository, keys("10:00"), 20, STAFF)
    assert repository.slot_rules("gomoti") == {keys("10:00")[0]: SlotRules(capacity=20)}
    for n in range(16):
        book(repository, slot("10:00"), n)        # beyond the slot's own 15
    writes.set_capacity(repository, keys("10:00"), None, STAFF)
    assert repository.slot_rules("gomoti") == {}
    with pytest.raises(SlotFull) as refused:
        book(repository, slot("10:00"), 99)
    assert refused.value.extra == {"current_bookings": 16, "max_capacity": 15}


def test_bookers_racing_a_capacity_change_never_exceed_the_capacity_in_force(repository):
    target = slot(capacity=15)
    lowered = []

    def act(n):
        if n == 6:
            lowered.append(writes.set_capacity(repository, [target.key], 4, STAFF)[target.key])
            return None
        return book(repository, target, n)

    run_together(act, 20)
    # Bookings committed before the change stay; none committed after it while over 4.
    assert repository.slot_count(target.key) == max(4, lowered[0])


# -- the audit trail --------------------------------------------------------------------------


def test_every_appointment_change_appends_its_entry(repository):
    made = book(repository, slot("10:00"), 1)
    writes.reschedule(repository, made.id, slot("11:00"), STAFF)
    writes.set_status(repository, made.id, "booked", "checked_in", STAFF)
    other = book(repository, slot("11:00"), 2)
    writes.cancel(repository, other.id)
    assert actions(repository.audit_trail(appointment_id=made.id)) == [
        ("patient", "book", {}, {"status": "booked"}),
        ("admin", "reschedule", {"slot": "gomoti 2026-11-26 10:00"},
         {"slot": "gomoti 2026-11-26 11:00"}),
        ("admin", "status", {"status": "booked"}, {"status": "checked_in"})]
    assert [e.action for e in repository.audit_trail(slot=slot("11:00").key)] == [
        "reschedule", "status", "book", "cancel"]


def test_every_slot_change_appends_its_entry(repository):
    made = book(repository, slot("10:00"), 1)
    writes.set_capacity(repository, keys("10:00"), 5, STAFF)
    writes.add_closure(repository, closure(), keys("10:00"), STAFF)
    writes.cancel_closed(repository, "c1", STAFF)
    writes.remove_closure(repository, "c1", STAFF)
    assert actions(repository.audit_trail(slot=slot("10:00").key))[1:] == [
        ("admin", "capacity", {"capacity": None}, {"capacity": 5}),
        ("admin", "close", {"closed": None}, {"closed": "Doctors' strike", "closure_id": "c1"}),
        ("admin", "bulk_cancel", {"status": "booked"},
         {"reason": "Doctors' strike", "status": "cancelled"}),
        ("admin", "reopen", {"closed": "Doctors' strike"}, {"closed": None, "closure_id": None})]
    assert repository.audit_trail(slot=slot("10:00").key)[3].appointment_id == made.id


# -- the unit of work itself ------------------------------------------------------------------

class Interrupted(Exception):
    """A failure in the middle of a unit of work (after its first writes)."""


def test_a_unit_of_work_that_fails_after_its_writes_leaves_nothing(repository):
    made = appointment(slot(), 1)
    entry_ = entry("atomic")

    def work(uow):
        uow.load_slot(slot().key)
        uow.add_appointment(made, "h")
        uow.audit(change(STAFF, "book", slot().key, made.id))
        uow.add_entry(entry_)
        raise Interrupted()

    with pytest.raises(Interrupted):
        repository.run(work)
    assert repository.get(made.id) is None
    assert repository.slot_count(slot().key) == 0
    assert repository.audit_trail(slot=slot().key) == []
    assert repository.idempotency_entry(entry_.key_hash, NOW - timedelta(hours=1)) is None


def race_for_an_empty_slot(repository) -> list[bool]:
    """Four units of work each count right after loading the slot, pause, and insert only
    into an empty slot; whether each found it empty."""
    def work(n):
        def decide(uow):
            empty = uow.load_slot(slot().key).seats_taken() == 0
            sleep(0.05)
            if empty:
                uow.add_appointment(appointment(slot(), n), "h")
            return empty
        return repository.run(decide)

    return sorted(run_together(work, 4))


def test_units_of_work_on_one_slot_serialize_at_its_record_write(repository):
    assert race_for_an_empty_slot(repository) == [False, False, False, True]
    assert repository.slot_count(slot().key) == 1


def test_control_units_of_work_not_serialized_see_the_slot_empty_together():
    unserialized = MemoryRepository()
    unserialized._lock = nullcontext()         # no transaction: nothing serializes them
    assert race_for_an_empty_slot(unserialized).count(True) > 1
    assert unserialized.slot_count(slot().key) > 1


def times(uow) -> list[str]:
    return uow.slot_times("gomoti", DAY)


def test_loading_a_slot_writes_its_record_first_and_returns_what_it_holds(repository):
    writes.set_capacity(repository, [slot().key], 7, STAFF)
    writes.add_closure(repository, closure(), [slot().key], STAFF)
    assert repository.run(lambda uow: times(uow)) == ["10:00"]

    def work(uow):
        loaded = uow.load_slot(slot("11:00").key)      # a slot nothing has written yet
        return loaded.rules, times(uow), uow.load_slot(slot().key).rules

    # The load alone created the 11:00 record, inside the unit of work, before any read.
    assert repository.run(work) == (SlotRules(), ["10:00", "11:00"],
                                    SlotRules(7, "Doctors' strike"))
    assert repository.run(lambda uow: times(uow)) == ["10:00", "11:00"]


def test_a_filter_of_no_field_finds_everything(repository):
    made = [book(repository, slot(t), n) for n, t in enumerate(("10:00", "11:00"))]
    assert repository.read(lambda s: s.count(Appointments(None))) == len(made)
