"""Values passed between the service and the storage engines."""

from dataclasses import dataclass, replace
from datetime import date, datetime


@dataclass(frozen=True)
class Slot:
    """One bookable time slot; `hospital_name` is what legacy Mongo documents store."""

    hospital_id: str
    hospital_name: str
    date: date
    time: str
    capacity: int

    @property
    def key(self) -> str:
        return f"{self.hospital_id}|{self.date.isoformat()}|{self.time}"


@dataclass(frozen=True)
class Appointment:
    id: str
    hospital_id: str
    hospital: str
    date: date
    appointment_time: str
    status: str
    patient_name: str
    patient_phone: str
    patient_email: str | None
    doctor: str | None
    notes: str | None
    created_at: datetime

    def to_dict(self) -> dict:
        data = dict(self.__dict__)  # fields are immutable scalars; asdict() deep-copies
        data["date"] = self.date.isoformat()
        data["created_at"] = self.created_at.isoformat()
        return data

    def in_slot(self, slot: Slot) -> "Appointment":
        return replace(self, hospital_id=slot.hospital_id, hospital=slot.hospital_name,
                       date=slot.date, appointment_time=slot.time)


ACTIVE = "booked"
CANCELLED = "cancelled"
