"""The service/api seam, observed: every booking decision, cancellation and reschedule is
counted (Prometheus) and logged as one line, without patient data."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, has_request_context

from app.domain import errors
from app.domain.model import Appointment
from app.domain.visits import VISIT_STATUSES
from app.service import BookingService
from app.service.commands import BookSlot, CancelAppointment, ChangeStatus, Reschedule
from app.service.results import Booked, Cancelled
from app.telemetry.metrics import BOOKINGS, CHANGES, StoreEffort, measured_store_effort

log = logging.getLogger("app.booking")

OUTCOMES = {
    errors.SlotFull: "full",
    errors.HospitalClosed: "closed",
    errors.DuplicateBooking: "duplicate",
    errors.PatientLimitReached: "patient_limit",
    errors.StoreUnavailable: "store_unavailable",
}
FAILED = {"store_unavailable", "error"}
CHANGES_COUNTED = {"cancelled", "rescheduled", *VISIT_STATUSES}
NO_HOSPITAL = "-"   # the request named no known hospital: never a label from raw input


def outcome_of(exc: BaseException) -> str:
    if isinstance(exc, errors.BookingError):
        return OUTCOMES.get(type(exc), "rejected")
    return "error"


@dataclass
class Decision:
    action: str
    hospital: str = NO_HOSPITAL
    slot: str = "-"
    outcome: str = "error"


class ObservedBookingService(BookingService):
    """BookingService whose decisions are counted and logged once, here."""

    def book(self, command: BookSlot) -> Booked:
        slot = f"{command.date} {command.appointment_time}"
        with self._deciding("booking", self._hospital_id(command.hospital), slot) as decision:
            booked = super().book(command)
            decision.outcome = "replayed" if booked.replayed else "booked"
        return booked

    def cancel(self, command: CancelAppointment) -> Cancelled:
        with self._deciding("cancel") as decision:
            cancelled = super().cancel(command)
            self._place(decision, cancelled.appointment,
                        "cancelled" if cancelled.seat_freed else "already_cancelled")
        return cancelled

    def change_status(self, command: ChangeStatus) -> Appointment:
        with self._deciding("visit") as decision:
            changed = super().change_status(command)
            self._place(decision, changed, command.status)
        return changed

    def reschedule(self, command: Reschedule) -> Appointment:
        with self._deciding("reschedule") as decision:
            moved = super().reschedule(command)
            self._place(decision, moved, "rescheduled")
        return moved

    @contextmanager
    def _deciding(self, action: str, hospital: str = NO_HOSPITAL,
                  slot: str = "-") -> Iterator[Decision]:
        decision, started = Decision(action, hospital, slot), time.perf_counter()
        with measured_store_effort() as effort:
            try:
                yield decision
            except BaseException as exc:
                decision.outcome = outcome_of(exc)
                raise
            finally:
                _record(decision, time.perf_counter() - started, effort)

    def _place(self, decision: Decision, appointment: Appointment, outcome: str) -> None:
        decision.hospital = self._hospital_id(appointment.hospital_id or appointment.hospital)
        decision.slot = f"{appointment.date} {appointment.appointment_time}"
        decision.outcome = outcome

    def _hospital_id(self, ref: str) -> str:
        try:
            return self.hospitals.get(ref).id
        except errors.UnknownHospital:
            return NO_HOSPITAL


def _record(decision: Decision, seconds: float, effort: StoreEffort) -> None:
    if decision.action == "booking":
        BOOKINGS.labels(decision.outcome, decision.hospital).inc()
        if has_request_context():
            g.booking_decided = True   # see app.telemetry.request_log: refusals before the service
    elif decision.outcome in CHANGES_COUNTED:
        CHANGES.labels(decision.outcome, decision.hospital).inc()
    level = logging.WARNING if decision.outcome in FAILED else logging.INFO
    log.log(level, "%s %s", decision.action, decision.outcome, extra={
        "action": decision.action, "outcome": decision.outcome, "hospital": decision.hospital,
        "slot": decision.slot, "latency_ms": round(seconds * 1e3, 1),
        "store_wait_ms": round(effort.wait_s * 1e3, 1), "retries": effort.retries})


def seats_left(service: BookingService, days: int,
               now: datetime) -> Iterator[tuple[str, str, int]]:
    """(hospital id, date, seats still bookable) for today and the next `days` - 1 days."""
    for hospital in service.hospitals.all():
        today = hospital.today(now)
        for day in (today + timedelta(days=n) for n in range(min(days, hospital.horizon_days))):
            offer = service.day_availability(hospital.id, day)
            yield hospital.id, day.isoformat(), sum(s.available_slots for s in offer.slots)
