"""MongoDB's unit of work: one attempt of a transaction's callback (storage only, no rule)."""

from collections.abc import Mapping
from datetime import date

from pymongo import ReturnDocument

from app.domain.errors import (
    AppointmentNotFound,
    ClosureNotFound,
)
from app.domain.model import (
    Appointment,
    SlotKey,
)
from app.domain.operations import SlotRules
from app.storage.base import UnitOfWork
from app.storage.mongo.documents import (
    AWAITING_VISIT,
    SLOT_RULES,
    appointment_document,
    audit_document,
    by_id,
    closure_document,
    closure_of,
    day_closures,
    entry_document,
    find_entry,
    from_document,
    midnight,
    slot_document_id,
    slot_fields,
    slot_filter,
    upcoming_filter,
)


class MongoUnitOfWork(UnitOfWork):
    """One attempt of a transaction's callback (a retry gets a new one). The old app's
    documents name their slot by display name: the names of the documents read here are kept,
    so their slot is written under the name they carry."""

    def __init__(self, db, session, names: Mapping[str, str]):
        self._db, self._session, self._names = db, session, names
        self._ids: dict[str, object] = {}           # appointment id -> the document's _id
        self._fetched: dict[SlotKey, str] = {}      # slot of a document read -> its name

    def _legacy(self, key: SlotKey) -> tuple[str, date, str]:
        """The slot as the old app's documents name it: (display name, date, time)."""
        return self._fetched.get(key) or self._names[key.hospital_id], key.date, key.time

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

    def claim_slot(self, key):
        """The per-slot serialization point: concurrent writers of one slot conflict here. The
        slot's capacity override and closure come back from the same command."""
        name, day, time = self._legacy(key)
        document = self._db.slots.find_one_and_update(
            {"_id": slot_document_id(name, day, time)},
            {"$inc": {"version": 1},
             "$setOnInsert": {"hospital": name, "appointment_date": midnight(day),
                              "appointment_time": time}},
            projection=SLOT_RULES, upsert=True, return_document=ReturnDocument.AFTER,
            session=self._session)
        return SlotRules(document.get("capacity"), document.get("closed"))

    def seats_taken(self, key):
        return self._db.appointments.count_documents(slot_filter(*self._legacy(key)),
                                                     session=self._session)

    def has_patient(self, key, phone):
        query = {**slot_filter(*self._legacy(key)), "patient_phone": phone}
        return self._db.appointments.find_one(query, {"_id": 1},
                                              session=self._session) is not None

    def save_slot(self, slot):
        if slot.changed:
            self._db.slots.update_one({"_id": slot_document_id(*self._legacy(slot.key))},
                                      {"$set": slot.changed}, session=self._session)

    def slot_times(self, hospital_id, day):
        found = self._db.slots.find({"hospital": self._names[hospital_id],
                                     "appointment_date": midnight(day)},
                                    {"appointment_time": 1}, session=self._session)
        return sorted(d["appointment_time"] for d in found)

    def claim_patient(self, hospital_id, phone, cap):
        """Write the patient's document first (one phone's concurrent bookings conflict here,
        as bookers of one slot do on its document), then count toward the cap."""
        self._db.patients.update_one({"_id": f"{hospital_id}|{phone}"},
                                     {"$inc": {"version": 1}}, upsert=True,
                                     session=self._session)
        return self._db.appointments.count_documents(
            upcoming_filter(self._names[hospital_id], phone, cap), session=self._session)

    def appointment(self, appointment_id):
        document = self._db.appointments.find_one(by_id(appointment_id), session=self._session)
        if document is None:
            raise AppointmentNotFound()
        return self._read(document)

    def add_appointment(self, appointment, token_hash):
        self._db.appointments.insert_one(appointment_document(appointment, token_hash),
                                         session=self._session)

    def save_status(self, appointment):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": {"status": appointment.status}},
                                         session=self._session)

    def move(self, appointment, target):
        self._db.appointments.update_one({"_id": self._ids[appointment.id]},
                                         {"$set": slot_fields(target)}, session=self._session)

    def awaiting_visit(self, key):
        found = self._db.appointments.find(
            {**slot_filter(*self._legacy(key)), "status": AWAITING_VISIT}, session=self._session)
        return [self._read(d) for d in list(found)]

    def closure(self, closure_id):
        document = self._db.closures.find_one({"_id": closure_id}, session=self._session)
        if document is None:
            raise ClosureNotFound()
        return closure_of(document)

    def add_closure(self, closure):
        self._db.closures.insert_one(closure_document(closure), session=self._session)

    def delete_closure(self, closure_id):
        self._db.closures.delete_one({"_id": closure_id}, session=self._session)

    def day_closures(self, hospital_id, day):
        return day_closures(self._db, self._session, hospital_id, day)

    def audit(self, entry):
        self._db.audit.insert_one(audit_document(entry), session=self._session)

    def live_entry(self, key_hash, since):
        earlier = find_entry(self._db, self._session, key_hash, since)
        if earlier is None:
            # An expired entry the TTL monitor has not removed yet must not block the key.
            self._db.idempotency_keys.delete_one({"_id": key_hash}, session=self._session)
        return earlier

    def add_entry(self, entry):
        self._db.idempotency_keys.insert_one(entry_document(entry), session=self._session)
