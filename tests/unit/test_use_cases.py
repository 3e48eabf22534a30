"""The use cases of app.service.writes, proven once on the in-memory engine: every rule they
apply (capacity, one patient per slot, the visit rules, idempotency, the patient cap, closures,
capacity changes, the audit). Each engine's own statements and isolation are proven on every
engine in tests/contract, with a smaller set of these use cases that exercise them."""

import uuid
from dataclasses import replace

import pytest

from app.domain.errors import (
    AppointmentCancelled,
    AppointmentNotFound,
    DuplicateBooking,
    HospitalClosed,
    IdempotencyKeyReused,
    InvalidTransition,
    PatientLimitReached,
    SlotFull,
)
from app.domain.model import Appointment
from app.domain.operations import SlotRules
from app.service import writes
from tests.support.slots import (
    AT_MOON,
    CAP,
    DAY,
    STAFF,
    VISIT_PATHS,
    appointment,
    at_the_cap_at_gomoti_and_booked_at_moon,
    book,
    closure,
    entry,
    keys,
    patient_booking,
    slot,
)


def test_books_up_to_capacity_then_refuses_with_the_counts(repository):
    small = slot(capacity=3)
    for n in range(3):
        book(repository, small, n)
    with pytest.raises(SlotFull) as refused:
        book(repository, small, 3)
    assert refused.value.extra == {"current_bookings": 3, "max_capacity": 3}
    assert repository.slot_count(small.key) == 3


def test_same_patient_twice_in_a_slot_is_refused_another_slot_is_fine(repository):
    book(repository, slot(), 1)
    with pytest.raises(DuplicateBooking):
        book(repository, slot(), 1)
    book(repository, slot("10:30"), 1)
    assert repository.slot_count(slot().key) == 1


def test_patient_may_book_again_after_cancelling(repository):
    first = book(repository, slot(), 1)
    writes.cancel(repository, first.id)
    book(repository, slot(), 1)
    assert repository.slot_count(slot().key) == 1


def test_unknown_appointment_cannot_be_cancelled_or_moved(repository):
    with pytest.raises(AppointmentNotFound):
        writes.cancel(repository, uuid.uuid4().hex)
    with pytest.raises(AppointmentNotFound):
        writes.reschedule(repository, uuid.uuid4().hex, slot("11:00"))


def test_reschedule_into_the_same_slot_changes_nothing(repository):
    made = book(repository, slot(), 1)
    assert writes.reschedule(repository, made.id, slot()) == made
    assert repository.slot_count(slot().key) == 1


def test_reschedule_into_a_full_slot_is_refused_and_nothing_moves(repository):
    full = slot("12:00", capacity=2)
    for n in range(2):
        book(repository, full, n)
    made = book(repository, slot(), 9)
    with pytest.raises(SlotFull) as refused:
        writes.reschedule(repository, made.id, full)
    assert refused.value.extra == {"current_bookings": 2, "max_capacity": 2}
    assert (repository.slot_count(slot().key), repository.slot_count(full.key)) == (1, 2)


def test_reschedule_next_to_the_same_patient_is_refused(repository):
    book(repository, slot("11:00"), 1)
    made = book(repository, slot(), 1)
    with pytest.raises(DuplicateBooking):
        writes.reschedule(repository, made.id, slot("11:00"))
    assert repository.get(made.id)[0].appointment_time == "10:00"


def test_cancelled_appointment_cannot_be_rescheduled(repository):
    made = book(repository, slot(), 1)
    writes.cancel(repository, made.id)
    with pytest.raises(AppointmentCancelled):
        writes.reschedule(repository, made.id, slot("11:00"))
    assert repository.slot_count(slot("11:00").key) == 0


def test_set_status_changes_only_from_the_expected_status_and_keeps_the_seat(repository):
    target = slot()
    made = book(repository, target, 1)
    changed = writes.set_status(repository, made.id, "booked", "checked_in")
    assert (changed.id, changed.status) == (made.id, "checked_in")
    assert repository.get(made.id)[0].status == "checked_in"
    assert repository.slot_count(target.key) == 1
    with pytest.raises(InvalidTransition) as stale:
        writes.set_status(repository, made.id, "booked", "no_show")
    assert (stale.value.message, stale.value.extra) == (
        "Cannot change status from checked_in to no_show", {"current_status": "checked_in"})
    assert repository.get(made.id)[0].status == "checked_in"
    with pytest.raises(AppointmentNotFound) as missing:
        writes.set_status(repository, "no-such-id", "booked", "checked_in")
    assert missing.value.extra == {}        # the service adds where a patient turns


@pytest.mark.parametrize("visit", list(VISIT_PATHS))
def test_a_recorded_visit_cannot_be_cancelled_or_moved_even_by_a_patient_who_read_it_booked(
        repository, visit):
    """The service checks the status it read; a visit recorded just after that read must still
    win inside the cancel or move transaction (the patient's answer: 409)."""
    made = book(repository, slot(), 1)
    for expected, status in VISIT_PATHS[visit]:
        writes.set_status(repository, made.id, expected, status)
    with pytest.raises(InvalidTransition) as cancel:
        writes.cancel(repository, made.id)
    with pytest.raises(InvalidTransition) as move:
        writes.reschedule(repository, made.id, slot("11:00"))
    assert cancel.value.extra == move.value.extra == {"current_status": visit}
    assert (cancel.value.message, move.value.message) == (
        f"Cannot change status from {visit} to cancelled",
        f"Cannot change status from {visit} to rescheduled")
    assert repository.get(made.id)[0].status == visit
    assert (repository.slot_count(slot().key), repository.slot_count(slot("11:00").key)) == (1, 0)
    assert [e.action for e in repository.audit_trail(appointment_id=made.id)] == [
        "book", *["status"] * len(VISIT_PATHS[visit])]


def test_same_key_with_another_fingerprint_is_refused_and_writes_nothing(repository):
    writes.book(repository, slot(), appointment(slot(), 1), "h", entry("b"))
    with pytest.raises(IdempotencyKeyReused):
        writes.book(repository, slot(), appointment(slot(), 2), "h", entry("b", fingerprint="f2"))
    assert repository.slot_count(slot().key) == 1


def test_replay_wins_over_a_full_slot(repository):
    small = slot(capacity=1)
    first = entry("c")
    stored = writes.book(repository, small, appointment(small, 1), "h", first)
    assert writes.book(repository, small, appointment(small, 2), "h", entry("c")) == replace(
        first, response=stored.to_dict())


def test_cap_refuses_a_patients_booking_past_the_limit_with_the_count(repository):
    for time in ("10:00", "10:30"):
        writes.book(repository, slot(time), patient_booking(slot(time)), "h", cap=CAP)
    with pytest.raises(PatientLimitReached) as refused:
        writes.book(repository, slot("11:00"), patient_booking(slot("11:00")), "h", cap=CAP)
    assert refused.value.extra == {"limit": 2, "active": 2}
    assert repository.slot_count(slot("11:00").key) == 0


def test_cap_counts_one_patient_at_one_hospital(repository):
    moon = ("moon", "Moon Hospital")
    for time in ("10:00", "10:30"):
        writes.book(repository, slot(time), patient_booking(slot(time)), "h", cap=CAP)
    other = patient_booking(slot("11:00"), "+8801911111111")
    stored = writes.book(repository, slot("11:00"), other, "h", cap=CAP)
    assert isinstance(stored, Appointment)
    target = slot("11:00", hospital=moon)
    at_moon = patient_booking(target)
    stored = writes.book(repository, target, at_moon, "h", cap=CAP)
    assert isinstance(stored, Appointment)
    assert repository.get(other.id)[0].status == repository.get(at_moon.id)[0].status == "booked"
    assert (repository.slot_count(slot("11:00").key), repository.slot_count(target.key)) == (1, 1)


def test_a_move_into_another_hospital_is_a_new_seat_for_its_cap(repository):
    """Issue 27 #4: booking elsewhere and moving in once got past a hospital's cap."""
    mover = at_the_cap_at_gomoti_and_booked_at_moon(repository)
    with pytest.raises(PatientLimitReached) as refused:
        writes.reschedule(repository, mover.id, slot("11:00"), cap=CAP)
    assert refused.value.extra == {"limit": 2, "active": 2}
    assert repository.get(mover.id)[0].slot_key == AT_MOON.key          # nothing moved
    assert [e.action for e in repository.audit_trail(appointment_id=mover.id)] == ["book"]


def test_a_move_within_one_hospital_is_the_same_seat_for_its_cap(repository):
    made = [patient_booking(slot(time)) for time in ("10:00", "10:30")]
    for a in made:
        writes.book(repository, slot(a.appointment_time), a, "h", cap=CAP)
    moved = writes.reschedule(repository, made[0].id, slot("11:00"), cap=CAP)
    assert repository.get(made[0].id)[0] == moved and moved.appointment_time == "11:00"


def test_a_move_without_a_cap_staffs_move_is_not_counted(repository):
    mover = at_the_cap_at_gomoti_and_booked_at_moon(repository)
    moved = writes.reschedule(repository, mover.id, slot("11:00"), STAFF)
    assert (moved.hospital_id, repository.slot_count(slot("11:00").key)) == ("gomoti", 1)


def test_a_closure_refuses_bookings_in_its_slots_and_cancels_nothing(repository):
    booked = book(repository, slot("14:00"), 1)
    assert writes.add_closure(repository, closure("14:00", "15:00"), keys("14:00", "14:30"),
                              STAFF) == 1
    with pytest.raises(HospitalClosed) as refused:
        book(repository, slot("14:30"), 2)
    assert refused.value.message == "Hospital closed on 2026-11-26: Doctors' strike"
    book(repository, slot("15:00"), 3)                       # outside the range
    assert repository.get(booked.id)[0].status == "booked"
    assert repository.slot_rules("gomoti", DAY) == {
        k: SlotRules(closed="Doctors' strike") for k in keys("14:00", "14:30")}
    assert repository.closures("gomoti", DAY) == [closure("14:00", "15:00")]


def test_rescheduling_into_a_closed_slot_is_refused(repository):
    made = book(repository, slot("10:00"), 1)
    writes.add_closure(repository, closure(), keys("11:00"), STAFF)
    with pytest.raises(HospitalClosed):
        writes.reschedule(repository, made.id, slot("11:00"))
    assert repository.get(made.id)[0].appointment_time == "10:00"


def test_a_lowered_capacity_refuses_at_the_new_capacity_and_cancels_nothing(repository):
    for n in range(4):
        book(repository, slot("10:00"), n)
    assert writes.set_capacity(repository, keys("10:00", "10:30"), 2, STAFF) == dict(
        zip(keys("10:00", "10:30"), [4, 0], strict=True))
    with pytest.raises(SlotFull) as refused:
        book(repository, slot("10:00"), 9)
    assert refused.value.extra == {"current_bookings": 4, "max_capacity": 2}
    book(repository, slot("10:30"), 10)
    book(repository, slot("10:30"), 11)
    with pytest.raises(SlotFull):
        book(repository, slot("10:30"), 12)
    assert repository.slot_count(slot("10:00").key) == 4


def test_refused_changes_leave_no_entry_and_entries_hold_no_patient_data(repository):
    made = book(repository, slot("10:00", capacity=1), 1)
    for refused in (lambda: book(repository, slot("10:00", capacity=1), 2),
                    lambda: writes.set_status(repository, made.id, "checked_in", "completed",
                                              STAFF)):
        with pytest.raises((SlotFull, InvalidTransition)):
            refused()
    trail = repository.audit_trail(slot=slot("10:00").key)
    assert [e.action for e in trail] == ["book"]
    assert made.patient_phone not in repr(trail) and made.patient_name not in repr(trail)



def test_a_refused_change_gives_no_serial_away(repository):
    """A refusal rolls the slot's write back: the next seat gets the next number, no gap."""
    first = book(repository, slot(), 1)
    with pytest.raises(DuplicateBooking):
        book(repository, slot(), 1)
    writes.book(repository, slot("10:30"), patient_booking(slot("10:30")), "h", cap=CAP)
    writes.book(repository, slot("11:00"), patient_booking(slot("11:00")), "h", cap=CAP)
    with pytest.raises(PatientLimitReached):
        writes.book(repository, slot(), patient_booking(slot()), "h", cap=CAP)
    assert [first.serial, book(repository, slot(), 2).serial] == [1, 2]
