"""The booking use cases: typed commands in (app.service.commands), domain values out."""

import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from app.domain import phones, schedule, store_check, visits
from app.domain.capacity import DayAvailability, SlotAvailability, ensure_seat_free
from app.domain.errors import (
    AdminNotConfigured,
    AppointmentNotFound,
    NotAuthenticated,
    ReferenceTaken,
    UnknownHospital,
)
from app.domain.hospitals import Hospital, Hospitals
from app.domain.model import (
    BOOKED,
    CANCELLED,
    Appointment,
    AppointmentQuery,
    IdempotencyEntry,
    PatientCap,
    Slot,
    SlotKey,
    StoredPhone,
)
from app.domain.operations import ADMIN, CLI, PATIENT, Actor, SlotRules
from app.domain.policy import COUNTED_STATUSES, IDEMPOTENCY_KEY_LIFETIME
from app.domain.references import new_reference
from app.domain.selection import Appointments
from app.domain.store_check import StoreReport
from app.service import tokens, writes
from app.service.commands import (
    AppointmentFilter,
    BookSlot,
    CancelAppointment,
    ChangeStatus,
    Reschedule,
)
from app.service.operations import HospitalOperations
from app.service.results import AppointmentPage, Booked, Cancelled, PhoneReport
from app.storage.base import BackupInfo, Repository

#: Draws of a reference before a booking answers 503 (each taken with odds of one in 2^40).
REFERENCE_DRAWS = 4


def utc_now() -> datetime:
    return datetime.now(UTC)


class BookingService(HospitalOperations):
    def __init__(self, hospitals: Hospitals, repository: Repository,
                 admin_key: str | None = None, now: Callable[[], datetime] = utc_now):
        self.hospitals = hospitals
        self.repository = repository
        self._admin_key = admin_key
        self._now = now

    # -- the store and the hospitals ---------------------------------------------------------

    def ready(self) -> None:
        """Raise StoreNotReady (with its reason) unless the store can take a write now."""
        self.repository.ready()

    def prepare_store(self) -> None:
        self.repository.prepare()

    def normalize_stored_phones(self, batch_size: int = 500) -> PhoneReport:
        """Rewrite every stored phone as E.164, a batch at a time (idempotent, deletes nothing);
        the ids whose phone cannot be read, or would duplicate a patient in its slot, stay."""
        scanned, normalized, unparsed, duplicates = 0, 0, [], []
        for batch in self.repository.phone_batches(batch_size):
            changes, unreadable = self._phone_changes(batch)
            kept = self.repository.set_phones(changes)
            scanned, normalized = scanned + len(batch), normalized + len(changes) - len(kept)
            unparsed += unreadable
            duplicates += kept
        return PhoneReport(scanned, normalized, tuple(unparsed), tuple(duplicates))

    def assign_serials(self) -> tuple[int, int]:
        """Number every seat-holder written without a serial, slot by slot, in booking order
        (app.service.writes.assign_serials); (appointments numbered, slots)."""
        by = Actor(CLI, self._now())
        numbered = [writes.assign_serials(self.repository, key, by)
                    for key in self._unnumbered_slots()]
        return sum(numbered), sum(1 for n in numbered if n)

    def _unnumbered_slots(self) -> list[SlotKey]:
        """The slots holding a seat-holder without a serial, by hospital, date and time."""
        keys = set()
        for hospital in self.hospitals.all():
            which = Appointments(hospital.id, statuses=COUNTED_STATUSES, unnumbered=True)
            keys |= {SlotKey(hospital.id, a.date, a.appointment_time)
                     for a in self.repository.read(lambda s, w=which: s.find(w))}
        return sorted(keys, key=lambda k: (k.hospital_id, k.date, k.time))

    def _phone_changes(self, batch: list[StoredPhone]) -> tuple[dict[str, str], list[str]]:
        """The new phone per appointment id that needs one, and the ids that cannot be read."""
        changes, unreadable = {}, []
        for stored in batch:
            number = phones.e164(stored.phone, self._phone_region(stored.hospital))
            if number is None:
                unreadable.append(stored.appointment_id)
            elif number != stored.phone:
                changes[stored.appointment_id] = number
        return changes, unreadable

    def _phone_region(self, hospital_ref: str) -> str:
        """The hospital's region; for a hospital no longer configured, the default one."""
        try:
            return self.hospitals.get(hospital_ref).phone_region
        except UnknownHospital:
            return Hospital.phone_region

    def list_hospitals(self) -> list[Hospital]:
        return self.hospitals.all()

    def check_store(self) -> StoreReport:
        """Every slot of the store against app.domain.store_check's rules (changes nothing);
        "over capacity" against the capacity in force (an override, else the hospital's)."""
        overrides = {key: rules.capacity for h in self.hospitals.all()
                     for key, rules in self.repository.slot_rules(h.id).items()
                     if rules.capacity is not None}
        return store_check.check_store(
            self.repository.slot_census(),
            lambda key: overrides[key] if key in overrides else self._capacity_of(key))

    def backup_store(self, target: Path) -> BackupInfo:
        return self.repository.backup_to(target)

    def restore_store(self, backup: Path, previous: Path) -> StoreReport:
        """Put `backup` in place (the current store saved to `previous`) once a scratch copy
        of it passed the store's schema and check-store could read it; check-store's report."""
        return self.repository.restore_from(backup, previous, self._report_on)

    def _report_on(self, candidate: Repository) -> StoreReport:
        return BookingService(self.hospitals, candidate).check_store()     # reads no clock

    def _capacity_of(self, key: SlotKey) -> int | None:
        """The slot's capacity, None for a hospital the configuration does not know."""
        try:
            return self.hospitals.get(key.hospital_id).max_per_slot if key.hospital_id else None
        except UnknownHospital:
            return None

    # -- availability ------------------------------------------------------------------------

    def slot_availability(self, hospital_ref: str, day: date, time: str) -> SlotAvailability:
        """The true count of any slot of the schedule, past ones included, its capacity in
        force and its status."""
        hospital, now = self.hospitals.get(hospital_ref), self._now()
        schedule.check_readable_day(hospital, day, now)
        schedule.check_slot_time(hospital, time, field="time")
        key = SlotKey(hospital.id, day, time)
        rules = self._rules_of(key)
        return schedule.slot_offer(hospital, day, time, self.repository.slot_count(key), now,
                                   rules)

    def _rules_of(self, key: SlotKey) -> SlotRules:
        """The slot's closure and capacity override as stored (none: open, configured)."""
        return self.repository.slot_rules(key.hospital_id, key.date).get(key, schedule.OPEN)

    def day_availability(self, hospital_ref: str, day: date) -> DayAvailability:
        hospital, now = self.hospitals.get(hospital_ref), self._now()
        schedule.check_readable_day(hospital, day, now)
        if not hospital.is_open_on(day):
            return schedule.day_offer(hospital, day, {}, {}, now)
        rules = {key.time: r for key, r in self.repository.slot_rules(hospital.id, day).items()}
        return schedule.day_offer(hospital, day, self.repository.day_counts(hospital.id, day),
                                  rules, now)

    # -- booking -----------------------------------------------------------------------------

    def book(self, command: BookSlot) -> Booked:
        """Book one seat, or replay the answer an earlier request with the same key got."""
        earlier = self._seen(command)
        if earlier:
            return _replayed(earlier, command.idempotency_key)
        return self._book_new(command)

    def _seen(self, command: BookSlot) -> IdempotencyEntry | None:
        """Looked up before the rules, so a retry replays even once its slot has started."""
        if command.idempotency_key is None:
            return None
        return writes.replay(self.repository, tokens.key_hash(command.idempotency_key),
                             tokens.fingerprint(command.body()),
                             self._now() - IDEMPOTENCY_KEY_LIFETIME)

    def _book_new(self, command: BookSlot) -> Booked:
        hospital = self.hospitals.get(command.hospital)
        slot = schedule.bookable_slot(hospital, command.date, command.appointment_time,
                                      self._now())
        # Before the phone's parse, which costs as much as both reads: a rush on a full slot
        # is mostly refusals, and the answer does not depend on who asks.
        self._refuse_when_shown_full(slot)
        phone = phones.patient_phone(command.patient_phone, hospital.phone_region)
        appointment = self._new_appointment(slot, command, phone)
        token = secrets.token_urlsafe(32)
        entry = self._idempotency_entry(command, appointment, token)
        stored = self._store_with_a_free_reference(
            lambda drawn: self._store_booking(slot, drawn, tokens.secret_hash(token), entry,
                                              self._patient_cap(hospital, command.bearer)),
            appointment)
        if isinstance(stored, IdempotencyEntry):
            return _replayed(stored, command.idempotency_key)
        return Booked(stored, token)

    @staticmethod
    def _store_with_a_free_reference(store, appointment: Appointment):
        """`store(appointment)`, drawing a new reference while the drawn one is taken (one in
        2^40 per stored appointment: a second draw is rare, a fourth a 503)."""
        for _ in range(REFERENCE_DRAWS - 1):
            try:
                return store(appointment)
            except ReferenceTaken:
                appointment = replace(appointment, reference=new_reference())
        return store(appointment)

    def _store_booking(self, slot: Slot, appointment: Appointment, token_hash: str,
                       entry: IdempotencyEntry | None,
                       cap: PatientCap | None) -> Appointment | IdempotencyEntry:
        """The booking's transaction (the seam the harness's unsafe controls replace)."""
        return writes.book(self.repository, slot, appointment, token_hash, entry,
                           Actor(PATIENT, appointment.created_at), cap)

    def _refuse_when_shown_full(self, slot: Slot) -> None:
        """A cheap refusal: a slot that reads already show closed, or full under the capacity
        in force, is refused without the write lock or a transaction (true as of those reads;
        a seat freed later is for a later request). Only a possibly-free slot goes on to the
        booking transaction, which decides again on the slot's row."""
        rules = self._rules_of(slot.key)
        schedule.ensure_slot_open(slot.key, rules)
        ensure_seat_free(self.repository.slot_count(slot.key),
                         schedule.capacity_in_force(slot.capacity, rules))

    def _patient_cap(self, hospital: Hospital, bearer: str | None) -> PatientCap | None:
        """The hospital's cap on one phone's upcoming bookings; none for 0 or the admin key."""
        if not hospital.max_active_per_patient or self.is_admin(bearer):
            return None
        local_now = self._now().astimezone(hospital.timezone)
        return PatientCap(hospital.max_active_per_patient, local_now.date(),
                          local_now.strftime("%H:%M"))

    def _new_appointment(self, slot: Slot, command: BookSlot, phone: str) -> Appointment:
        return Appointment(
            id=uuid.uuid4().hex, hospital_id=slot.hospital_id, hospital=slot.hospital_name,
            date=slot.date, appointment_time=slot.time, status=BOOKED,
            patient_name=command.patient_name, patient_phone=phone,
            patient_email=command.patient_email, doctor=command.doctor, notes=command.notes,
            created_at=self._now(), reference=new_reference())

    def _idempotency_entry(self, command: BookSlot, appointment: Appointment,
                           token: str) -> IdempotencyEntry | None:
        key = command.idempotency_key
        if key is None:
            return None
        return IdempotencyEntry(key_hash=tokens.key_hash(key),
                                fingerprint=tokens.fingerprint(command.body()),
                                response=appointment.to_dict(),
                                sealed_token=tokens.seal(token, key), created_at=self._now())

    # -- lifecycle ---------------------------------------------------------------------------

    def get(self, appointment_id: str, bearer: str | None) -> Appointment:
        return self._authorized(appointment_id, bearer)

    def cancel(self, command: CancelAppointment) -> Cancelled:
        _not_visited(self._authorized(command.appointment_id, command.bearer), CANCELLED)
        appointment, freed = writes.cancel(self.repository, command.appointment_id,
                                           self._actor(command.bearer))
        return Cancelled(appointment, freed)

    def reschedule(self, command: Reschedule) -> Appointment:
        current = _not_visited(self._authorized(command.appointment_id, command.bearer),
                               visits.RESCHEDULED)
        # Old-app appointments carry only the display name.
        hospital = self.hospitals.get(command.hospital or current.hospital_id or current.hospital)
        target = schedule.bookable_slot(hospital, command.date, command.appointment_time,
                                        self._now())
        # A move into another hospital is a new seat there: that hospital's cap applies.
        return writes.reschedule(self.repository, command.appointment_id, target,
                                 self._actor(command.bearer),
                                 self._patient_cap(hospital, command.bearer))

    def change_status(self, command: ChangeStatus) -> Appointment:
        """Staff record a visit; the rules (visits.TRANSITIONS) decide what may follow what."""
        self.require_admin(command.bearer)
        current = self._authorized(command.appointment_id, command.bearer)
        hospital = self.hospitals.get(current.hospital_id or current.hospital)
        started = schedule.has_started(hospital, current.date, current.appointment_time,
                                       self._now())
        visits.check_transition(current.status, command.status, started)
        return writes.set_status(self.repository, current.id, current.status, command.status,
                                 Actor(ADMIN, self._now()))

    def search(self, wanted: AppointmentFilter, bearer: str | None) -> AppointmentPage:
        self.require_admin(bearer)
        hospital = self.hospitals.get(wanted.hospital) if wanted.hospital else None
        phone = wanted.phone and phones.patient_phone(wanted.phone, hospital.phone_region,
                                                      "phone")
        query = AppointmentQuery(hospital and hospital.id, wanted.date, wanted.time,
                                 wanted.status, phone, wanted.limit, wanted.offset,
                                 wanted.reference)
        items, total = self.repository.search(query)
        return AppointmentPage(tuple(items), total, query.limit, query.offset)

    def _actor(self, bearer: str | None) -> Actor:
        return Actor(ADMIN if self.is_admin(bearer) else PATIENT, self._now())

    def _authorized(self, appointment_id: str, bearer: str | None) -> Appointment:
        """The appointment if `bearer` is its token or the admin key; else not found."""
        found = self.repository.get(appointment_id) if bearer else None
        if found is not None:
            appointment, token_hash = found
            if self.is_admin(bearer) or (token_hash and hmac.compare_digest(
                    token_hash, tokens.secret_hash(bearer))):
                return appointment
        raise AppointmentNotFound(self.hospitals.contacts())

    def is_admin(self, bearer: str | None) -> bool:
        return bool(self._admin_key and bearer
                    and hmac.compare_digest(bearer.encode(), self._admin_key.encode()))

    def require_admin(self, bearer: str | None) -> None:
        """Raise unless `bearer` is the admin key (AdminNotConfigured when there is none)."""
        if not self._admin_key:
            raise AdminNotConfigured()
        if not self.is_admin(bearer):
            raise NotAuthenticated()


def _not_visited(appointment: Appointment, wanted: str) -> Appointment:
    """Refused before any transaction too, so the common refusal costs no write."""
    visits.ensure_patient_may_change(appointment.status, wanted)
    return appointment


def _replayed(earlier: IdempotencyEntry, key: str) -> Booked:
    return Booked(Appointment.from_dict(earlier.response), tokens.unseal(earlier.sealed_token,
                                                                         key), replayed=True)
