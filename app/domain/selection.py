"""Which appointments a use case or a read means: one filter, defined by `matches`, that every
engine translates (into SQL, into a MongoDB query) instead of writing a query per use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.model import BOOKED, Appointment, AppointmentQuery, PatientCap, SlotKey
from app.domain.policy import ANY_STATUS, AWAITING_VISIT, COUNTED_STATUSES, EveryStatusBut

#: A set of statuses: all but some (EveryStatusBut), or those listed.
Statuses = EveryStatusBut | tuple[str, ...]


@dataclass(frozen=True)
class Appointments:
    """Appointments narrowed by whichever fields are given (None: any; a hospital_id of None
    only with a reference, which is unique everywhere)."""

    hospital_id: str | None
    date: date | None = None
    time: str | None = None
    statuses: Statuses = ANY_STATUS
    phone: str | None = None
    after: tuple[date, str] | None = None   #: only slots starting after (date, "HH:MM")
    reference: str | None = None
    unnumbered: bool = False                 #: only those without a serial

    @classmethod
    def seated_in(cls, key: SlotKey, phone: str | None = None) -> Appointments:
        """Those holding a seat of the slot (COUNTED_STATUSES), of one patient if given."""
        return cls(key.hospital_id, key.date, key.time, COUNTED_STATUSES, phone)

    @classmethod
    def seated_on(cls, hospital_id: str, day: date) -> Appointments:
        """Those holding a seat on a hospital day (what the day's counts count)."""
        return cls(hospital_id, day, statuses=COUNTED_STATUSES)

    @classmethod
    def awaiting_visit(cls, key: SlotKey) -> Appointments:
        return cls(key.hospital_id, key.date, key.time, AWAITING_VISIT)

    @classmethod
    def upcoming(cls, hospital_id: str, phone: str, cap: PatientCap) -> Appointments:
        """The patient's seats at the hospital that count toward `cap`: not yet started."""
        return cls(hospital_id, statuses=COUNTED_STATUSES, phone=phone, after=(cap.today, cap.now))

    @classmethod
    def listed(cls, query: AppointmentQuery) -> Appointments:
        """What the admin list asks for: status "booked" means every counted status."""
        statuses = {BOOKED: COUNTED_STATUSES, None: ANY_STATUS}.get(query.status or None,
                                                                   (query.status,))
        return cls(query.hospital_id, query.date, query.time or None, statuses,
                   query.phone or None, reference=query.reference)

    def matches(self, a: Appointment) -> bool:
        wanted = {"hospital_id": self.hospital_id, "date": self.date,
                  "appointment_time": self.time, "patient_phone": self.phone,
                  "reference": self.reference}
        return (all(v is None or getattr(a, k) == v for k, v in wanted.items())
                and not (self.unnumbered and a.serial is not None)
                and a.status in self.statuses
                and (self.after is None or (a.date, a.appointment_time) > self.after))


def listed(a: Appointment) -> tuple:
    """The order every engine lists in: by time, then serial (the order the doctor calls the
    slot's patients; unnumbered ones first, as both databases sort a missing number), then
    when booked, then id."""
    return a.appointment_time, a.serial is not None, a.serial or 0, a.created_at, a.id
