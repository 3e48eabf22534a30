"""What every storage engine offers: a Store (plain reads and writes, no rule), run as one
transaction (a unit of work) or as a read; and, for the real engines, whole-store upkeep.

The use cases are written once, in app.service.writes, over a unit of work; the rules are the
domain's (app.domain.slot's aggregate, visits, capacity); which appointments a use case means is
an app.domain.selection filter each engine translates. A unit of work is one transaction
(SQLite: the write gate, then BEGIN IMMEDIATE; MongoDB: with_transaction, snapshot reads,
majority commit; in memory: a lock), proven for every engine in tests/contract.
"""

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from app.domain.errors import AppointmentNotFound, ClosureNotFound
from app.domain.model import (
    Appointment,
    AppointmentQuery,
    IdempotencyEntry,
    SlotCensus,
    SlotKey,
    StoredPhone,
)
from app.domain.operations import AuditEntry, Closure, SlotRules
from app.domain.selection import Appointments
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


class Store(ABC):
    """One transaction's or one read's storage. Whatever a unit of work writes is committed
    together or not at all; the use cases write a slot's record (`load_slot`) before anything
    else of that slot."""

    @abstractmethod
    def claim_slot(self, key: SlotKey, seats: int = 0) -> tuple[SlotRules, int]:
        """Write the slot's record (version + 1, created if missing; its serial counter +
        `seats`, the serials it gives out, in the same write); what it holds, and the counter
        (the last serial given)."""

    @abstractmethod
    def save_slot(self, slot: SlotAggregate) -> None:
        """Write `slot.changed` (its capacity override, its closure) into the slot's record."""

    @abstractmethod
    def slot_times(self, hospital_id: str, day: date) -> list[str]:
        """The times of the day's slot records, in order."""

    @abstractmethod
    def slot_rules(self, hospital_id: str, day: date | None = None) -> dict[SlotKey, SlotRules]:
        """Slots of a day (None: every day) with a capacity override or a closure, in order."""

    @abstractmethod
    def claim_patient(self, hospital_id: str, phone: str) -> None:
        """Write the patient's record: one phone's changes serialize there, as a slot's do."""

    @abstractmethod
    def find(self, which: Appointments, limit: int = 0, offset: int = 0) -> list[Appointment]:
        """In app.domain.selection.listed's order (time, serial, booking, id); `limit` 0: all."""

    @abstractmethod
    def stored(self, appointment_id: str) -> tuple[Appointment, str] | None:
        """The appointment and its access-token hash."""

    @abstractmethod
    def add_appointment(self, appointment: Appointment, token_hash: str) -> None: ...

    @abstractmethod
    def save_status(self, appointment: Appointment) -> None: ...

    @abstractmethod
    def number(self, appointment: Appointment) -> None:
        """Store the appointment's serial (given by `assign-serials`)."""

    @abstractmethod
    def move(self, appointment: Appointment) -> None:
        """Store the appointment's (new) slot and serial."""

    @abstractmethod
    def stored_closure(self, closure_id: str) -> Closure | None: ...

    @abstractmethod
    def add_closure(self, closure: Closure) -> None: ...

    @abstractmethod
    def delete_closure(self, closure_id: str) -> None: ...

    @abstractmethod
    def closures(self, hospital_id: str, day: date | None = None) -> list[Closure]:
        """Of one day, or all; by date, start, then id."""

    @abstractmethod
    def audit(self, entry: AuditEntry) -> None: ...

    @abstractmethod
    def audit_trail(self, appointment_id: str | None = None,
                    slot: SlotKey | None = None) -> list[AuditEntry]:
        """The entries of one appointment or one slot, oldest first."""

    @abstractmethod
    def idempotency_entry(self, key_hash: str, since: datetime) -> IdempotencyEntry | None:
        """The entry stored under `key_hash` since `since`."""

    @abstractmethod
    def forget_expired(self, key_hash: str, since: datetime) -> None:
        """Remove the expired entry under `key_hash` (others too, where that is cheap)."""

    @abstractmethod
    def add_entry(self, entry: IdempotencyEntry) -> None: ...

    # -- what the use cases ask, in those terms --------------------------------------------------

    def load_slot(self, key: SlotKey, seats: int = 0) -> SlotAggregate:
        """The slot as an aggregate, loaded by writing its record first (the write that
        serializes the slot's writers, and gives out `seats` serials, the last of which it
        holds); its count and patients are read when asked."""
        rules, serials = self.claim_slot(key, seats)
        return SlotAggregate(key, rules, lambda: self.count(Appointments.seated_in(key)),
                             lambda phone: self.exists(Appointments.seated_in(key, phone)),
                             serials if seats else None)

    # Defined by `find`; the engines answer these with one query of their own.

    def count(self, which: Appointments) -> int:
        return len(self.find(which))

    def exists(self, which: Appointments) -> bool:
        return bool(self.find(which, 1))

    def day_counts(self, hospital_id: str, day: date) -> dict[str, int]:
        """Seat-holding appointments per slot time of one hospital day (times with none absent)."""
        seated = self.find(Appointments.seated_on(hospital_id, day))
        return dict(Counter(a.appointment_time for a in seated))

    def slot_key_of(self, appointment: Appointment) -> SlotKey:
        """The key of the slot `appointment` holds (MongoDB resolves the old app's names)."""
        return appointment.slot_key

    def appointment(self, appointment_id: str) -> Appointment:
        found = self.stored(appointment_id)
        if found is None:
            raise AppointmentNotFound()
        return found[0]

    def closure(self, closure_id: str) -> Closure:
        found = self.stored_closure(closure_id)
        if found is None:
            raise ClosureNotFound()
        return found

    def live_entry(self, key_hash: str, since: datetime) -> IdempotencyEntry | None:
        """The live entry under `key_hash`; an expired one is removed, so the key is free."""
        found = self.idempotency_entry(key_hash, since)
        if found is None:
            self.forget_expired(key_hash, since)
        return found


class Repository(ABC):
    """An engine: units of work for the use cases (app.service.writes), and the reads."""

    @abstractmethod
    def run(self, work: Callable[[Store], T]) -> T:
        """`work` in one transaction, committed when it returns, rolled back when it raises.
        MongoDB may run it again (TransientTransactionError): it has no other effect."""

    @abstractmethod
    def read(self, work: Callable[[Store], T]) -> T:
        """`work` reading only, without a write transaction."""

    @abstractmethod
    def ready(self) -> None:
        """Raise StoreNotReady(reason) unless the store can take a write now (bounded)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (tests and shutdown)."""

    @abstractmethod
    def prepare(self) -> None:
        """Create tables/collections and indexes; idempotent."""

    # -- reads ---------------------------------------------------------------------------------

    def idempotency_entry(self, key_hash: str, since: datetime) -> IdempotencyEntry | None:
        return self.read(lambda s: s.idempotency_entry(key_hash, since))

    def slot_count(self, key: SlotKey) -> int:
        """Appointments in the slot whose status is one of COUNTED_STATUSES."""
        return self.read(lambda s: s.count(Appointments.seated_in(key)))

    def day_counts(self, hospital_id: str, day: date) -> dict[str, int]:
        return self.read(lambda s: s.day_counts(hospital_id, day))

    def get(self, appointment_id: str) -> tuple[Appointment, str] | None:
        return self.read(lambda s: s.stored(appointment_id))

    def slot_rules(self, hospital_id: str, day: date | None = None) -> dict[SlotKey, SlotRules]:
        return self.read(lambda s: s.slot_rules(hospital_id, day))

    def closures(self, hospital_id: str, day: date | None = None) -> list[Closure]:
        return self.read(lambda s: s.closures(hospital_id, day))

    def audit_trail(self, appointment_id: str | None = None,
                    slot: SlotKey | None = None) -> list[AuditEntry]:
        return self.read(lambda s: s.audit_trail(appointment_id, slot))

    def search(self, query: AppointmentQuery) -> tuple[list[Appointment], int]:
        """One page of a hospital day's appointments, and the total."""
        which = Appointments.listed(query)
        return self.read(lambda s: (s.find(which, query.limit, query.offset), s.count(which)))


class WholeStore(ABC):
    """What the real engines offer hospital IT: check, normalize, back up, restore."""

    @abstractmethod
    def slot_census(self) -> list[SlotCensus]:
        """One SlotCensus per slot holding any appointment, whole store (check-store). Reads
        only; the counts come from one consistent read where the engine offers one."""

    @abstractmethod
    def phone_batches(self, size: int) -> Iterator[list[StoredPhone]]:
        """Every appointment's phone as stored, `size` at a time (in id order, read-only)."""

    @abstractmethod
    def set_phones(self, phones: dict[str, str]) -> list[str]:
        """Give each appointment id its new phone, as one batch; returns the ids left unchanged
        because another active appointment of the same slot already has that phone."""

    @abstractmethod
    def backup_to(self, target: Path) -> BackupInfo:
        """Write a consistent copy of the whole store to `target` while bookings go on
        (BackupUnsupported, saying what to use instead, for an engine backed up otherwise)."""

    @abstractmethod
    def restore_from(self, backup: Path, previous: Path,
                     check: Callable[[Repository], T] | None = None) -> T | None:
        """Replace the store by `backup` (the current one saved to `previous`) once a scratch
        copy of it passed the app's schema and `check` (run on that copy; its result is
        returned); StoreInUse while another process uses the store, BackupUnusable for a bad
        file. On any error the store is as it was."""
