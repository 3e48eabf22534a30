"""MongoDB's Store: one attempt of a transaction's callback, or one read (storage only, no rule)."""

from collections.abc import Mapping
from datetime import date

from pymongo import ASCENDING, ReturnDocument

from app.domain.model import Appointment, SlotKey
from app.domain.operations import SlotRules
from app.domain.selection import Appointments
from app.storage.base import Store
from app.storage.mongo.documents import (
    appointment_document,
    as_utc,
    audit_document,
    audit_of,
    by_id,
    closure_document,
    closure_of,
    entry_document,
    entry_of,
    filter_of,
    from_document,
    midnight,
    slot_document_id,
    slot_fields,
)

SLOT_RULES = {"capacity": 1, "closed": 1}
LISTED = [("appointment_time", ASCENDING), ("serial", ASCENDING), ("created_at", ASCENDING),
          ("_id", ASCENDING)]


class MongoStore(Store):
    """In a transaction, `session` is its session (a retry gets a new store); None for a read.
    The old app's documents name their slot by display name: the names of the documents read
    here are kept, so their slot is written under the name they carry."""

    def __init__(self, db, session, names: Mapping[str, str]):
        self._db, self._session, self._names = db, session, names
        self._ids: dict[str, object] = {}           # appointment id -> the document's _id
        self._fetched: dict[SlotKey, str] = {}      # slot of a document read -> its name

    def _name(self, hospital_id: str, day: date | None = None, time: str | None = None) -> str:
        """The display name the slot's (or the hospital's) documents carry."""
        return self._fetched.get(SlotKey(hospital_id, day, time)) or self._names[hospital_id]

    def _read(self, document: dict) -> Appointment:
        appointment = from_document(document)
        self._ids[appointment.id] = document["_id"]
        self._fetched[self.slot_key_of(appointment)] = document["hospital"]
        return appointment

    def slot_key_of(self, appointment):
        """The old app's documents carry no hospital_id: their display name is looked up."""
        ids = {name: hospital_id for hospital_id, name in self._names.items()}
        hospital = appointment.hospital_id or ids.get(appointment.hospital, appointment.hospital)
        return SlotKey(hospital, appointment.date, appointment.appointment_time)

    def claim_slot(self, key, seats=0):
        """The per-slot serialization point: concurrent writers of one slot conflict here. The
        slot's capacity override and closure, and the serials given out, come back from the
        same command."""
        name = self._name(key.hospital_id, key.date, key.time)
        document = self._db.slots.find_one_and_update(
            {"_id": slot_document_id(name, key.date, key.time)},
            {"$inc": {"version": 1, "serials": seats} if seats else {"version": 1},
             "$setOnInsert": {"hospital": name, "appointment_date": midnight(key.date),
                              "appointment_time": key.time}},
            projection={**SLOT_RULES, "serials": 1} if seats else SLOT_RULES, upsert=True,
            return_document=ReturnDocument.AFTER, session=self._session)
        return SlotRules(document.get("capacity"), document.get("closed")), document.get(
            "serials", 0)

    def save_slot(self, slot):
        if slot.changed:
            name = self._name(slot.key.hospital_id, slot.key.date, slot.key.time)
            self._db.slots.update_one({"_id": slot_document_id(name, slot.key.date, slot.key.time)},
                                      {"$set": slot.changed}, session=self._session)

    def slot_times(self, hospital_id, day):
        found = self._db.slots.find({"hospital": self._names[hospital_id],
                                     "appointment_date": midnight(day)},
                                    {"appointment_time": 1}, session=self._session)
        return sorted(d["appointment_time"] for d in found)

    def slot_rules(self, hospital_id, day=None):
        where = {"hospital": self._names[hospital_id],
                 "$or": [{"capacity": {"$ne": None}}, {"closed": {"$ne": None}}]}
        if day is not None:
            where["appointment_date"] = midnight(day)
        found = self._db.slots.find(where, session=self._session).sort(
            [("appointment_date", ASCENDING), ("appointment_time", ASCENDING)])
        return {SlotKey(hospital_id, as_utc(d["appointment_date"]).date(), d["appointment_time"]):
                SlotRules(d.get("capacity"), d.get("closed")) for d in found}

    def claim_patient(self, hospital_id, phone):
        self._db.patients.update_one({"_id": f"{hospital_id}|{phone}"},
                                     {"$inc": {"version": 1}}, upsert=True,
                                     session=self._session)

    def _filter(self, which: Appointments) -> dict:
        return filter_of(which, which.hospital_id and self._name(which.hospital_id, which.date,
                                                                 which.time))

    def count(self, which):
        return self._db.appointments.count_documents(self._filter(which), session=self._session)

    def find(self, which, limit=0, offset=0):
        found = self._db.appointments.find(self._filter(which), session=self._session)
        return [self._read(d) for d in list(found.sort(LISTED).skip(offset).limit(limit))]

    def exists(self, which):
        """Its _id only: the old app's documents may lack what an Appointment needs."""
        return self._db.appointments.find_one(self._filter(which), {"_id": 1},
                                              session=self._session) is not None

    def day_counts(self, hospital_id, day):
        pipeline = [{"$match": self._filter(Appointments.seated_on(hospital_id, day))},
                    {"$group": {"_id": "$appointment_time", "n": {"$sum": 1}}}]
        found = self._db.appointments.aggregate(pipeline, session=self._session)
        return {row["_id"]: row["n"] for row in found}

    def stored(self, appointment_id):
        document = self._db.appointments.find_one(by_id(appointment_id), session=self._session)
        return (self._read(document), document.get("token_hash")) if document else None

    def add_appointment(self, appointment, token_hash):
        self._db.appointments.insert_one(appointment_document(appointment, token_hash),
                                         session=self._session)

    def save_status(self, appointment):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": {"status": appointment.status}},
                                         session=self._session)

    def number(self, appointment):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": {"serial": appointment.serial}},
                                         session=self._session)

    def move(self, appointment):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": {**slot_fields(appointment),
                                                   "serial": appointment.serial}},
                                         session=self._session)

    def stored_closure(self, closure_id):
        document = self._db.closures.find_one({"_id": closure_id}, session=self._session)
        return closure_of(document) if document else None

    def add_closure(self, closure):
        self._db.closures.insert_one(closure_document(closure), session=self._session)

    def delete_closure(self, closure_id):
        self._db.closures.delete_one({"_id": closure_id}, session=self._session)

    def closures(self, hospital_id, day=None):
        where = {"hospital_id": hospital_id}
        if day is not None:
            where["date"] = day.isoformat()
        found = self._db.closures.find(where, session=self._session).sort(
            [("date", ASCENDING), ("start", ASCENDING), ("_id", ASCENDING)])
        return [closure_of(d) for d in found]

    def audit(self, entry):
        self._db.audit.insert_one(audit_document(entry), session=self._session)

    def audit_trail(self, appointment_id=None, slot=None):
        where = {"appointment_id": appointment_id} if appointment_id else {
            "hospital_id": slot.hospital_id, "date": slot.date.isoformat(), "time": slot.time}
        found = self._db.audit.find(where, session=self._session).sort(
            [("at", ASCENDING), ("_id", ASCENDING)])
        return [audit_of(d) for d in found]

    def idempotency_entry(self, key_hash, since):
        document = self._db.idempotency_keys.find_one(
            {"_id": key_hash, "created_at": {"$gte": since}}, session=self._session)
        return entry_of(document) if document else None

    def forget_expired(self, key_hash, since):
        """An expired entry the TTL monitor has not removed yet must not block the key."""
        self._db.idempotency_keys.delete_one({"_id": key_hash}, session=self._session)

    def add_entry(self, entry):
        self._db.idempotency_keys.insert_one(entry_document(entry), session=self._session)
