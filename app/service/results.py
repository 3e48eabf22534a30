"""What the use cases answer: domain values that app/api shapes into JSON."""

from dataclasses import dataclass

from app.domain.model import Appointment


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
