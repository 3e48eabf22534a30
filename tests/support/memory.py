"""An in-memory engine (cosmicpython's FakeRepository): dicts under one lock, the lock standing in
for the transaction (a failure restores the dicts). Storage only, no rule; it passes the contract
suite with SQLite and MongoDB (tests/contract), so the use cases are unit-tested on it."""

import threading
from collections import Counter
from dataclasses import replace
from operator import attrgetter

from app.domain.errors import AppointmentNotFound, ClosureNotFound
from app.domain.model import BOOKED, SlotCensus, StoredPhone
from app.domain.operations import SlotRules
from app.domain.policy import COUNTED_STATUSES, NOT_AWAITING_VISIT, EveryStatusBut
from app.storage.base import BackupUnsupported, Repository, UnitOfWork

ANY_STATUS = EveryStatusBut(None)     # every status, none left out
SLOT_ORDER = attrgetter("hospital_id", "date", "time")
TABLES = ("appointments", "token_hashes", "idempotency", "slots", "closure_table", "entries")


class MemoryRepository(Repository, UnitOfWork):
    def __init__(self):
        self._lock = threading.RLock()
        self.appointments, self.token_hashes, self.idempotency = {}, {}, {}
        self.slots, self.closure_table, self.entries = {}, {}, []

    def run(self, work):
        with self._lock:
            saved = {table: getattr(self, table).copy() for table in TABLES}
            try:
                return work(self)
            except BaseException:
                self.__dict__.update(saved)
                raise

    def _appointments(self, statuses=ANY_STATUS, **fields) -> list:
        return [a for a in _where(self.appointments.values(), **fields) if a.status in statuses]

    def claim_slot(self, key):
        return self.slots.setdefault(key, SlotRules())

    def seats_taken(self, key):
        return len(self._appointments(COUNTED_STATUSES, slot_key=key))

    def has_patient(self, key, phone):
        return bool(self._appointments(COUNTED_STATUSES, slot_key=key, patient_phone=phone))

    def save_slot(self, slot):
        self.slots[slot.key] = replace(self.slots[slot.key], **slot.changed)

    def slot_times(self, hospital_id, day):
        return sorted(k.time for k in _where(self.slots, hospital_id=hospital_id, date=day))

    def claim_patient(self, hospital_id, phone, cap):
        held = self._appointments(COUNTED_STATUSES, hospital_id=hospital_id, patient_phone=phone)
        return sum((a.date, a.appointment_time) > (cap.today, cap.now) for a in held)

    def appointment(self, appointment_id):
        if appointment_id not in self.appointments:
            raise AppointmentNotFound()
        return self.appointments[appointment_id]

    def put(self, appointment, token_hash):
        self.save_status(appointment)
        self.token_hashes[appointment.id] = token_hash

    def save_status(self, appointment):
        self.appointments[appointment.id] = appointment

    def move(self, appointment, target):
        self.save_status(appointment.in_slot(target))

    def awaiting_visit(self, key):
        return [a for a in self._appointments(slot_key=key) if a.status not in NOT_AWAITING_VISIT]

    def closure(self, closure_id):
        if closure_id not in self.closure_table:
            raise ClosureNotFound()
        return self.closure_table[closure_id]

    def add_closure(self, closure):
        self.closure_table[closure.id] = closure

    def delete_closure(self, closure_id):
        del self.closure_table[closure_id]

    def closures(self, hospital_id, day=None):
        return sorted(_where(self.closure_table.values(), hospital_id=hospital_id, date=day),
                      key=lambda c: (c.date, c.start or "", c.id))

    def audit(self, entry):
        self.entries.append(entry)

    def idempotency_entry(self, key_hash, since):
        found = self.idempotency.get(key_hash)
        return found if found and found.created_at >= since else None

    def add_entry(self, entry):
        self.idempotency[entry.key_hash] = entry

    def day_counts(self, hospital_id, day):
        counted = self._appointments(COUNTED_STATUSES, hospital_id=hospital_id, date=day)
        return dict(Counter(a.appointment_time for a in counted))

    def get(self, appointment_id):
        found = self.appointments.get(appointment_id)
        return (found, self.token_hashes[appointment_id]) if found else None

    def slot_rules(self, hospital_id, day=None):
        rules = self.slots          # this dict, whatever a rollback puts in its place meanwhile
        keys = sorted(_where(rules, hospital_id=hospital_id, date=day), key=SLOT_ORDER)
        return {k: rules[k] for k in keys if rules[k] != SlotRules()}

    def audit_trail(self, appointment_id=None, slot=None):
        return _where(self.entries, appointment_id=appointment_id, slot=slot)

    def search(self, query):
        found = sorted(self._appointments(
            _statuses(query.status), hospital_id=query.hospital_id, date=query.date,
            appointment_time=query.time or None, patient_phone=query.phone or None),
            key=attrgetter("appointment_time", "created_at", "id"))
        return found[query.offset:query.offset + query.limit], len(found)

    def slot_census(self):
        """No unrecorded appointments here: the lock is the transaction."""
        keys = {a.slot_key for a in self._appointments()}
        return [self._census(key) for key in sorted(keys, key=SLOT_ORDER)]

    def _census(self, key) -> SlotCensus:
        counted = self._appointments(COUNTED_STATUSES, slot_key=key)
        by_phone = {tuple(sorted(a.id for a in counted if a.patient_phone == b.patient_phone))
                    for b in counted}
        shared = tuple(sorted(ids for ids in by_phone if len(ids) > 1))
        return SlotCensus(key, self._appointments(slot_key=key)[0].hospital, len(counted), shared)

    def phone_batches(self, size):
        stored = [StoredPhone(a.id, a.hospital_id, a.patient_phone)
                  for a in sorted(self._appointments(), key=attrgetter("id"))]
        return (stored[start:start + size] for start in range(0, len(stored), size))

    def set_phones(self, phones):
        return self.run(lambda uow: [i for i, p in phones.items() if not self._set_phone(i, p)])

    def _set_phone(self, appointment_id, phone) -> bool:
        """Whether it was set: not when another counted appointment of its slot has that phone
        (what the slot's one-patient index refuses in the other engines)."""
        changed = replace(self.appointments[appointment_id], patient_phone=phone)
        others = self._appointments(COUNTED_STATUSES, slot_key=changed.slot_key,
                                    patient_phone=phone)
        if changed.status in COUNTED_STATUSES and any(a.id != appointment_id for a in others):
            return False
        self.save_status(changed)
        return True

    def backup_to(self, *_, **__):
        raise BackupUnsupported("the in-memory store keeps nothing to back up")

    def ping(self):
        pass

    # The names the unit of work and the repository give one step, and the steps with no work.
    slot_count, day_closures, live_entry, add_appointment = (
        seats_taken, closures, idempotency_entry, put)
    restore_from = backup_to
    ready = prepare = close = ping


def _where(items, **fields) -> list:
    """The items whose fields hold the values given (None: any value)."""
    return [item for item in list(items)
            if all(value is None or getattr(item, name) == value for name, value in fields.items())]


def _statuses(asked):
    """The statuses a search for `asked` means: "booked" every counted one, none any."""
    if asked == BOOKED:
        return COUNTED_STATUSES
    return (asked,) if asked else ANY_STATUS
