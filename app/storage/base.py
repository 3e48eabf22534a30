"""The repository interface every storage engine implements.

Each engine keeps the whole booking invariant in its own module: a booking transaction first
writes the slot's own row/document (so concurrent bookers of one slot are serialized), then
counts the slot's active appointments, and inserts only while the count is below capacity.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.domain.model import Appointment, Slot

IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class IdempotencyEntry:
    """What a booking stored under an Idempotency-Key, to replay its answer to retries."""

    key_hash: str
    fingerprint: str
    response: dict
    sealed_token: str
    created_at: datetime


@dataclass(frozen=True)
class AppointmentQuery:
    hospital_id: str
    hospital_name: str
    date: date
    time: str | None = None
    status: str | None = None
    limit: int = 50
    offset: int = 0


class Repository(ABC):
    @abstractmethod
    def book(self, slot: Slot, appointment: Appointment, token_hash: str,
             idempotency: IdempotencyEntry | None = None) -> IdempotencyEntry | None:
        """Store `appointment` in `slot` if a seat is free, else raise SlotFull.

        With `idempotency`, a live entry under the same key is returned instead (a replay,
        nothing written) or IdempotencyKeyReused raised when its fingerprint differs.
        """

    @abstractmethod
    def replay(self, key_hash: str, fingerprint: str, since: datetime) -> IdempotencyEntry | None:
        """The entry stored under `key_hash` since `since` (IdempotencyKeyReused when its
        fingerprint differs), or None. Read-only."""

    @abstractmethod
    def slot_count(self, slot: Slot) -> int:
        """Active (not cancelled) appointments in `slot`."""

    @abstractmethod
    def day_counts(self, hospital_id: str, hospital_name: str, day: date) -> dict[str, int]:
        """Active appointments per slot time of one hospital day, in one query."""

    @abstractmethod
    def get(self, appointment_id: str) -> tuple[Appointment, str | None] | None:
        """The appointment and its access-token hash, or None."""

    @abstractmethod
    def cancel(self, appointment_id: str) -> tuple[Appointment, bool]:
        """Cancel in one transaction that writes the slot; (appointment, whether a seat was freed).

        Raises AppointmentNotFound.
        """

    @abstractmethod
    def reschedule(self, appointment_id: str, target: Slot) -> Appointment:
        """Move an active booking into `target` in one transaction writing both slots.

        Raises AppointmentNotFound, AppointmentCancelled, SlotFull or DuplicateBooking.
        """

    @abstractmethod
    def search(self, query: AppointmentQuery) -> tuple[list[Appointment], int]:
        """One page of a hospital day's appointments, and the total."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""

    @abstractmethod
    def prepare(self) -> None:
        """Create tables/collections and indexes; idempotent."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (tests and shutdown)."""
