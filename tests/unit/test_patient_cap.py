"""The per-patient cap, on the in-memory repository: upcoming, not-cancelled appointments of one
phone at one hospital; rescheduling within it is not a new booking, a move into another
hospital is; the admin key books and moves past it."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import PatientLimitReached
from app.domain.hospitals import Hospitals
from app.service import BookingService
from app.service.commands import BookSlot, CancelAppointment, Reschedule
from tests.support.admin_key import ADMIN_KEY as ADMIN
from tests.support.clinic import CLINIC, DAY, booking

OTHER = replace(CLINIC, id="other", name="Other Clinic")


@pytest.fixture
def hospitals():
    return Hospitals([CLINIC, OTHER])


def book_at(service, time, phone="01712345678", **fields):
    return service.book(booking(phone=phone, time=time, **fields))


def test_a_third_upcoming_booking_is_refused_with_the_limit_and_the_count(service):
    book_at(service, "10:00")
    book_at(service, "10:30")
    with pytest.raises(PatientLimitReached) as refused:
        book_at(service, "11:00")
    assert refused.value.extra == {"limit": 2, "active": 2}
    assert refused.value.message == "Patient booking limit reached"


def test_any_spelling_of_the_phone_counts_toward_the_same_cap(service):
    book_at(service, "10:00", phone="01712345678")
    book_at(service, "10:30", phone="+880 1712-345678")
    with pytest.raises(PatientLimitReached):
        book_at(service, "11:00", phone="8801712345678")


def test_a_cancelled_booking_gives_its_place_back(service):
    first = book_at(service, "10:00")
    book_at(service, "10:30")
    service.cancel(CancelAppointment(first.appointment.id, first.access_token))
    assert book_at(service, "11:00").appointment.status == "booked"


def test_started_appointments_no_longer_count(service, clock):
    book_at(service, "10:00")
    book_at(service, "10:30")
    clock[0] = datetime(2026, 11, 26, 4, 31, tzinfo=UTC)    # 10:31 in Dhaka on DAY
    assert book_at(service, "11:00").appointment.appointment_time == "11:00"


def test_the_cap_is_per_hospital(service):
    book_at(service, "10:00")
    book_at(service, "10:30")
    assert book_at(service, "10:00", hospital="other").appointment.hospital_id == "other"


def test_rescheduling_is_not_a_new_booking(service):
    first = book_at(service, "10:00")
    book_at(service, "10:30")
    moved = service.reschedule(Reschedule(first.appointment.id, first.access_token, DAY, "12:00"))
    assert moved.appointment_time == "12:00"


def at_the_cap_here_and_booked_at_other(service):
    book_at(service, "10:00")
    book_at(service, "10:30")
    return book_at(service, "11:00", hospital="other")


def test_a_patients_move_into_another_hospital_is_a_new_seat_for_its_cap(service):
    mover = at_the_cap_here_and_booked_at_other(service)
    move = Reschedule(mover.appointment.id, mover.access_token, DAY, "12:00", "clinic")
    with pytest.raises(PatientLimitReached) as refused:
        service.reschedule(move)
    assert refused.value.extra == {"limit": 2, "active": 2}
    assert service.get(mover.appointment.id, mover.access_token).hospital_id == "other"


def test_the_admin_key_moves_into_another_hospital_past_the_cap(service):
    mover = at_the_cap_here_and_booked_at_other(service)
    moved = service.reschedule(Reschedule(mover.appointment.id, ADMIN, DAY, "12:00", "clinic"))
    assert (moved.hospital_id, moved.appointment_time) == ("clinic", "12:00")


def test_the_admin_key_books_past_the_cap(service):
    book_at(service, "10:00")
    book_at(service, "10:30")
    assert book_at(service, "11:00", bearer=ADMIN).appointment.status == "booked"


def test_a_patients_token_is_no_admin_key(service):
    first = book_at(service, "10:00")
    book_at(service, "10:30")
    with pytest.raises(PatientLimitReached):
        book_at(service, "11:00", bearer=first.access_token)


def test_zero_means_no_cap(repository, clock):
    uncapped = BookingService(Hospitals([replace(CLINIC, max_active_per_patient=0)]),
                              repository, ADMIN, lambda: clock[0])
    times = ["10:00", "10:30", "11:00", "11:30", "12:00"]
    assert len([book_at(uncapped, t) for t in times]) == 5


def test_the_key_retry_of_a_booking_replays_instead_of_counting_twice(service):
    keyed = booking(time="10:00", idempotency_key="cap-retry-7c9e6679-7425")
    first = service.book(keyed)
    book_at(service, "10:30")
    assert service.book(keyed).appointment == first.appointment


def test_bearer_is_not_part_of_the_idempotency_fingerprint():
    plain = BookSlot("clinic", DAY, "10:00", "Rahim", "01712345678")
    assert replace(plain, bearer=ADMIN).body() == plain.body()


def test_bookings_on_later_days_count_the_same(service):
    book_at(service, "10:00")
    book_at(service, "10:00", day=DAY + timedelta(days=2))    # the 27th is a Friday
    with pytest.raises(PatientLimitReached):
        book_at(service, "11:00", day=DAY + timedelta(days=3))
