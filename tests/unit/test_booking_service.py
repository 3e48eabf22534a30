"""The use cases on the in-memory repository: no Flask, no files, milliseconds."""

import base64
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.capacity import SlotAvailability
from app.domain.errors import (
    AppointmentNotFound,
    HospitalClosed,
    IdempotencyKeyReused,
    NotAuthenticated,
    ReferenceTaken,
    SlotFull,
    ValidationFailed,
)
from app.domain.model import Appointment
from app.service.commands import (
    AppointmentFilter,
    CancelAppointment,
    ChangeStatus,
    Reschedule,
    SetCapacity,
)
from app.service.tokens import secret_hash
from tests.support import slots
from tests.support.admin_key import ADMIN_KEY as ADMIN
from tests.support.clinic import DAY, NOW, booking

KEY = "retry-key-7c9e6679-7425"


def test_booking_answers_the_appointment_and_a_token_of_which_only_the_hash_is_stored(
        service, repository):
    booked = service.book(booking())
    assert (booked.appointment.hospital, booked.appointment.status) == ("Small Clinic", "booked")
    assert repository.get(booked.appointment.id)[1] == secret_hash(booked.access_token)
    assert not booked.replayed


def test_the_access_token_carries_32_random_bytes(service):
    token = service.book(booking()).access_token
    assert len(base64.urlsafe_b64decode(token + "=")) == 32


def test_a_full_slot_refuses_with_its_counts(service):
    service.book(booking("+8801700000001"))
    service.book(booking("+8801700000002"))
    with pytest.raises(SlotFull) as refused:
        service.book(booking("+8801700000003"))
    assert refused.value.extra == {"current_bookings": 2, "max_capacity": 2}


def test_the_display_name_the_old_frontend_sends_finds_the_hospital(service):
    assert service.book(booking(hospital="small clinic")).appointment.hospital_id == "clinic"


def test_same_key_and_body_replays_the_first_answer_without_a_second_seat(service):
    first = service.book(booking(idempotency_key=KEY))
    retry = service.book(booking(idempotency_key=KEY))
    assert (retry.appointment, retry.access_token, retry.replayed) == (
        first.appointment, first.access_token, True)
    assert service.slot_availability("clinic", DAY, "10:00").current_bookings == 1


def test_same_key_with_another_body_is_refused(service):
    service.book(booking(idempotency_key=KEY))
    with pytest.raises(IdempotencyKeyReused):
        service.book(booking(phone="+8801800000000", idempotency_key=KEY))


def test_a_retry_after_the_slot_started_still_replays(service, clock):
    today = date(2026, 11, 25)
    first = service.book(booking(time="16:30", day=today, idempotency_key=KEY))
    clock[0] = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)     # 17:00 in Dhaka
    assert service.book(booking(time="16:30", day=today, idempotency_key=KEY)).appointment == \
        first.appointment
    with pytest.raises(ValidationFailed):
        service.book(booking(time="16:30", day=today))


def test_a_started_slot_keeps_its_true_count_but_offers_no_seat(service):
    today = date(2026, 11, 25)
    service.book(booking(time="16:30", day=today))
    slots = {s.time: s for s in service.day_availability("clinic", today).slots}
    assert (slots["14:00"].status, slots["14:00"].available_slots) == ("started", 0)
    assert (slots["16:30"].current_bookings, slots["16:30"].available_slots) == (1, 1)


def test_a_closed_day_is_shown_closed_and_cannot_be_booked(service):
    friday = date(2026, 11, 27)
    day = service.day_availability("clinic", friday)
    assert (day.is_open, day.slots) == (False, ())
    with pytest.raises(HospitalClosed):
        service.book(booking(day=friday))


def test_only_the_token_holder_or_the_admin_reads_an_appointment(service):
    booked = service.book(booking())
    assert service.get(booked.appointment.id, booked.access_token) == booked.appointment
    assert service.get(booked.appointment.id, ADMIN) == booked.appointment
    for refused in [None, "wrong-token"]:
        with pytest.raises(AppointmentNotFound):
            service.get(booked.appointment.id, refused)


def test_cancel_frees_one_seat_and_twice_frees_none(service):
    booked = service.book(booking())
    cancel = CancelAppointment(booked.appointment.id, booked.access_token)
    assert service.cancel(cancel).seat_freed
    assert not service.cancel(cancel).seat_freed
    assert service.slot_availability("clinic", DAY, "10:00").current_bookings == 0


def test_reschedule_moves_the_seat(service):
    booked = service.book(booking())
    moved = service.reschedule(Reschedule(booked.appointment.id, booked.access_token, DAY,
                                          "11:00"))
    assert (moved.id, moved.appointment_time) == (booked.appointment.id, "11:00")
    assert [service.slot_availability("clinic", DAY, t).current_bookings
            for t in ("10:00", "11:00")] == [0, 1]


def test_the_admin_list_needs_the_admin_key_and_pages_in_time_order(service):
    later = service.book(booking(time="11:00"))
    service.book(booking(time="10:00"))
    wanted = AppointmentFilter("clinic", DAY, limit=1, offset=1)
    with pytest.raises(NotAuthenticated):
        service.search(wanted, "wrong")
    page = service.search(wanted, ADMIN)
    assert ([a.id for a in page.items], page.total) == ([later.appointment.id], 2)


def legacy(repository) -> Appointment:
    """An old-app appointment: its hospital by display name only, no id, no token."""
    old = Appointment("legacy-1", "", "Small Clinic", DAY, "10:00", "booked", "Karim",
                      "01712345678", None, None, None, NOW)
    repository.run(lambda uow: uow.add_appointment(old, None))
    return old


def test_staff_reschedule_an_old_app_appointment_found_by_its_hospitals_name(
        service, repository):
    moved = service.reschedule(Reschedule(legacy(repository).id, ADMIN, DAY, "11:00"))
    assert (moved.hospital_id, moved.appointment_time) == ("clinic", "11:00")


def test_staff_check_in_an_old_app_appointment_found_by_its_hospitals_name(service, repository):
    checked_in = service.change_status(ChangeStatus(legacy(repository).id, ADMIN, "checked_in"))
    assert checked_in.status == "checked_in"


def test_a_capacity_change_answers_each_slot_of_its_hospital_with_its_true_count(service):
    service.book(booking(time="10:00"))
    changed = service.set_capacity(SetCapacity("clinic", DAY, 1, "10:00"), "admin")
    assert changed.slots == (SlotAvailability("clinic", DAY, "10:00", 1, 1),)


def test_the_day_list_holds_the_hospitals_appointments_of_that_day_only(service, repository):
    listed = service.book(booking(time="10:00")).appointment
    next_day = DAY + timedelta(days=1)
    for hospital, day in ((("moon", "Moon Hospital"), DAY), (("clinic", "Small Clinic"), next_day)):
        slots.book(repository, slots.slot(hospital=hospital, day=day), 1)
    assert [a.id for a in service.day_list("clinic", DAY)] == [listed.id]


def test_a_taken_reference_is_drawn_again_and_the_booking_stored_once(service, repository,
                                                                     monkeypatch):
    """The store's unique index refuses a reference already given (one in 2^40): the service
    draws another, in a new transaction; the refused attempt left nothing."""
    add, refused = repository.add_appointment, []

    def once_taken(appointment, token_hash):
        if not refused:
            refused.append(appointment.reference)
            raise ReferenceTaken()
        add(appointment, token_hash)

    monkeypatch.setattr(repository, "add_appointment", once_taken)
    booked = service.book(booking())
    assert booked.appointment.reference not in (None, refused[0])
    assert booked.appointment.serial == 1          # the refused attempt's serial rolled back
    assert [a for a, _ in repository.appointments.values()] == [booked.appointment]


def test_after_four_taken_references_the_booking_answers_retry_later(service, repository,
                                                                    monkeypatch):
    monkeypatch.setattr(repository, "add_appointment", lambda *_: (_ for _ in ()).throw(
        ReferenceTaken()))
    with pytest.raises(ReferenceTaken):
        service.book(booking())
