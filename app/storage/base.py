"""What every storage engine offers: units of work and reads, no business rule.

The use cases are written once, in app.service.writes, over a UnitOfWork; the rules are the
domain's (app.domain.slot's aggregate, visits, capacity). An engine stores and reads: its unit
of work is one transaction (SQLite: the write gate, then BEGIN IMMEDIATE; MongoDB:
with_transaction, snapshot reads, majority commit), proven for every engine in tests/contract.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
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
from app.domain.operations import AuditEntry, Closure, SlotRules
from app.domain.slot import SlotAggregate

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


class UnitOfWork(ABC):
    """One transaction's storage (app.service.writes runs each use case over one): plain
    reads and writes, no rule. Whatever a unit of work writes is committed together or not
    at all; the slot's record is written by `load_slot` before anything else of that slot."""

    def load_slot(self, key: SlotKey) -> SlotAggregate:
        """The slot as an aggregate, loaded by writing its record first (the write that
        serializes the slot's writers); its count and patients are read when asked."""
        return SlotAggregate(key, self.claim_slot(key), lambda: self.seats_taken(key),
                             lambda phone: self.has_patient(key, phone))

    def slot_key_of(self, appointment: Appointment) -> SlotKey:
        """The key of the slot `appointment` holds (MongoDB resolves the old app's names)."""
        return appointment.slot_key

    @abstractmethod
    def claim_slot(self, key: SlotKey) -> SlotRules:
        """Write the slot's record (version + 1, created if missing); what it holds."""

    @abstractmethod
    def seats_taken(self, key: SlotKey) -> int:
        """Appointments in the slot whose status is one of COUNTED_STATUSES."""

    @abstractmethod
    def has_patient(self, key: SlotKey, phone: str) -> bool:
        """A counted appointment in the slot has this phone."""

    @abstractmethod
    def save_slot(self, slot: SlotAggregate) -> None:
        """Write `slot.changed` (its capacity override, its closure) into the slot's record."""

    @abstractmethod
    def slot_times(self, hospital_id: str, day: date) -> list[str]:
        """The times of the day's slot records, in order."""

    @abstractmethod
    def claim_patient(self, hospital_id: str, phone: str, cap: PatientCap) -> int:
        """Write the patient's record (serializing one phone's changes like a slot's), then
        count their appointments at the hospital that count toward `cap`."""

    @abstractmethod
    def appointment(self, appointment_id: str) -> Appointment:
        """The stored appointment; AppointmentNotFound."""

    @abstractmethod
    def add_appointment(self, appointment: Appointment, token_hash: str) -> None: ...

    @abstractmethod
    def save_status(self, appointment: Appointment) -> None:
        """Store the appointment's (new) status."""

    @abstractmethod
    def move(self, appointment: Appointment, target: Slot) -> None: ...

    @abstractmethod
    def awaiting_visit(self, key: SlotKey) -> list[Appointment]:
        """The slot's appointments whose status is not in NOT_AWAITING_VISIT."""

    @abstractmethod
    def closure(self, closure_id: str) -> Closure:
        """ClosureNotFound."""

    @abstractmethod
    def add_closure(self, closure: Closure) -> None: ...

    @abstractmethod
    def delete_closure(self, closure_id: str) -> None: ...

    @abstractmethod
    def day_closures(self, hospital_id: str, day: date) -> list[Closure]:
        """By start, then id."""

    @abstractmethod
    def audit(self, entry: AuditEntry) -> None: ...

    @abstractmethod
    def live_entry(self, key_hash: str, since: datetime) -> IdempotencyEntry | None:
        """The idempotency entry stored under `key_hash` since `since` (an expired one is
        removed, so the key can be stored again)."""

    @abstractmethod
    def add_entry(self, entry: IdempotencyEntry) -> None: ...


class Repository(ABC):
    """An engine: units of work for the use cases (app.service.writes), and the reads."""

    @abstractmethod
    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        """`work` in one transaction, committed when it returns, rolled back when it raises.
        MongoDB may run it again (TransientTransactionError): it has no other effect."""

    @abstractmethod
    def idempotency_entry(self, key_hash: str, since: datetime) -> IdempotencyEntry | None:
        """The entry stored under `key_hash` since `since`, or None. Read-only."""

    @abstractmethod
    def slot_count(self, key: SlotKey) -> int:
        """Appointments in the slot whose status is one of COUNTED_STATUSES."""

    @abstractmethod
    def day_counts(self, hospital_id: str, day: date) -> dict[str, int]:
        """slot_count per slot time of one hospital day, in one query (times with none absent)."""

    @abstractmethod
    def get(self, appointment_id: str) -> tuple[Appointment, str | None] | None:
        """The appointment and its access-token hash, or None."""

    # -- hospital operations (staff) -----------------------------------------------------------

    @abstractmethod
    def slot_rules(self, hospital_id: str, day: date | None = None) -> dict[SlotKey, SlotRules]:
        """Slots of a day (None: every day) with a capacity override or a closure."""

    @abstractmethod
    def closures(self, hospital_id: str, day: date | None = None) -> list[Closure]:
        """The hospital's run-time closures (of one day, or all), by date and start."""

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


