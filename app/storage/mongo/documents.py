"""The old app's document shapes and the queries on them (MongoDB): slots by display name,
UTC-midnight dates, "HH:MM" times."""

from collections.abc import Mapping
from datetime import UTC, date, datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.domain.errors import DuplicateBooking, IdempotencyKeyInFlight, ReferenceTaken
from app.domain.model import (
    BOOKED,
    Appointment,
    IdempotencyEntry,
    SlotCensus,
    SlotKey,
    StoredPhone,
)
from app.domain.operations import AuditEntry, Closure
from app.domain.policy import COUNTED_STATUSES, EveryStatusBut
from app.domain.selection import Appointments, Statuses

REFERENCE_INDEX = "unique_reference"
[_CANCELLED] = COUNTED_STATUSES.excluded
COUNTED = {"$ne": _CANCELLED}     # the domain's COUNTED_STATUSES


_SLOT = {"hospital": "$hospital", "appointment_date": "$appointment_date",
         "appointment_time": "$appointment_time"}
# Per slot (by the old app's fields): seats taken, documents this API wrote (they carry
# hospital_id; the old app's do not, and never wrote slot documents), and a hospital_id.
CENSUS = [{"$group": {
    "_id": _SLOT,
    "counted": {"$sum": {"$cond": [{"$ne": ["$status", _CANCELLED]}, 1, 0]}},
    "ours": {"$sum": {"$cond": [{"$gt": ["$hospital_id", None]}, 1, 0]}},
    "hospital_id": {"$max": "$hospital_id"}}}]
SAME_PATIENT = [
    {"$match": {"status": COUNTED, "patient_phone": {"$nin": [None, ""]}}},
    {"$group": {"_id": {**_SLOT, "phone": "$patient_phone"}, "ids": {"$push": "$_id"},
                "n": {"$sum": 1}}},
    {"$match": {"n": {"$gt": 1}}},
    {"$project": {"_id": {"hospital": "$_id.hospital",
                          "appointment_date": "$_id.appointment_date",
                          "appointment_time": "$_id.appointment_time"}, "ids": 1}}]


PHONE_FIELDS = {"hospital_id": 1, "hospital": 1, "patient_phone": 1}


def slot_document_id(hospital_name: str, day: date, time: str) -> str:
    """By display name, as every deployed version writes it: old and new workers of a rolling
    upgrade must serialize on the same document."""
    return f"{hospital_name}|{day.isoformat()}|{time}"


def appointment_document(a: Appointment, token_hash: str) -> dict:
    return {"_id": a.id, **slot_fields(a), "status": a.status, "patient_name": a.patient_name,
            "patient_phone": a.patient_phone, "patient_email": a.patient_email,
            "doctor": a.doctor, "notes": a.notes, "token_hash": token_hash,
            "created_at": a.created_at, "serial": a.serial,
            # Absent, not null, without one: the sparse unique index leaves it out.
            **({"reference": a.reference} if a.reference else {})}


def from_document(d: dict) -> Appointment:
    """Our documents and the old app's (ObjectId ids, no hospital_id, other statuses)."""
    return Appointment(
        id=str(d["_id"]), hospital_id=d.get("hospital_id", ""), hospital=d["hospital"],
        date=as_utc(d["appointment_date"]).date(), appointment_time=d["appointment_time"],
        status=d.get("status", BOOKED), patient_name=d.get("patient_name", ""),
        patient_phone=d.get("patient_phone", ""), patient_email=d.get("patient_email"),
        doctor=d.get("doctor"), notes=d.get("notes"),
        created_at=_created_at(d), serial=d.get("serial"), reference=d.get("reference"))


def _created_at(d: dict) -> datetime:
    """Ours store created_at; the old app's carry it in their ObjectId, if anywhere."""
    if d.get("created_at"):
        return as_utc(d["created_at"])
    if isinstance(d["_id"], ObjectId):
        return d["_id"].generation_time
    return datetime.fromtimestamp(0, UTC)


def slot_fields(a: Appointment) -> dict:
    """Where the appointment sits, in the old app's fields and ours."""
    return {"hospital_id": a.hospital_id, "hospital": a.hospital,
            "appointment_date": midnight(a.date), "appointment_time": a.appointment_time}


def slot_parts(document: dict) -> tuple[str, date, str]:
    return (document["hospital"], as_utc(document["appointment_date"]).date(),
            document["appointment_time"])


def census_of(row: dict, ids: Mapping[str, str], writes: Mapping[str, int],
            same: Mapping[tuple, list]) -> SlotCensus:
    name, day, time_ = parts = slot_parts(row["_id"])
    hospital_id = ids.get(name) or row.get("hospital_id") or ""
    recorded = writes.get(slot_document_id(*parts), 0)
    return SlotCensus(SlotKey(hospital_id, day, time_), name, row["counted"],
                      tuple(sorted(same.get(parts, []))), max(0, row["ours"] - recorded))


def filter_of(which: Appointments, hospital_name: str | None) -> dict:
    """The filter as a query on the old app's fields (display name, UTC-midnight date); the
    seat count's is the one of docs/design/slot-booking-concurrency.md."""
    given = {"hospital": hospital_name, "appointment_date": which.date and midnight(which.date),
             "appointment_time": which.time, "status": _statuses(which.statuses),
             "patient_phone": which.phone, "reference": which.reference}
    where = {field: value for field, value in given.items() if value is not None}
    if which.unnumbered:
        where["serial"] = None          # null or absent (the old app's, ours from before)
    if which.after:
        day, time = midnight(which.after[0]), which.after[1]
        where["$or"] = [{"appointment_date": {"$gt": day}},
                        {"appointment_date": day, "appointment_time": {"$gt": time}}]
    return where


def _statuses(statuses: Statuses) -> dict | str | None:
    if not isinstance(statuses, EveryStatusBut):
        return statuses[0] if len(statuses) == 1 else {"$in": list(statuses)}
    if len(statuses.excluded) > 1:
        return {"$nin": list(statuses.excluded)}
    return {"$ne": statuses.excluded[0]} if statuses.excluded else None


def entry_of(d: dict) -> IdempotencyEntry:
    return IdempotencyEntry(d["_id"], d["fingerprint"], d["response"], d["sealed_token"],
                            d["created_at"])


def entry_document(entry: IdempotencyEntry) -> dict:
    return {"_id": entry.key_hash, "fingerprint": entry.fingerprint, "response": entry.response,
            "sealed_token": entry.sealed_token, "created_at": entry.created_at}


def closure_document(c: Closure) -> dict:
    return {"_id": c.id, "hospital_id": c.hospital_id, "date": c.date.isoformat(),
            "start": c.start, "end": c.end, "reason": c.reason}


def closure_of(d: dict) -> Closure:
    return Closure(d["_id"], d["hospital_id"], date.fromisoformat(d["date"]), d["reason"],
                   d.get("start"), d.get("end"))


def audit_document(e: AuditEntry) -> dict:
    return {"at": e.at, "actor": e.actor, "action": e.action, "hospital_id": e.slot.hospital_id,
            "date": e.slot.date.isoformat(), "time": e.slot.time,
            "appointment_id": e.appointment_id, "before": e.before, "after": e.after}


def audit_of(d: dict) -> AuditEntry:
    return AuditEntry(as_utc(d["at"]), d["actor"], d["action"],
                      SlotKey(d["hospital_id"], date.fromisoformat(d["date"]), d["time"]),
                      d.get("appointment_id"), d["before"], d["after"])


def stored_phone(d: dict) -> StoredPhone:
    # The old app's documents name the hospital only, and may hold a phone as a number.
    return StoredPhone(str(d["_id"]), d.get("hospital_id") or d["hospital"],
                       str(d.get("patient_phone", "")))


def midnight(day: date) -> datetime:
    """What the old app stored: `new Date('YYYY-MM-DD')`, i.e. UTC midnight."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def by_id(appointment_id: str) -> dict:
    return {"_id": {"$in": id_candidates(appointment_id)}}


def id_candidates(appointment_id: str) -> list:
    """Our ids are strings; the old app's are ObjectIds."""
    return [appointment_id, ObjectId(appointment_id)] if ObjectId.is_valid(
        appointment_id) else [appointment_id]


def duplicate_error(exc: DuplicateKeyError):
    # Two first attempts with one Idempotency-Key: the loser sees the winner's key in flight.
    if "idempotency_keys" in str(exc):
        return IdempotencyKeyInFlight()
    if REFERENCE_INDEX in str(exc):
        return ReferenceTaken()
    return DuplicateBooking()
