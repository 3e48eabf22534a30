"""Hospital operations staff run (through the admin API, which checks the key, or the CLI):
closures, capacity overrides, the audit trail, the front desk's day list."""

import uuid
from collections.abc import Callable
from datetime import date, datetime

from app.domain.capacity import SlotAvailability
from app.domain.errors import ValidationFailed
from app.domain.hospitals import Hospital, Hospitals
from app.domain.model import Appointment, AppointmentQuery, SlotKey
from app.domain.operations import Actor, AuditEntry, Closure
from app.domain.schedule import check_overridable_day
from app.service import writes
from app.service.commands import AddClosure, AuditQuery, SetCapacity
from app.service.results import CapacitySet, ClosureAdded
from app.storage.base import Repository


class HospitalOperations:
    """Part of BookingService: `actor` is who acts (ADMIN for the API, CLI for commands)."""

    hospitals: Hospitals
    repository: Repository
    _now: Callable[[], datetime]

    def add_closure(self, command: AddClosure, actor: str) -> ClosureAdded:
        """Close a day or part of it at once for every worker; bookings are only counted."""
        hospital = self.hospitals.get(command.hospital)
        closure = Closure(uuid.uuid4().hex, hospital.id, command.date, command.reason,
                          command.start, command.end)
        _check_not_past(hospital, command.date, self._now())
        slots = [SlotKey(hospital.id, command.date, t) for t in hospital.slot_times()
                 if closure.covers(t)]
        if not slots:
            raise ValidationFailed({"start": ["The time range covers no slot."]})
        return ClosureAdded(closure, writes.add_closure(self.repository, closure, slots,
                                                        Actor(actor, self._now())))

    def closures(self, hospital_ref: str, day: date | None = None) -> list[Closure]:
        return self.repository.closures(self.hospitals.get(hospital_ref).id, day)

    def remove_closure(self, closure_id: str, actor: str) -> Closure:
        return writes.remove_closure(self.repository, closure_id, Actor(actor, self._now()))

    def cancel_closed(self, closure_id: str, actor: str) -> list[Appointment]:
        """The explicit bulk cancel of a closure's bookings (never done by closing)."""
        return writes.cancel_closed(self.repository, closure_id, Actor(actor, self._now()))

    def set_capacity(self, command: SetCapacity, actor: str) -> CapacitySet:
        """Staff change capacity at once for every worker; bookings over it stay (reported)."""
        hospital = self.hospitals.get(command.hospital)
        check_overridable_day(hospital, command.date, self._now())
        times = [command.time] if command.time else list(hospital.slot_times())
        if command.time and command.time not in hospital.slot_times():
            raise ValidationFailed({"time": ["Not a slot of this hospital."]})
        keys = [SlotKey(hospital.id, command.date, t) for t in times]
        counts = writes.set_capacity(self.repository, keys, command.capacity,
                                     Actor(actor, self._now()))
        capacity = hospital.max_per_slot if command.capacity is None else command.capacity
        return CapacitySet(command.capacity, tuple(
            SlotAvailability(hospital.id, key.date, key.time, capacity, counts[key])
            for key in keys))

    def capacity_overrides(self, hospital_ref: str, day: date | None = None
                           ) -> dict[SlotKey, int]:
        rules = self.repository.slot_rules(self.hospitals.get(hospital_ref).id, day)
        return {key: r.capacity for key, r in rules.items() if r.capacity is not None}

    def audit_trail(self, query: AuditQuery) -> list[AuditEntry]:
        if query.appointment_id:
            return self.repository.audit_trail(appointment_id=query.appointment_id)
        hospital = self.hospitals.get(query.hospital)
        return self.repository.audit_trail(slot=SlotKey(hospital.id, query.date, query.time))

    def day_list(self, hospital_ref: str, day: date) -> list[Appointment]:
        """Every appointment of a hospital day, in time order (the front desk's list)."""
        hospital = self.hospitals.get(hospital_ref)
        items, _ = self.repository.search(AppointmentQuery(hospital.id, day, limit=100_000))
        return items


def _check_not_past(hospital: Hospital, day: date, now: datetime) -> None:
    if day < hospital.today(now):
        raise ValidationFailed({"date": ["Date is in the past."]})
