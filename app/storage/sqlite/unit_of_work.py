"""SQLite's unit of work: the statements of one write transaction (storage only, no rule)."""

import json
import sqlite3

from app.domain.errors import (
    AppointmentNotFound,
    ClosureNotFound,
)
from app.domain.operations import SlotRules
from app.storage.base import UnitOfWork
from app.storage.sqlite.rows import (
    appointment_of,
    closure_of,
    day_closures,
    find_entry,
    insert_appointment,
    slot_params,
)
from app.storage.sqlite.schema import (
    AUDIT_COLUMNS,
    AWAITING_VISIT,
    CLOSURE_COLUMNS,
    COLUMNS,
    COUNTED,
    SLOT_FILTER,
)


class SqliteUnitOfWork(UnitOfWork):
    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        return self._conn.execute(sql, params).fetchone()

    def claim_slot(self, key):
        capacity, closed = self._one(
            "INSERT INTO slots (hospital_id, date, time, version) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (hospital_id, date, time) DO UPDATE SET version = version + 1 "
            "RETURNING capacity, closed", slot_params(key))
        return SlotRules(capacity, closed)

    def seats_taken(self, key):
        return self._one(f"SELECT count(*) FROM appointments WHERE {SLOT_FILTER}",
                         slot_params(key))[0]

    def has_patient(self, key, phone):
        return self._one(f"SELECT 1 FROM appointments WHERE {SLOT_FILTER} AND patient_phone = ?",
                         (*slot_params(key), phone)) is not None

    def save_slot(self, slot):
        for column, value in slot.changed.items():    # column names: the aggregate's fields
            self._conn.execute(f"UPDATE slots SET {column} = ? WHERE hospital_id = ? AND "
                               "date = ? AND time = ?", (value, *slot_params(slot.key)))

    def slot_times(self, hospital_id, day):
        rows = self._conn.execute("SELECT time FROM slots WHERE hospital_id = ? AND date = ? "
                                  "ORDER BY time", (hospital_id, day.isoformat()))
        return [t for (t,) in rows]

    def claim_patient(self, hospital_id, phone, cap):
        self._conn.execute(
            "INSERT INTO patients (hospital_id, patient_phone, version) VALUES (?, ?, 1) "
            "ON CONFLICT (hospital_id, patient_phone) DO UPDATE SET version = version + 1",
            (hospital_id, phone))
        today = cap.today.isoformat()
        return self._one(
            f"SELECT count(*) FROM appointments WHERE hospital_id = ? AND patient_phone = ? AND "
            f"{COUNTED} AND (appointment_date > ? OR (appointment_date = ? AND "
            "appointment_time > ?))", (hospital_id, phone, today, today, cap.now))[0]

    def appointment(self, appointment_id):
        row = self._one(f"SELECT {COLUMNS} FROM appointments WHERE id = ?", (appointment_id,))
        if row is None:
            raise AppointmentNotFound()
        return appointment_of(row)

    def add_appointment(self, appointment, token_hash):
        insert_appointment(self._conn, appointment, token_hash)

    def save_status(self, appointment):
        self._conn.execute("UPDATE appointments SET status = ? WHERE id = ?",
                           (appointment.status, appointment.id))

    def move(self, appointment, target):
        self._conn.execute(
            "UPDATE appointments SET hospital_id = ?, hospital = ?, appointment_date = ?, "
            "appointment_time = ? WHERE id = ?", (target.hospital_id, target.hospital_name,
                                                  target.date.isoformat(), target.time,
                                                  appointment.id))

    def awaiting_visit(self, key):
        rows = self._conn.execute(
            f"SELECT {COLUMNS} FROM appointments WHERE hospital_id = ? AND appointment_date = ? "
            f"AND appointment_time = ? AND {AWAITING_VISIT}", slot_params(key))
        return [appointment_of(row) for row in rows]

    def closure(self, closure_id):
        row = self._one(f"SELECT {CLOSURE_COLUMNS} FROM closures WHERE id = ?", (closure_id,))
        if row is None:
            raise ClosureNotFound()
        return closure_of(row)

    def add_closure(self, c):
        self._conn.execute("INSERT INTO closures VALUES (?, ?, ?, ?, ?, ?)",
                           (c.id, c.hospital_id, c.date.isoformat(), c.start, c.end, c.reason))

    def delete_closure(self, closure_id):
        self._conn.execute("DELETE FROM closures WHERE id = ?", (closure_id,))

    def day_closures(self, hospital_id, day):
        return day_closures(self._conn, hospital_id, day)

    def audit(self, entry):
        self._conn.execute(
            f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.at.isoformat(), entry.actor, entry.action, *slot_params(entry.slot),
             entry.appointment_id, json.dumps(entry.before), json.dumps(entry.after)))

    def live_entry(self, key_hash, since):
        self._conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?",
                           (since.isoformat(),))
        return find_entry(self._conn, key_hash, since)

    def add_entry(self, entry):
        self._conn.execute("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?)",
                           (entry.key_hash, entry.fingerprint, json.dumps(entry.response),
                            entry.sealed_token, entry.created_at.isoformat()))
