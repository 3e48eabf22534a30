"""The SQLite store's tables and indexes, and the SQL fragments that name the domain's policies."""

from app.domain.model import BOOKED
from app.domain.policy import COUNTED_STATUSES
from app.storage.sqlite.schema_check import Schema

# The domain's COUNTED_STATUSES as SQL (also in the partial index, which takes no parameters).
[_CANCELLED] = COUNTED_STATUSES.excluded
COUNTED = f"status <> '{_CANCELLED}'"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS slots (
    hospital_id TEXT NOT NULL, date TEXT NOT NULL, time TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    capacity INTEGER, closed TEXT, serials INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hospital_id, date, time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS closures (
    id TEXT PRIMARY KEY, hospital_id TEXT NOT NULL, date TEXT NOT NULL,
    start TEXT, "end" TEXT, reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS closures_by_day ON closures (hospital_id, date);
-- Appended in each change's own transaction; seq is the commit order (no AUTOINCREMENT: rows
-- are never deleted, so the rowid never repeats, and its bookkeeping cost ~25% of a booking).
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, hospital_id TEXT NOT NULL, date TEXT NOT NULL, time TEXT NOT NULL,
    appointment_id TEXT, before TEXT NOT NULL, after TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_appointment ON audit (appointment_id);
CREATE INDEX IF NOT EXISTS audit_by_slot ON audit (hospital_id, date, time);
CREATE TABLE IF NOT EXISTS appointments (
    id TEXT PRIMARY KEY,
    hospital_id TEXT NOT NULL, hospital TEXT NOT NULL,
    appointment_date TEXT NOT NULL, appointment_time TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '{BOOKED}',
    patient_name TEXT NOT NULL, patient_phone TEXT NOT NULL, patient_email TEXT,
    doctor TEXT, notes TEXT, token_hash TEXT, created_at TEXT NOT NULL,
    serial INTEGER, reference TEXT
);
-- A serial is given once per slot (a cancelled one stays a gap); a reference once ever.
CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_per_serial
    ON appointments (hospital_id, appointment_date, appointment_time, serial)
    WHERE serial IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS appointments_by_reference
    ON appointments (reference) WHERE reference IS NOT NULL;
CREATE INDEX IF NOT EXISTS appointments_by_slot
    ON appointments (hospital_id, appointment_date, appointment_time, status);
CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_per_patient
    ON appointments (hospital_id, appointment_date, appointment_time, patient_phone)
    WHERE {COUNTED};
CREATE TABLE IF NOT EXISTS patients (
    hospital_id TEXT NOT NULL, patient_phone TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hospital_id, patient_phone)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS appointments_by_patient
    ON appointments (hospital_id, patient_phone, appointment_date);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key_hash TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL,
    sealed_token TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at);
"""

# Columns added after the first release: prepare() adds them to an older store.
ADDED_COLUMNS = {"slots": ("capacity INTEGER", "closed TEXT",
                           "serials INTEGER NOT NULL DEFAULT 0"),
                 "appointments": ("serial INTEGER", "reference TEXT")}
#: What prepare() makes and every store opened, restored or started on is compared with.
STORE_SCHEMA = Schema(SCHEMA, ADDED_COLUMNS)
# Per slot: display name, seats taken, appointments, and the writes its row recorded.
CENSUS = f"""
SELECT a.hospital_id, a.appointment_date, a.appointment_time, max(a.hospital),
       sum(CASE WHEN a.{COUNTED} THEN 1 ELSE 0 END), count(*), coalesce(max(s.version), 0)
FROM appointments a LEFT JOIN slots s
  ON s.hospital_id = a.hospital_id AND s.date = a.appointment_date AND s.time = a.appointment_time
GROUP BY a.hospital_id, a.appointment_date, a.appointment_time
ORDER BY a.hospital_id, a.appointment_date, a.appointment_time
"""
SAME_PATIENT = f"""
SELECT hospital_id, appointment_date, appointment_time, group_concat(id, ' ')
FROM appointments WHERE {COUNTED}
GROUP BY hospital_id, appointment_date, appointment_time, patient_phone HAVING count(*) > 1
"""
CLOSURE_COLUMNS = 'id, hospital_id, date, start, "end", reason'
AUDIT_COLUMNS = "at, actor, action, hospital_id, date, time, appointment_id, before, after"
COLUMNS = ("id, hospital_id, hospital, appointment_date, appointment_time, status, patient_name, "
           "patient_phone, patient_email, doctor, notes, created_at, serial, reference")
