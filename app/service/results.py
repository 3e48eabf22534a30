"""What the use cases answer: domain values that app/api shapes into JSON."""

from dataclasses import dataclass

from app.domain.capacity import SlotAvailability
from app.domain.model import Appointment
from app.domain.operations import Closure


@dataclass(frozen=True)
class Booked:
    """A booking's answer: the appointment, its one-time token, and whether it replays."""

    appointment: Appointment
    access_token: str
    replayed: bool = False


@dataclass(frozen=True)
class Cancelled:
    appointment: Appointment
    seat_freed: bool


@dataclass(frozen=True)
class AppointmentPage:
    items: tuple[Appointment, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ClosureAdded:
    """A closure, and how many active bookings its slots hold (none was cancelled)."""

    closure: Closure
    active_bookings: int


@dataclass(frozen=True)
class CapacitySet:
    """The changed slots with their capacity in force and true counts (some may be over)."""

    capacity: int | None
    slots: tuple[SlotAvailability, ...]


@dataclass(frozen=True)
class PhoneReport:
    """What normalizing stored phones did: ids only, never the phones (patient data)."""

    scanned: int
    normalized: int
    unparsed: tuple[str, ...]
    left_as_duplicates: tuple[str, ...]
