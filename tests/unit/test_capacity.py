"""The count of active appointments is the truth about a slot."""

from datetime import date

import pytest

from app.api.answers import Seats
from app.domain.capacity import SlotAvailability, ensure_seat_free
from app.domain.errors import SlotFull


@pytest.mark.parametrize("current", [0, 14])
def test_seat_free_below_capacity(current):
    ensure_seat_free(current, 15)


@pytest.mark.parametrize("current", [15, 19])
def test_full_at_or_over_capacity_reports_the_real_count(current):
    with pytest.raises(SlotFull) as caught:
        ensure_seat_free(current, 15)
    assert caught.value.extra == {"current_bookings": current, "max_capacity": 15}
    assert caught.value.message == "Slot is fully booked"


def slot_status(current: int, capacity: int) -> dict:
    return Seats().dump(SlotAvailability("gomoti", date(2026, 11, 26), "10:00", capacity, current))


def test_status_of_a_legacy_overbooked_slot_never_goes_negative():
    assert slot_status(19, 15) == {"max_capacity": 15, "current_bookings": 19,
                                   "available_slots": 0, "is_available": False,
                                   "status": "full"}


def test_status_with_seats_left():
    assert slot_status(3, 20)["available_slots"] == 17
    assert slot_status(3, 20)["status"] == "available"
