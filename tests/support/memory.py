"""An in-memory Repository: dicts under one lock, the lock standing in for the transaction
(every check comes before the first write, so a refused change leaves nothing behind).

It passes the same contract suite as SQLite and MongoDB (tests/contract), which keeps it honest,
so the service can be unit-tested on it in milliseconds, with no Flask and no files.
"""

import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime

from app.domain import visits
from app.domain.capacity import ensure_below_cap, ensure_seat_free
from app.domain.errors import (
    AppointmentCancelled,
    AppointmentNotFound,
    ClosureNotFound,
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
    PatientCap,
    SlotCensus,
    SlotKey,
    StoredPhone,
)
from app.domain.operations import AuditEntry, Closure, SlotRules, change, slot_label
from app.domain.policy import COUNTED_STATUSES, IDEMPOTENCY_KEY_LIFETIME, NOT_AWAITING_VISIT
from app.domain.schedule import capacity_in_force, ensure_slot_open
from app.storage.base import BackupUnsupported, Repository, acting


class MemoryRepository(Repository):
    def __init__(self):
        self._transaction = threading.Lock()
        self.appointments: dict[str, Appointment] = {}
        self.token_hashes: dict[str, str | None] = {}
        self.idempotency: dict[str, IdempotencyEntry] = {}
        self.slots: dict[SlotKey, SlotRules] = {}
        self.closure_table: dict[str, Closure] = {}
        self.audit: list[AuditEntry] = []

    def book(self, slot, appointment, token_hash, idempotency=None, by=None, cap=None):
        with self._transaction:
            if idempotency is not None:
                earlier = self._live_entry(idempotency)
                if earlier is not None:
                    return earlier
            self._claim_seat(slot, appointment.patient_phone)
            if cap is not None:
                ensure_below_cap(len(self._counted(lambda a: _upcoming_of(a, appointment, cap))),
                                 cap.limit)
            self.put(appointment, token_hash)
            if idempotency is not None:
                self.idempotency[idempotency.key_hash] = idempotency
            self.audit.append(change(acting(by), "book", slot.key, appointment.id,
                                     after={"status": appointment.status}))
        return None

    def cancel(self, appointment_id, by=None):
        with self._transaction:
            appointment = self._fetch(appointment_id)
            if appointment.status not in COUNTED_STATUSES:
                return appointment, False
            visits.ensure_patient_may_change(appointment.status, CANCELLED)
            return self._set_status(appointment, CANCELLED, change(acting(by), "cancel",
                                                                   appointment.slot_key)), True

    def reschedule(self, appointment_id, target, by=None):
        with self._transaction:
            appointment = self._fetch(appointment_id)
            if appointment.status not in COUNTED_STATUSES:
                raise AppointmentCancelled()
            visits.ensure_patient_may_change(appointment.status, visits.RESCHEDULED)
            if appointment.slot_key == target.key:
                return appointment
            self._claim_seat(target, appointment.patient_phone)
            moved = self.appointments[appointment_id] = appointment.in_slot(target)
            self.audit.append(change(acting(by), "reschedule", target.key, appointment_id,
                                     {"slot": slot_label(appointment.slot_key)},
                                     {"slot": slot_label(target.key)}))
        return moved

    def set_status(self, appointment_id, expected, status, by=None):
        with self._transaction:
            appointment = self._fetch(appointment_id)
            if appointment.status != expected:
                raise InvalidTransition(appointment.status, status)
            return self._set_status(appointment, status, change(acting(by), "status",
                                                                appointment.slot_key))

    # -- hospital operations -----------------------------------------------------------------

    def add_closure(self, closure, slots, by):
        with self._transaction:
            self.closure_table[closure.id] = closure
            for key in slots:
                self._set_closed(key, closure.reason, by, {"closure_id": closure.id})
            return sum(len(self._counted(lambda a, k=k: a.slot_key == k)) for k in slots)

    def remove_closure(self, closure_id, by):
        with self._transaction:
            closure = self.closure_table.pop(self._closure(closure_id).id)
            for key in self._closed_slots(closure):
                still = next((c for c in self.closure_table.values()
                              if (c.hospital_id, c.date) == (key.hospital_id, key.date)
                              and c.covers(key.time)), None)
                self._set_closed(key, still.reason if still else None, by,
                                 {"closure_id": still.id if still else None}, "reopen")
        return closure

    def cancel_closed(self, closure_id, by):
        with self._transaction:
            closure = self._closure(closure_id)
            return [self._set_status(a, CANCELLED, change(by, "bulk_cancel", key,
                                                          after={"reason": closure.reason}))
                    for key in self._closed_slots(closure)
                    for a in list(self.appointments.values())
                    if a.slot_key == key and a.status not in NOT_AWAITING_VISIT]

    def set_capacity(self, slots, capacity, by):
        with self._transaction:
            for key in slots:
                rules = self.slots.get(key, SlotRules())
                self.slots[key] = replace(rules, capacity=capacity)
                self.audit.append(change(by, "capacity", key, before={"capacity": rules.capacity},
                                         after={"capacity": capacity}))
            return {k: len(self._counted(lambda a, k=k: a.slot_key == k)) for k in slots}

    def slot_rules(self, hospital_id, day=None):
        with self._transaction:
            return {k: r for k, r in sorted(self.slots.items(), key=lambda i: (i[0].date,
                                                                               i[0].time))
                    if k.hospital_id == hospital_id and day in (None, k.date)
                    and r != SlotRules()}

    def closures(self, hospital_id, day=None):
        with self._transaction:
            return sorted((c for c in self.closure_table.values()
                           if c.hospital_id == hospital_id and day in (None, c.date)),
                          key=lambda c: (c.date, c.start or "", c.id))

    def audit_trail(self, appointment_id=None, slot=None):
        with self._transaction:
            if appointment_id is not None:
                return [e for e in self.audit if e.appointment_id == appointment_id]
            return [e for e in self.audit if e.slot == slot]

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

    def phone_batches(self, size):
        with self._transaction:
            stored = [StoredPhone(a.id, a.hospital_id, a.patient_phone)
                      for a in sorted(self.appointments.values(), key=lambda a: a.id)]
        for start in range(0, len(stored), size):
            yield stored[start:start + size]

    def set_phones(self, phones):
        kept = []
        with self._transaction:
            for appointment_id, phone in phones.items():
                moved = replace(self.appointments[appointment_id], patient_phone=phone)
                if moved.status in COUNTED_STATUSES and self._holds(moved):
                    kept.append(appointment_id)
                else:
                    self.appointments[appointment_id] = moved
        return kept

    def _holds(self, wanted: Appointment) -> bool:
        """Another appointment already holds `wanted`'s phone in its slot (inside the lock)."""
        return bool(self._counted(lambda a: a.slot_key == wanted.slot_key and a.id != wanted.id
                                  and a.patient_phone == wanted.patient_phone))

    def backup_to(self, target):
        raise BackupUnsupported("the in-memory store keeps nothing to back up")

    def restore_from(self, backup, previous, check=None):
        raise BackupUnsupported("the in-memory store keeps nothing to restore")

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
        rules = self.slots.setdefault(slot.key, SlotRules())
        ensure_slot_open(slot.key, rules)
        in_slot = self._counted(lambda a: a.slot_key == slot.key)
        ensure_seat_free(len(in_slot), capacity_in_force(slot.capacity, rules))
        if any(a.patient_phone == phone for a in in_slot):
            raise DuplicateBooking()

    def _set_status(self, appointment: Appointment, status: str,
                    entry: AuditEntry) -> Appointment:
        changed = self.appointments[appointment.id] = replace(appointment, status=status)
        self.audit.append(replace(entry, appointment_id=appointment.id,
                                  before={"status": appointment.status},
                                  after={**entry.after, "status": status}))
        return changed

    def _set_closed(self, key: SlotKey, reason: str | None, by, after: dict,
                    action: str = "close") -> None:
        rules = self.slots.get(key, SlotRules())
        self.slots[key] = replace(rules, closed=reason)
        self.audit.append(change(by, action, key, before={"closed": rules.closed},
                                 after={"closed": reason, **after}))

    def _closure(self, closure_id: str) -> Closure:
        if closure_id not in self.closure_table:
            raise ClosureNotFound()
        return self.closure_table[closure_id]

    def _closed_slots(self, closure: Closure) -> list[SlotKey]:
        return sorted((k for k in self.slots if (k.hospital_id, k.date) == (
            closure.hospital_id, closure.date) and closure.covers(k.time)), key=lambda k: k.time)

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


def _upcoming_of(a: Appointment, patient: Appointment, cap: PatientCap) -> bool:
    """`a` is one of `patient`'s appointments at their hospital that counts toward `cap`."""
    return ((a.hospital_id, a.patient_phone) == (patient.hospital_id, patient.patient_phone)
            and (a.date, a.appointment_time) > (cap.today, cap.now))


def _wanted(a: Appointment, query: AppointmentQuery) -> bool:
    if (a.hospital_id, a.date) != (query.hospital_id, query.date):
        return False
    if query.time and a.appointment_time != query.time:
        return False
    if query.phone and a.patient_phone != query.phone:
        return False
    if query.status == BOOKED:
        return a.status in COUNTED_STATUSES
    return not query.status or a.status == query.status

