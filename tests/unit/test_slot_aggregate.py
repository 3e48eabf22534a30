"""The slot aggregate (app.domain.slot) decides each later change of one unit of work on the
rules its own earlier changes set, not on the rules it was loaded with."""

import pytest

from app.domain.errors import HospitalClosed, SlotFull
from app.domain.operations import Actor, SlotRules
from app.domain.slot import SlotAggregate
from tests.support.slots import NOW, appointment, slot

SLOT = slot()
STAFF = Actor("admin", NOW)


def aggregate(seats_taken: int) -> SlotAggregate:
    return SlotAggregate(SLOT.key, SlotRules(), lambda: seats_taken, lambda phone: False,
                         serial=seats_taken + 1)


def test_a_slot_closed_in_the_unit_of_work_takes_no_seat_after():
    aggregate(0).book(appointment(SLOT, 1), SLOT.capacity, STAFF)      # control: open
    closed = aggregate(0)
    closed.close("Flooded", "closure-1", STAFF)
    assert (closed.rules.closed, closed.changed) == ("Flooded", {"closed": "Flooded"})
    with pytest.raises(HospitalClosed):
        closed.book(appointment(SLOT, 1), SLOT.capacity, STAFF)


def test_a_capacity_set_in_the_unit_of_work_is_the_one_a_seat_is_taken_under():
    aggregate(2).book(appointment(SLOT, 3), SLOT.capacity, STAFF)      # control: 15 seats
    lowered = aggregate(2)
    lowered.set_capacity(2, STAFF)
    assert (lowered.rules.capacity, lowered.changed) == (2, {"capacity": 2})
    with pytest.raises(SlotFull):
        lowered.book(appointment(SLOT, 3), SLOT.capacity, STAFF)
