"""Values passed between the service and the storage engines."""

from dataclasses import dataclass, replace
from datetime import date, datetime

from app.domain.errors import IdempotencyKeyReused

#: A new booking's status, and the only status that gives its seat back (see policy.py).
BOOKED = "booked"
CANCELLED = "cancelled"
#: Visit statuses staff record (app.domain.visits): each still holds its seat.
CHECKED_IN = "checked_in"
COMPLETED = "completed"
NO_SHOW = "no_show"


@dataclass(frozen=True)
class SlotKey:
    """Which slot: the one identity every engine uses (Mongo maps it to legacy names itself)."""

    hospital_id: str
    date: date
    time: str


@dataclass(frozen=True)
class PatientCap:
    """At most `limit` upcoming appointments per phone at one hospital: those whose slot starts
    after `today` `now` (hospital time, "HH:MM"), the way a started slot is no longer bookable."""

    limit: int
    today: date
    now: str


@dataclass(frozen=True)
class Slot:
    """One bookable slot: its key, the display name appointments carry, and its capacity."""

    hospital_id: str
    hospital_name: str
    date: date
    time: str
    capacity: int

    @property
    def key(self) -> SlotKey:
        return SlotKey(self.hospital_id, self.date, self.time)


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
    #: The order the doctor calls the slot's patients in, from 1; None: written before serials
    #: (or by the old app) and not yet numbered by `assign-serials`.
    serial: int | None = None
    #: What people read out: 8 letters of Crockford base32 (app.domain.references).
    reference: str | None = None

    @property
    def slot_key(self) -> SlotKey:
        return SlotKey(self.hospital_id, self.date, self.appointment_time)

    def to_dict(self) -> dict:
        data = dict(self.__dict__)  # fields are immutable scalars; asdict() deep-copies
        data["date"] = self.date.isoformat()
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Appointment":
        """The inverse of to_dict (a stored idempotent answer back into a value)."""
        return cls(**{**data, "date": date.fromisoformat(data["date"]),
                      "created_at": datetime.fromisoformat(data["created_at"])})

    def in_slot(self, slot: Slot) -> "Appointment":
        return replace(self, hospital_id=slot.hospital_id, hospital=slot.hospital_name,
                       date=slot.date, appointment_time=slot.time)


@dataclass(frozen=True)
class IdempotencyEntry:
    """What a booking stored under an Idempotency-Key, to replay its answer to retries."""

    key_hash: str
    fingerprint: str
    response: dict
    sealed_token: str
    created_at: datetime

    def replaying(self, fingerprint: str) -> "IdempotencyEntry":
        """This entry, to replay to a retry of the same request; IdempotencyKeyReused when
        another request body comes with its key."""
        if fingerprint != self.fingerprint:
            raise IdempotencyKeyReused()
        return self


@dataclass(frozen=True)
class StoredPhone:
    """One stored appointment's phone as written (maybe by the old app), for normalizing it;
    `hospital` is its hospital id, or the display name of an old app's document."""

    appointment_id: str
    hospital: str
    phone: str


@dataclass(frozen=True)
class AppointmentQuery:
    """One page of a hospital day's appointments; status "booked" means COUNTED_STATUSES;
    `phone` is E.164. With a `reference`, the hospital and date may be None."""

    hospital_id: str | None
    date: date | None
    time: str | None = None
    status: str | None = None
    phone: str | None = None
    limit: int = 50
    offset: int = 0
    reference: str | None = None


@dataclass(frozen=True)
class SlotCensus:
    """What a store holds for one slot, as check-store reads it (ids, never patient data)."""

    key: SlotKey                 #: hospital_id "" when the store's hospital name is unknown
    hospital_name: str
    counted: int                 #: appointments holding a seat (COUNTED_STATUSES)
    #: ids of the counted appointments that share one phone number, one tuple per number
    same_patient: tuple[tuple[str, ...], ...] = ()
    #: appointments this API wrote into the slot that the slot's row/document does not account
    #: for (its write counter is behind): written outside the booking transaction
    unrecorded: int = 0
