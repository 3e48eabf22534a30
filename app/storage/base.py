"""The repository interface every storage engine implements.

Each engine keeps the whole booking invariant in its own module: a booking transaction first
writes the slot's own row/document (so concurrent bookers of one slot are serialized), then
counts the slot's active appointments, and inserts only while the count is below capacity; the
per-patient cap follows the same pattern with the patient's own row/document.

Engines take the domain's values (Slot, SlotKey, AppointmentQuery, IdempotencyEntry) and policies
(app.domain.policy: COUNTED_STATUSES, IDEMPOTENCY_KEY_LIFETIME); a new method is added here, in
sqlite.py, in mongo.py and in the in-memory engine of tests/support, and proven once for all of
them in tests/contract.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from app.domain.model import (
    Appointment,
    AppointmentQuery,
    IdempotencyEntry,
    PatientCap,
    Slot,
    SlotCensus,
    SlotKey,
    StoredPhone,
)
from app.domain.operations import PATIENT, Actor, AuditEntry, Closure, SlotRules

T = TypeVar("T")


class BackupUnsupported(Exception):
    """This engine is backed up with other tools (the message says which)."""


class BackupUnusable(Exception):
    """The file offered for a restore is not a sound backup of this store."""


class StoreInUse(Exception):
    """Another process (a serving API) has the store open: a restore would lose its writes."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    appointments: int


class Repository(ABC):
    """Every write appends its audit entries (app.domain.operations) in its own transaction,
    as `by` (default: a patient, now)."""

    @abstractmethod
    def book(self, slot: Slot, appointment: Appointment, token_hash: str,
             idempotency: IdempotencyEntry | None = None,
             by: Actor | None = None, cap: PatientCap | None = None
             ) -> IdempotencyEntry | None:
        """Store `appointment` in `slot` if the slot is open and a seat is free under the
        capacity in force (its override, read in the transaction, else `slot.capacity`), and
        the patient is below `cap`; else raise HospitalClosed, SlotFull or PatientLimitReached.

        With `cap`, the same transaction then writes the patient's own row/document (hospital,
        phone), so concurrent bookings by one phone are serialized like bookers of one slot,
        counts the patient's upcoming appointments there and raises PatientLimitReached at
        `cap.limit`.

        With `idempotency`, a live entry under the same key is returned instead (a replay,
        nothing written) or IdempotencyKeyReused raised when its fingerprint differs.
        """

    @abstractmethod
    def replay(self, key_hash: str, fingerprint: str, since: datetime) -> IdempotencyEntry | None:
        """The entry stored under `key_hash` since `since` (IdempotencyKeyReused when its
        fingerprint differs), or None. Read-only."""

    @abstractmethod
    def slot_count(self, key: SlotKey) -> int:
        """Appointments in the slot whose status is one of COUNTED_STATUSES."""

    @abstractmethod
    def day_counts(self, hospital_id: str, day: date) -> dict[str, int]:
        """slot_count per slot time of one hospital day, in one query (times with none absent)."""

    @abstractmethod
    def get(self, appointment_id: str) -> tuple[Appointment, str | None] | None:
        """The appointment and its access-token hash, or None."""

    @abstractmethod
    def cancel(self, appointment_id: str, by: Actor | None = None) -> tuple[Appointment, bool]:
        """Cancel in one transaction that writes the slot; (appointment, whether a seat was freed).

        Raises AppointmentNotFound, or InvalidTransition when the status read in that
        transaction is a recorded visit (visits.ensure_patient_may_change).
        """

    @abstractmethod
    def reschedule(self, appointment_id: str, target: Slot, by: Actor | None = None
                   ) -> Appointment:
        """Move an active booking into `target` in one transaction writing both slots.

        Raises AppointmentNotFound, AppointmentCancelled, InvalidTransition (a recorded visit,
        read in that transaction), HospitalClosed, SlotFull or DuplicateBooking.
        """

    @abstractmethod
    def set_status(self, appointment_id: str, expected: str, status: str,
                   by: Actor | None = None) -> Appointment:
        """Change the status from `expected` to `status` (a visit status: the seat stays held).

        Raises AppointmentNotFound, or InvalidTransition when the stored status is no longer
        `expected` (another writer got there first).
        """

    # -- hospital operations (staff) -----------------------------------------------------------

    @abstractmethod
    def slot_rules(self, hospital_id: str, day: date | None = None) -> dict[SlotKey, SlotRules]:
        """Slots of a day (None: every day) with a capacity override or a closure."""

    @abstractmethod
    def add_closure(self, closure: Closure, slots: list[SlotKey], by: Actor) -> int:
        """Store `closure` and close `slots` (those it covers), writing each slot; the number
        of active (counted) bookings they hold, none of which is cancelled."""

    @abstractmethod
    def closures(self, hospital_id: str, day: date | None = None) -> list[Closure]:
        """The hospital's run-time closures (of one day, or all), by date and start."""

    @abstractmethod
    def remove_closure(self, closure_id: str, by: Actor) -> Closure:
        """Delete a closure and reopen its slots (unless another closure covers them).

        Raises ClosureNotFound."""

    @abstractmethod
    def cancel_closed(self, closure_id: str, by: Actor) -> list[Appointment]:
        """Cancel the bookings still awaiting their visit in a closure's slots, the closure's
        reason in each audit entry; the cancelled appointments. Raises ClosureNotFound."""

    @abstractmethod
    def set_capacity(self, slots: list[SlotKey], capacity: int | None,
                     by: Actor) -> dict[SlotKey, int]:
        """Write each slot with its new capacity (None: back to the hospital's), serialized
        with bookings; the count of active bookings per slot (nothing is cancelled)."""

    @abstractmethod
    def audit_trail(self, appointment_id: str | None = None,
                    slot: SlotKey | None = None) -> list[AuditEntry]:
        """The entries of one appointment or one slot, oldest first."""

    @abstractmethod
    def search(self, query: AppointmentQuery) -> tuple[list[Appointment], int]:
        """One page of a hospital day's appointments, and the total."""

    @abstractmethod
    def slot_census(self) -> list[SlotCensus]:
        """One SlotCensus per slot holding any appointment, whole store (check-store). Reads
        only; the counts come from one consistent read where the engine offers one."""

    @abstractmethod
    def backup_to(self, target: Path) -> BackupInfo:
        """Write a consistent copy of the whole store to `target` while bookings go on
        (BackupUnsupported, saying what to use instead, for an engine backed up otherwise)."""

    @abstractmethod
    def restore_from(self, backup: Path, previous: Path,
                     check: Callable[["Repository"], T] | None = None) -> T | None:
        """Replace the store by `backup` (the current one saved to `previous`) once a scratch
        copy of it passed the app's schema and `check` (run on that copy; its result is
        returned); StoreInUse while another process uses the store, BackupUnusable for a bad
        file. On any error the store is as it was."""

    @abstractmethod
    def phone_batches(self, size: int) -> Iterator[list[StoredPhone]]:
        """Every appointment's phone as stored, `size` at a time (in id order, read-only)."""

    @abstractmethod
    def set_phones(self, phones: dict[str, str]) -> list[str]:
        """Give each appointment id its new phone, as one batch; returns the ids left unchanged
        because another active appointment of the same slot already has that phone."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""

    @abstractmethod
    def ready(self) -> None:
        """Raise StoreNotReady(reason) unless the store can take a write now (bounded)."""

    @abstractmethod
    def prepare(self) -> None:
        """Create tables/collections and indexes; idempotent."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (tests and shutdown)."""


def acting(by: Actor | None) -> Actor:
    """Who writes: the given actor, else a patient now (the patient-facing calls)."""
    return by or Actor(PATIENT, datetime.now(UTC))
