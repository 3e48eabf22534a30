"""An in-memory engine: dicts under one lock, the lock standing in for the transaction (a
failure restores the dicts). It is its own unit of work, and passes the contract suite with
SQLite and MongoDB (tests/contract), so the use cases are unit-tested on it in milliseconds."""

import threading
from collections import Counter
from dataclasses import replace

from app.domain.errors import AppointmentNotFound, ClosureNotFound
from app.domain.model import BOOKED, SlotCensus, StoredPhone
from app.domain.operations import SlotRules
from app.domain.policy import COUNTED_STATUSES, NOT_AWAITING_VISIT
from app.storage.base import BackupUnsupported, Repository, UnitOfWork

TABLES = ("appointments", "token_hashes", "idempotency", "slots", "closure_table", "patients")


class MemoryRepository(Repository, UnitOfWork):
    def __init__(self):
        self._lock = threading.RLock()
        self.appointments, self.token_hashes, self.idempotency = {}, {}, {}
        self.slots, self.closure_table, self.patients, self.entries = {}, {}, Counter(), []

    def run(self, work):
        with self._lock:
            saved = {t: getattr(self, t).copy() for t in TABLES}, list(self.entries)
            try:
                return work(self)
            except BaseException:
                self.__dict__.update(saved[0], entries=saved[1])
                raise

    def _counted(self, wanted) -> list:
        return [a for a in list(self.appointments.values())
                if a.status in COUNTED_STATUSES and wanted(a)]

    def claim_slot(self, key):
        return self.slots.setdefault(key, SlotRules())

    def seats_taken(self, key):
        return len(self._counted(lambda a: a.slot_key == key))

    slot_count = seats_taken

    def has_patient(self, key, phone):
        return bool(self._counted(lambda a: (a.slot_key, a.patient_phone) == (key, phone)))

    def save_slot(self, slot):
        self.slots[slot.key] = replace(self.slots[slot.key], **slot.changed)

    def slot_times(self, hospital_id, day):
        return sorted(k.time for k in self.slots if (k.hospital_id, k.date) == (hospital_id, day))

    def claim_patient(self, hospital_id, phone, cap):
        self.patients[hospital_id, phone] += 1
        return len(self._counted(lambda a: (a.hospital_id, a.patient_phone) == (
            hospital_id, phone) and (a.date, a.appointment_time) > (cap.today, cap.now)))

    def appointment(self, appointment_id):
        if appointment_id not in self.appointments:
            raise AppointmentNotFound()
        return self.appointments[appointment_id]

    def put(self, appointment, token_hash):
        self.appointments[appointment.id], self.token_hashes[appointment.id] = (appointment,
                                                                                 token_hash)

    add_appointment = put

    def save_status(self, appointment):
        self.appointments[appointment.id] = appointment

    def move(self, appointment, target):
        self.appointments[appointment.id] = appointment.in_slot(target)

    def awaiting_visit(self, key):
        return [a for a in self.appointments.values()
                if a.slot_key == key and a.status not in NOT_AWAITING_VISIT]

    def closure(self, closure_id):
        if closure_id not in self.closure_table:
            raise ClosureNotFound()
        return self.closure_table[closure_id]

    def add_closure(self, closure):
        self.closure_table[closure.id] = closure

    def delete_closure(self, closure_id):
        del self.closure_table[closure_id]

    def closures(self, hospital_id, day=None):
        return sorted((c for c in list(self.closure_table.values())
                       if c.hospital_id == hospital_id and day in (None, c.date)),
                      key=lambda c: (c.date, c.start or "", c.id))

    day_closures = closures

    def audit(self, entry):
        self.entries.append(entry)

    def idempotency_entry(self, key_hash, since):
        found = self.idempotency.get(key_hash)
        return found if found and found.created_at >= since else None

    live_entry = idempotency_entry

    def add_entry(self, entry):
        self.idempotency[entry.key_hash] = entry

    # -- reads ---------------------------------------------------------------------------------

    def day_counts(self, hospital_id, day):
        return dict(Counter(a.appointment_time for a in self._counted(
            lambda a: (a.hospital_id, a.date) == (hospital_id, day))))

    def get(self, appointment_id):
        found = self.appointments.get(appointment_id)
        return (found, self.token_hashes[appointment_id]) if found else None

    def slot_rules(self, hospital_id, day=None):
        return {k: r for k, r in sorted(list(self.slots.items()), key=lambda i: (
            i[0].date, i[0].time)) if k.hospital_id == hospital_id and day in (None, k.date)
            and r != SlotRules()}

    def audit_trail(self, appointment_id=None, slot=None):
        return [e for e in list(self.entries) if (
            e.appointment_id == appointment_id if appointment_id else e.slot == slot)]

    def search(self, query):
        found = sorted((a for a in list(self.appointments.values()) if _wanted(a, query)),
                       key=lambda a: (a.appointment_time, a.created_at, a.id))
        return found[query.offset:query.offset + query.limit], len(found)

    def slot_census(self):
        """No unrecorded appointments here: the lock is the transaction."""
        slots: dict = {}
        for a in list(self.appointments.values()):
            slots.setdefault(a.slot_key, []).append(a)
        return [_census(key, slots[key]) for key in sorted(
            slots, key=lambda k: (k.hospital_id, k.date, k.time))]

    def phone_batches(self, size):
        stored = [StoredPhone(a.id, a.hospital_id, a.patient_phone)
                  for a in sorted(list(self.appointments.values()), key=lambda a: a.id)]
        for start in range(0, len(stored), size):
            yield stored[start:start + size]

    def set_phones(self, phones):
        def change(uow) -> list[str]:
            kept = []      # the slot's one-patient index leaves these as they are
            for i, phone in phones.items():
                moved = replace(self.appointments[i], patient_phone=phone)
                if moved.status in COUNTED_STATUSES and self._counted(lambda b, m=moved: (
                        b.id != m.id and b.slot_key == m.slot_key
                        and b.patient_phone == m.patient_phone)):
                    kept.append(i)
                else:
                    self.appointments[i] = moved
            return kept
        return self.run(change)

    def backup_to(self, *_, **__):
        raise BackupUnsupported("the in-memory store keeps nothing to back up")

    restore_from = backup_to

    def ping(self):
        pass

    ready = prepare = close = ping


def _census(key, in_slot) -> SlotCensus:
    counted = [a for a in in_slot if a.status in COUNTED_STATUSES]
    by_phone: dict[str, list[str]] = {}
    for a in counted:
        by_phone.setdefault(a.patient_phone, []).append(a.id)
    shared = tuple(sorted(tuple(sorted(ids)) for ids in by_phone.values() if len(ids) > 1))
    return SlotCensus(key, in_slot[0].hospital, len(counted), shared)


def _wanted(a, query) -> bool:
    if (a.hospital_id, a.date) != (query.hospital_id, query.date):
        return False
    if (query.time and a.appointment_time != query.time) or (
            query.phone and a.patient_phone != query.phone):
        return False
    if query.status == BOOKED:
        return a.status in COUNTED_STATUSES
    return not query.status or a.status == query.status
