"""Every change to the store, each use case written once over a unit of work.

`store.run(work)` runs `work` in one transaction of the engine (app.storage.base.Store);
the rules are the domain's: the slot aggregate (app.domain.slot), the visit rules, the caps.
The unit of work writes the slot's record first (`load_slot`), so the writers of one slot are
serialized there on every engine. On MongoDB `work` may run again after a transient error, so
nothing here has an effect outside the unit of work.
"""

from dataclasses import replace
from datetime import UTC, datetime

from app.domain import visits
from app.domain.capacity import ensure_below_cap
from app.domain.errors import AppointmentCancelled, InvalidTransition
from app.domain.model import (
    CANCELLED,
    Appointment,
    IdempotencyEntry,
    PatientCap,
    Slot,
    SlotKey,
)
from app.domain.operations import PATIENT, Actor, AuditEntry, Closure, change
from app.domain.policy import COUNTED_STATUSES, IDEMPOTENCY_KEY_LIFETIME
from app.domain.selection import Appointments
from app.domain.slot import SlotAggregate, status_change
from app.storage.base import Repository, Store


def acting(by: Actor | None) -> Actor:
    """Who writes: the given actor, else a patient now (the patient-facing calls). Taken once,
    outside the unit of work, so a retried MongoDB transaction records the same moment."""
    return by or Actor(PATIENT, datetime.now(UTC))


def replay(store: Repository, key_hash: str, fingerprint: str,
           since: datetime) -> IdempotencyEntry | None:
    """The live entry under `key_hash` (IdempotencyKeyReused for another body), read only."""
    found = store.idempotency_entry(key_hash, since)
    return found.replaying(fingerprint) if found else None


def book(store: Repository, slot: Slot, appointment: Appointment, token_hash: str,
         idempotency: IdempotencyEntry | None = None, by: Actor | None = None,
         cap: PatientCap | None = None) -> Appointment | IdempotencyEntry:
    """`appointment` stored in `slot` with the slot's next serial when the slot takes it and
    the patient is below `cap`; the live entry under the same Idempotency-Key instead (a
    replay: nothing written). The entry stored answers with the appointment as stored."""
    by = acting(by)

    def work(uow: Store) -> Appointment | IdempotencyEntry:
        if idempotency is not None:
            since = idempotency.created_at - IDEMPOTENCY_KEY_LIFETIME
            earlier = uow.live_entry(idempotency.key_hash, since)
            if earlier is not None:
                return earlier.replaying(idempotency.fingerprint)
        seated, entry = uow.load_slot(slot.key, seats=1).book(appointment, slot.capacity, by)
        if cap is not None:
            _claim_patient_place(uow, appointment.hospital_id, appointment.patient_phone, cap)
        seated = _after_the_unnumbered(uow, slot.key, seated)
        uow.add_appointment(seated, token_hash)
        uow.audit(entry)
        if idempotency is not None:
            uow.add_entry(replace(idempotency, response=seated.to_dict()))
        return seated

    return store.run(work)


def _claim_patient_place(uow: Store, hospital_id: str, phone: str,
                         cap: PatientCap) -> None:
    """The patient's record written (one phone's changes serialize there), then the cap."""
    uow.claim_patient(hospital_id, phone)
    ensure_below_cap(uow.count(Appointments.upcoming(hospital_id, phone, cap)), cap.limit)


def cancel(store: Repository, appointment_id: str,
           by: Actor | None = None) -> tuple[Appointment, bool]:
    """(the appointment, whether a seat was freed); a recorded visit read in the transaction
    refuses (InvalidTransition), a cancelled one changes nothing."""
    by = acting(by)

    def work(uow: Store) -> tuple[Appointment, bool]:
        current = uow.appointment(appointment_id)
        if current.status not in COUNTED_STATUSES:
            return current, False
        visits.ensure_patient_may_change(current.status, CANCELLED)
        key = uow.slot_key_of(current)
        uow.load_slot(key)
        return _store_status(uow, current, CANCELLED, change(by, "cancel", key)), True

    return store.run(work)


def reschedule(store: Repository, appointment_id: str, target: Slot, by: Actor | None = None,
               cap: PatientCap | None = None) -> Appointment:
    """Move a booking into `target`, writing both slots; `cap` is the target hospital's, for
    a move into another hospital (a new seat there, counted as a booking's)."""
    by = acting(by)

    def work(uow: Store) -> Appointment:
        current = uow.appointment(appointment_id)
        if current.status not in COUNTED_STATUSES:
            raise AppointmentCancelled()
        visits.ensure_patient_may_change(current.status, visits.RESCHEDULED)
        source = uow.slot_key_of(current)
        if source == target.key:
            return current
        uow.load_slot(source)
        moved, entry = uow.load_slot(target.key, seats=1).move_in(
            current.in_slot(target), source, target.capacity, by)
        if cap is not None and source.hospital_id != target.hospital_id:
            _claim_patient_place(uow, target.hospital_id, current.patient_phone, cap)
        moved = _after_the_unnumbered(uow, target.key, moved)
        uow.move(moved)
        uow.audit(entry)
        return moved

    return store.run(work)


def set_status(store: Repository, appointment_id: str, expected: str, status: str,
               by: Actor | None = None) -> Appointment:
    """Change the status from `expected` (InvalidTransition when another writer changed it)."""
    by = acting(by)

    def work(uow: Store) -> Appointment:
        current = uow.appointment(appointment_id)
        if current.status != expected:
            raise InvalidTransition(current.status, status)
        key = uow.slot_key_of(current)
        if status == CANCELLED:       # a seat freed: the slot's writers serialize with it
            uow.load_slot(key)
        return _store_status(uow, current, status, change(by, "status", key))

    return store.run(work)


def _store_status(uow: Store, current: Appointment, status: str,
                  entry: AuditEntry) -> Appointment:
    changed, recorded = status_change(current, status, entry)
    uow.save_status(changed)
    uow.audit(recorded)
    return changed


def assign_serials(store: Repository, key: SlotKey, by: Actor) -> int:
    """Number the slot's seat-holders written without a serial (before serials, or by the old
    app), in booking order, after the slot's last serial; how many (none: nothing written, so
    it may run again)."""
    def work(uow: Store) -> int:
        earlier = _unnumbered(uow, key)
        if earlier:
            last = uow.load_slot(key, seats=len(earlier)).serial
            _number(uow, earlier, last - len(earlier) + 1)
            uow.audit(change(by, "serials", key, after={"numbered": len(earlier)}))
        return len(earlier)

    return store.run(work)


def _after_the_unnumbered(uow: Store, key: SlotKey, seated: Appointment) -> Appointment:
    """`seated` (numbered by the slot's write) called after the slot's seat-holders written
    without a serial, who booked earlier: they take the serials from its number on. Only the
    slot's first serial looks for them (one query less for every other seat): from then on
    this version numbers every seat; what the old app writes later, assign-serials numbers."""
    earlier = _unnumbered(uow, key) if seated.serial == 1 else []
    if not earlier:
        return seated
    _number(uow, earlier, seated.serial)
    return replace(seated, serial=uow.claim_slot(key, seats=len(earlier))[1])


def _unnumbered(uow: Store, key: SlotKey) -> list[Appointment]:
    """The slot's seat-holders without a serial, in booking order (as `find` lists those)."""
    return uow.find(replace(Appointments.seated_in(key), unnumbered=True))


def _number(uow: Store, appointments: list[Appointment], first: int) -> None:
    """Give `appointments` the serials from `first` on (the slot's record gave them out)."""
    for n, appointment in enumerate(appointments):
        uow.number(replace(appointment, serial=first + n))


# -- hospital operations (staff) ----------------------------------------------------------------

def add_closure(store: Repository, closure: Closure, keys: list[SlotKey], by: Actor) -> int:
    """Store `closure` and close its slots; the active bookings they hold (none cancelled)."""
    def work(uow: Store) -> int:
        uow.add_closure(closure)
        slots = [_save(uow, uow.load_slot(key), lambda s: s.close(closure.reason, closure.id,
                                                                  by)) for key in keys]
        return sum(slot.seats_taken() for slot in slots)

    return store.run(work)


def remove_closure(store: Repository, closure_id: str, by: Actor) -> Closure:
    """Delete a closure and reopen its slots, unless another closure covers them."""
    def work(uow: Store) -> Closure:
        closure = uow.closure(closure_id)
        uow.delete_closure(closure_id)
        others = uow.closures(closure.hospital_id, closure.date)
        for key in _closed_slots(uow, closure):
            still = next((c for c in others if c.covers(key.time)), None)
            _save(uow, uow.load_slot(key), lambda s, still=still: s.reopen(still, by))
        return closure

    return store.run(work)


def cancel_closed(store: Repository, closure_id: str, by: Actor) -> list[Appointment]:
    """Cancel the bookings awaiting their visit in a closure's slots (the reason audited)."""
    def work(uow: Store) -> list[Appointment]:
        closure = uow.closure(closure_id)
        cancelled = []
        for key in _closed_slots(uow, closure):
            uow.load_slot(key)
            cancelled += [_store_status(uow, a, CANCELLED, change(
                by, "bulk_cancel", key, after={"reason": closure.reason}))
                for a in uow.find(Appointments.awaiting_visit(key))]
        return cancelled

    return store.run(work)


def set_capacity(store: Repository, keys: list[SlotKey], capacity: int | None,
                 by: Actor) -> dict[SlotKey, int]:
    """Each slot's capacity in force (None: the hospital's); its count of active bookings."""
    def work(uow: Store) -> dict[SlotKey, int]:
        return {key: _save(uow, uow.load_slot(key),
                           lambda s: s.set_capacity(capacity, by)).seats_taken()
                for key in keys}

    return store.run(work)


def _save(uow: Store, slot: SlotAggregate, decide) -> SlotAggregate:
    """Apply `decide` to the loaded slot, then store its record and the entry it returns."""
    entry = decide(slot)
    uow.save_slot(slot)
    uow.audit(entry)
    return slot


def _closed_slots(uow: Store, closure: Closure) -> list[SlotKey]:
    """The slot records of the closure's day that it covers (add_closure wrote each)."""
    return [SlotKey(closure.hospital_id, closure.date, t)
            for t in uow.slot_times(closure.hospital_id, closure.date) if closure.covers(t)]
