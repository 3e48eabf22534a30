"""An in-memory Repository: dicts under one lock, the lock standing in for the transaction.

It passes the same contract suite as SQLite and MongoDB (tests/contract), which keeps it honest,
so the service can be unit-tested on it in milliseconds, with no Flask and no files.
"""

import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime

from app.domain.capacity import ensure_seat_free
from app.domain.errors import (
    AppointmentCancelled,
    AppointmentNotFound,
    DuplicateBooking,
    IdempotencyKeyReused,
    InvalidTransition,
)
from app.domain.model import (
    BOOKED,
    CANCELLED,
    Appointment,
    AppointmentQuery,
    IdempotencyEntry,
    SlotCensus,
    SlotKey,
)
from app.domain.policy import COUNTED_STATUSES, IDEMPOTENCY_KEY_LIFETIME
from app.storage.base import Repository


class MemoryRepository(Repository):
    def __init__(self):
        self._transaction = threading.Lock()
        self.appointments: dict[str, Appointment] = {}
        self.token_hashes: dict[str, str | None] = {}
        self.idempotency: dict[str, IdempotencyEntry] = {}

    def book(self, slot, appointment, token_hash, idempotency=None):
        with self._transaction:
            if idempotency is not None:
                earlier = self._live_entry(idempotency)
                if earlier is not None:
                    return earlier
            self._claim_seat(slot, appointment.patient_phone)
            self.put(appointment, token_hash)
            if idempotency is not None:
                self.idempotency[idempotency.key_hash] = idempotency
        return None

    def cancel(self, appointment_id):
        with self._transaction:
            appointment = self._fetch(appointment_id)
            if appointment.status not in COUNTED_STATUSES:
                return appointment, False
            cancelled = self.appointments[appointment_id] = replace(appointment,
                                                                    status=CANCELLED)
        return cancelled, True

    def reschedule(self, appointment_id, target):
        with self._transaction:
            appointment = self._fetch(appointment_id)
            if appointment.status not in COUNTED_STATUSES:
                raise AppointmentCancelled()
            if appointment.slot_key == target.key:
                return appointment
            self._claim_seat(target, appointment.patient_phone)
            moved = self.appointments[appointment_id] = appointment.in_slot(target)
        return moved

    def set_status(self, appointment_id, expected, status):
        with self._transaction:
            appointment = self._fetch(appointment_id)
            if appointment.status != expected:
                raise InvalidTransition(appointment.status, status)
            changed = self.appointments[appointment_id] = replace(appointment, status=status)
        return changed

    def replay(self, key_hash, fingerprint, since):
        with self._transaction:
            return _matching(self.idempotency.get(key_hash), fingerprint, since)

    def slot_count(self, key):
        with self._transaction:
            return len(self._counted(lambda a: a.slot_key == key))

    def day_counts(self, hospital_id, day):
        with self._transaction:
            return dict(Counter(a.appointment_time for a in self._counted(
                lambda a: (a.hospital_id, a.date) == (hospital_id, day))))

    def get(self, appointment_id):
        with self._transaction:
            found = self.appointments.get(appointment_id)
            return (found, self.token_hashes[appointment_id]) if found else None

    def search(self, query: AppointmentQuery):
        with self._transaction:
            found = sorted((a for a in self.appointments.values() if _wanted(a, query)),
                           key=lambda a: (a.appointment_time, a.created_at, a.id))
        return found[query.offset:query.offset + query.limit], len(found)

    def slot_census(self):
        with self._transaction:
            slots: dict = {}
            for a in self.appointments.values():
                slots.setdefault(a.slot_key, []).append(a)
        return [_census(key, slots[key]) for key in sorted(
            slots, key=lambda k: (k.hospital_id, k.date, k.time))]

    def ping(self):
        pass

    def ready(self):
        pass

    def prepare(self):
        pass

    def close(self):
        pass

    def put(self, appointment: Appointment, token_hash: str | None) -> None:
        """Store without any check (the contract's legacy data; call inside the lock)."""
        self.appointments[appointment.id] = appointment
        self.token_hashes[appointment.id] = token_hash

    def _claim_seat(self, slot, phone: str) -> None:
        in_slot = self._counted(lambda a: a.slot_key == slot.key)
        ensure_seat_free(len(in_slot), slot.capacity)
        if any(a.patient_phone == phone for a in in_slot):
            raise DuplicateBooking()

    def _counted(self, wanted) -> list[Appointment]:
        """Appointments holding a seat that `wanted` accepts (call inside the lock)."""
        return [a for a in self.appointments.values()
                if a.status in COUNTED_STATUSES and wanted(a)]

    def _fetch(self, appointment_id: str) -> Appointment:
        if appointment_id not in self.appointments:
            raise AppointmentNotFound()
        return self.appointments[appointment_id]

    def _live_entry(self, entry: IdempotencyEntry) -> IdempotencyEntry | None:
        since = entry.created_at - IDEMPOTENCY_KEY_LIFETIME
        return _matching(self.idempotency.get(entry.key_hash), entry.fingerprint, since)


def _matching(entry: IdempotencyEntry | None, fingerprint: str,
              since: datetime) -> IdempotencyEntry | None:
    """`entry` while it lives, IdempotencyKeyReused when another body used its key."""
    if entry is None or entry.created_at < since:
        return None
    if entry.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return entry


def _census(key: SlotKey, in_slot: list[Appointment]) -> SlotCensus:
    """No slot rows here (the lock is the transaction), so nothing is ever unrecorded."""
    counted = [a for a in in_slot if a.status in COUNTED_STATUSES]
    by_phone: dict[str, list[str]] = {}
    for a in counted:
        by_phone.setdefault(a.patient_phone, []).append(a.id)
    shared = tuple(sorted(tuple(sorted(ids)) for ids in by_phone.values() if len(ids) > 1))
    return SlotCensus(key, in_slot[0].hospital, len(counted), shared)


def _wanted(a: Appointment, query: AppointmentQuery) -> bool:
    if (a.hospital_id, a.date) != (query.hospital_id, query.date):
        return False
    if query.time and a.appointment_time != query.time:
        return False
    if query.status == BOOKED:
        return a.status in COUNTED_STATUSES
    return not query.status or a.status == query.status

