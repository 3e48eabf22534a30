"""The collections' indexes: created at start-up, idempotent, and the replaced one dropped."""


import logging

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError, OperationFailure

from app.domain.policy import COUNTED_STATUSES_WE_WRITE, IDEMPOTENCY_KEY_LIFETIME
from app.storage.mongo.documents import REFERENCE_INDEX

log = logging.getLogger(__name__)

# One patient per slot, among the counted documents this API wrote (hospital_id set: legacy
# ones may lack a phone). A partial index takes no `$ne`, so the statuses are listed ($in:
# MongoDB 6.0 or later); a new name, since a changed filter cannot reuse an index's name.
PATIENT_INDEX = "one_patient_per_slot_counted"
PATIENT_INDEX_FILTER = {"status": {"$in": list(COUNTED_STATUSES_WE_WRITE)},
                        "hospital_id": {"$exists": True}}
#: What deployments before it built (status "booked" only): dropped once PATIENT_INDEX exists.
BOOKED_ONLY_PATIENT_INDEX = "one_patient_per_slot"
UNAUTHORIZED, INDEX_NOT_FOUND = 13, 27
DROP_INDEX_MESSAGE = ("index %s is replaced and may go, but this user may not drop it: as the "
                      "administrator, run db.%s.dropIndex(%r)")


def create_indexes(db) -> None:
    """Idempotent: the count's index, one patient per slot, and idempotency-key expiry."""
    db.appointments.create_index(
        [("hospital", ASCENDING), ("appointment_date", ASCENDING),
         ("appointment_time", ASCENDING), ("status", ASCENDING)], name="slot_status")
    _create_patient_index(db)
    db.slots.create_index([("hospital", ASCENDING), ("appointment_date", ASCENDING)],
                          name="slots_by_day")
    db.closures.create_index([("hospital_id", ASCENDING), ("date", ASCENDING)],
                             name="closures_by_day")
    db.audit.create_index("appointment_id", name="audit_by_appointment")
    db.audit.create_index([("hospital_id", ASCENDING), ("date", ASCENDING),
                           ("time", ASCENDING)], name="audit_by_slot")
    db.appointments.create_index(
        [("hospital", ASCENDING), ("patient_phone", ASCENDING),
         ("appointment_date", ASCENDING)], name="patient_upcoming")
    # A reference is given once ever; sparse: documents without one (the old app's, ours
    # from before references) are left out. (A slot's serials are unique by its counter.)
    db.appointments.create_index("reference", name=REFERENCE_INDEX, unique=True, sparse=True)
    db.idempotency_keys.create_index("created_at", name="expire_after_24h",
                                     expireAfterSeconds=int(
                                         IDEMPOTENCY_KEY_LIFETIME.total_seconds()))


def _create_patient_index(db) -> None:
    """Build the index over every counted status, then drop the booked-only one it replaces
    (kept while the new one cannot be built: it still guards the booked)."""
    try:
        db.appointments.create_index(
            [("hospital", ASCENDING), ("appointment_date", ASCENDING),
             ("appointment_time", ASCENDING), ("patient_phone", ASCENDING)],
            name=PATIENT_INDEX, unique=True, partialFilterExpression=PATIENT_INDEX_FILTER)
    except (DuplicateKeyError, OperationFailure) as exc:
        # The in-transaction check still refuses new duplicates; old ones need a person.
        log.warning("%s index not built (%s); resolve duplicate bookings", PATIENT_INDEX,
                    type(exc).__name__)
        return
    _drop_replaced_index(db.appointments, BOOKED_ONLY_PATIENT_INDEX)


def _drop_replaced_index(collection, name: str) -> None:
    """Drop `name` if present; without the dropIndex privilege, ask the administrator."""
    if name not in collection.index_information():
        return
    try:
        collection.drop_index(name)
    except OperationFailure as exc:
        if exc.code == UNAUTHORIZED:
            # Harmless meanwhile: it refuses a subset of what its replacement refuses.
            log.warning(DROP_INDEX_MESSAGE, name, collection.name, name)
        elif exc.code != INDEX_NOT_FOUND:      # else another worker dropped it meanwhile
            raise
