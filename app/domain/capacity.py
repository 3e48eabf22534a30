"""Capacity rules: the count of active appointments is the truth about a slot."""

from dataclasses import dataclass
from datetime import date

from app.domain.errors import PatientLimitReached, SlotFull


def ensure_seat_free(current_bookings: int, max_capacity: int) -> None:
    """Refuse a booking once the slot holds `max_capacity` (or more: legacy data) appointments."""
    if current_bookings >= max_capacity:
        raise SlotFull(current_bookings, max_capacity)


def ensure_below_cap(active: int, limit: int) -> None:
    """Refuse a patient's booking once they hold `limit` upcoming appointments."""
    if active >= limit:
        raise PatientLimitReached(limit, active)


@dataclass(frozen=True)
class SlotAvailability:
    """What is left of one slot. A slot that takes no booking (`closed`, `past`, `started`)
    keeps its true count but offers no seat; `closed_reason` says why a closure closed it.
    `max_capacity` is the capacity in force (a staff override, else the hospital's)."""

    hospital_id: str
    date: date
    time: str
    max_capacity: int
    current_bookings: int
    unbookable: str | None = None
    closed_reason: str | None = None

    @property
    def available_slots(self) -> int:
        if self.unbookable:
            return 0
        return max(0, self.max_capacity - self.current_bookings)

    @property
    def is_available(self) -> bool:
        return self.available_slots > 0

    @property
    def status(self) -> str:
        if self.unbookable:
            return self.unbookable
        return "available" if self.is_available else "full"


@dataclass(frozen=True)
class DayAvailability:
    """A hospital day: whether it is open (else the answer a booking would get), and every
    slot of it when it is."""

    hospital_id: str
    date: date
    is_open: bool
    slots: tuple[SlotAvailability, ...] = ()
    closed_reason: str | None = None
