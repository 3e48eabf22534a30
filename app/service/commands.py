"""Typed commands: what each use case needs, built by app/api from schema-checked input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BookSlot:
    """Book one seat; `hospital` is an id or the display name the old frontend sends; `bearer`
    is the admin key when hospital staff book (past the per-patient cap)."""

    hospital: str
    date: date
    appointment_time: str
    patient_name: str
    patient_phone: str
    patient_email: str | None = None
    doctor: str | None = None
    notes: str | None = None
    idempotency_key: str | None = None
    bearer: str | None = None

    def body(self) -> dict:
        """The booking without its key or credential: what a retry under the same key must
        repeat."""
        fields = dict(self.__dict__)
        del fields["idempotency_key"], fields["bearer"]
        return fields


@dataclass(frozen=True)
class CancelAppointment:
    appointment_id: str
    bearer: str | None


@dataclass(frozen=True)
class ChangeStatus:
    """Record a visit: checked_in, completed or no_show (staff only)."""

    appointment_id: str
    bearer: str | None
    status: str


@dataclass(frozen=True)
class Reschedule:
    """Move a booking to `date` `appointment_time`, at `hospital` or its current one."""

    appointment_id: str
    bearer: str | None
    date: date
    appointment_time: str
    hospital: str | None = None


@dataclass(frozen=True)
class AppointmentFilter:
    """The admin list: one page of a hospital day, optionally one time, status and phone
    (any spelling of it); or, by its reference, one appointment at any hospital."""

    hospital: str | None = None
    date: date | None = None
    time: str | None = None
    status: str | None = None
    phone: str | None = None
    limit: int = 50
    offset: int = 0
    reference: str | None = None


@dataclass(frozen=True)
class AddClosure:
    """Close a hospital `date`: the whole day, or from `start` to `end` ("HH:MM")."""

    hospital: str
    date: date
    reason: str
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class SetCapacity:
    """The capacity of one slot (`time`) or of every slot of `date`; None: the hospital's."""

    hospital: str
    date: date
    capacity: int | None
    time: str | None = None


@dataclass(frozen=True)
class AuditQuery:
    """The trail of one appointment, or of one slot (hospital, date, time)."""

    appointment_id: str | None = None
    hospital: str | None = None
    date: date | None = None
    time: str | None = None
