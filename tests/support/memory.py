"""An in-memory engine (cosmicpython's FakeRepository): dicts under one lock, the lock standing in
for the transaction (a failure restores the dicts). Storage only, no rule; it passes the contract
suite with SQLite and MongoDB (tests/contract), so the use cases are unit-tested on it."""

import threading
from dataclasses import replace
from operator import attrgetter

from app.domain.operations import SlotRules
from app.domain.selection import listed
from app.storage.base import Repository, Store

TABLES = ("appointments", "slots", "serials", "closure_table", "idempotency", "entries")


class MemoryRepository(Repository, Store):
    def __init__(self):
        self._lock = threading.RLock()
        self.appointments, self.slots, self.closure_table, self.idempotency = {}, {}, {}, {}
        self.serials = {}
        self.entries = []

    def run(self, work):
        with self._lock:
            saved = {name: getattr(self, name).copy() for name in TABLES}
            try:
                return work(self)
            except BaseException:
                vars(self).update(saved)
                raise

    def claim_slot(self, key, seats=0):
        self.serials[key] = self.serials.get(key, 0) + seats
        return self.slots.setdefault(key, SlotRules()), self.serials[key]

    def save_slot(self, slot):
        self.slots[slot.key] = replace(self.slots[slot.key], **slot.changed)

    def slot_times(self, hospital_id, day):
        return sorted(key.time for key in _where(self.slots, hospital_id=hospital_id, date=day))

    def slot_rules(self, hospital_id, day=None):
        keys = sorted(_where(self.slots, hospital_id=hospital_id, date=day),
                      key=attrgetter("date", "time"))
        return {key: self.slots[key] for key in keys if self.slots[key] != SlotRules()}

    def find(self, which, limit=0, offset=0):
        found = sorted((a for a, _ in self.appointments.values() if which.matches(a)),
                       key=listed)
        return found[offset:offset + limit if limit else None]

    def add_appointment(self, appointment, token_hash):
        self.appointments[appointment.id] = (appointment, token_hash)

    def save_status(self, appointment):
        self.add_appointment(appointment, self.appointments[appointment.id][1])

    move = number = save_status

    def closures(self, hospital_id, day=None):
        return sorted(_where(self.closure_table.values(), hospital_id=hospital_id, date=day),
                      key=lambda c: (c.date, c.start or "", c.id))

    def add_closure(self, closure):
        self.closure_table[closure.id] = closure

    def audit_trail(self, appointment_id=None, slot=None):
        return _where(self.entries, appointment_id=appointment_id, slot=slot)

    def idempotency_entry(self, key_hash, since):
        found = self.idempotency.get(key_hash)
        return found if found and found.created_at >= since else None

    def add_entry(self, entry):
        self.idempotency[entry.key_hash] = entry

    def stored(self, appointment_id):
        return self.appointments.get(appointment_id)

    def stored_closure(self, closure_id):
        return self.closure_table.get(closure_id)

    def delete_closure(self, closure_id):
        del self.closure_table[closure_id]

    def audit(self, entry):
        self.entries.append(entry)

    def _nothing(self, *_):
        """Steps with no work here: the lock serializes, nothing expires or connects."""

    # Itself a store: the Store's own answer, not the Repository's read that would ask itself.
    read, day_counts = run, Store.day_counts
    claim_patient = forget_expired = ready = prepare = close = _nothing


def _where(items, **fields) -> list:
    """The items whose fields hold the values given (None: any value)."""
    return [item for item in list(items)
            if all(value is None or getattr(item, name) == value for name, value in fields.items())]
