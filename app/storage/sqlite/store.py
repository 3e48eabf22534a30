"""SQLite's Store: the statements of one write transaction or one read (storage only, no rule)."""

import json
import sqlite3
from datetime import date, datetime

from app.domain.model import Appointment, IdempotencyEntry, SlotKey
from app.domain.operations import AuditEntry, Closure, SlotRules
from app.domain.policy import COUNTED_STATUSES, EveryStatusBut
from app.domain.selection import Appointments
from app.storage.base import Store
from app.storage.sqlite.schema import AUDIT_COLUMNS, CLOSURE_COLUMNS, COLUMNS, COUNTED

SLOT = "hospital_id = ? AND date = ? AND time = ?"


class SqliteStore(Store):
    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._conn.execute(sql, params).fetchall()

    def claim_slot(self, key, seats=0):
        [(capacity, closed, serials)] = self.rows(
            "INSERT INTO slots (hospital_id, date, time, version, serials) VALUES (?, ?, ?, 1, ?) "
            "ON CONFLICT (hospital_id, date, time) DO UPDATE SET version = version + 1, "
            "serials = serials + excluded.serials RETURNING capacity, closed, serials",
            (*slot_params(key), seats))
        return SlotRules(capacity, closed), serials

    def save_slot(self, slot):
        for column, value in slot.changed.items():    # column names: the aggregate's fields
            self._conn.execute(f"UPDATE slots SET {column} = ? WHERE {SLOT}",
                               (value, *slot_params(slot.key)))

    def slot_times(self, hospital_id, day):
        rows = self.rows("SELECT time FROM slots WHERE hospital_id = ? AND date = ? ORDER BY time",
                         (hospital_id, day.isoformat()))
        return [t for (t,) in rows]

    def slot_rules(self, hospital_id, day=None):
        where, params = _of_day("hospital_id = ? AND (capacity IS NOT NULL OR closed IS NOT NULL)",
                                hospital_id, day)
        rows = self.rows(f"SELECT date, time, capacity, closed FROM slots WHERE {where} "
                         "ORDER BY date, time", params)
        return {SlotKey(hospital_id, date.fromisoformat(d), t): SlotRules(capacity, closed)
                for d, t, capacity, closed in rows}

    def claim_patient(self, hospital_id, phone):
        self._conn.execute(
            "INSERT INTO patients (hospital_id, patient_phone, version) VALUES (?, ?, 1) "
            "ON CONFLICT (hospital_id, patient_phone) DO UPDATE SET version = version + 1",
            (hospital_id, phone))

    def count(self, which):
        where, params = where_of(which)
        return self.rows(f"SELECT count(*) FROM appointments WHERE {where}", params)[0][0]

    def find(self, which, limit=0, offset=0):
        where, params = where_of(which)
        rows = self.rows(f"SELECT {COLUMNS} FROM appointments WHERE {where} ORDER BY "
                         "appointment_time, serial, created_at, id LIMIT ? OFFSET ?",
                         (*params, limit or -1, offset))
        return [appointment_of(row) for row in rows]

    def exists(self, which):
        where, params = where_of(which)
        return bool(self.rows(f"SELECT 1 FROM appointments WHERE {where} LIMIT 1", params))

    def day_counts(self, hospital_id, day):
        where, params = where_of(Appointments.seated_on(hospital_id, day))
        return dict(self.rows(f"SELECT appointment_time, count(*) FROM appointments WHERE {where} "
                              "GROUP BY appointment_time", params))

    def stored(self, appointment_id):
        rows = self.rows(f"SELECT {COLUMNS}, token_hash FROM appointments WHERE id = ?",
                         (appointment_id,))
        return (appointment_of(rows[0][:-1]), rows[0][-1]) if rows else None

    def add_appointment(self, a, token_hash):
        self._conn.execute(
            f"INSERT INTO appointments ({COLUMNS}, token_hash) VALUES ({', '.join('?' * 15)})",
            (a.id, a.hospital_id, a.hospital, a.date.isoformat(), a.appointment_time, a.status,
             a.patient_name, a.patient_phone, a.patient_email, a.doctor, a.notes,
             a.created_at.isoformat(), a.serial, a.reference, token_hash))

    def save_status(self, appointment):
        self._conn.execute("UPDATE appointments SET status = ? WHERE id = ?",
                           (appointment.status, appointment.id))

    def number(self, appointment):
        self._conn.execute("UPDATE appointments SET serial = ? WHERE id = ?",
                           (appointment.serial, appointment.id))

    def move(self, a):
        self._conn.execute(
            "UPDATE appointments SET hospital_id = ?, hospital = ?, appointment_date = ?, "
            "appointment_time = ?, serial = ? WHERE id = ?",
            (a.hospital_id, a.hospital, a.date.isoformat(), a.appointment_time, a.serial, a.id))

    def stored_closure(self, closure_id):
        rows = self.rows(f"SELECT {CLOSURE_COLUMNS} FROM closures WHERE id = ?", (closure_id,))
        return closure_of(rows[0]) if rows else None

    def add_closure(self, c):
        self._conn.execute("INSERT INTO closures VALUES (?, ?, ?, ?, ?, ?)",
                           (c.id, c.hospital_id, c.date.isoformat(), c.start, c.end, c.reason))

    def delete_closure(self, closure_id):
        self._conn.execute("DELETE FROM closures WHERE id = ?", (closure_id,))

    def closures(self, hospital_id, day=None):
        where, params = _of_day("hospital_id = ?", hospital_id, day)
        rows = self.rows(f"SELECT {CLOSURE_COLUMNS} FROM closures WHERE {where} "
                         "ORDER BY date, coalesce(start, ''), id", params)
        return [closure_of(row) for row in rows]

    def audit(self, e):
        self._conn.execute(
            f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.at.isoformat(), e.actor, e.action, *slot_params(e.slot), e.appointment_id,
             json.dumps(e.before), json.dumps(e.after)))

    def audit_trail(self, appointment_id=None, slot=None):
        where, params = ("appointment_id = ?", (appointment_id,)) if appointment_id else (
            SLOT, slot_params(slot))
        rows = self.rows(f"SELECT {AUDIT_COLUMNS} FROM audit WHERE {where} ORDER BY seq", params)
        return [audit_entry_of(row) for row in rows]

    def idempotency_entry(self, key_hash, since):
        rows = self.rows("SELECT fingerprint, response, sealed_token, created_at FROM "
                         "idempotency_keys WHERE key_hash = ? AND created_at >= ?",
                         (key_hash, since.isoformat()))
        return next((IdempotencyEntry(key_hash, fingerprint, json.loads(response), sealed,
                                      datetime.fromisoformat(created))
                     for fingerprint, response, sealed, created in rows), None)

    def forget_expired(self, key_hash, since):
        """Every expired entry: the table stays as small as a day's bookings."""
        self._conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?",
                           (since.isoformat(),))

    def add_entry(self, entry):
        self._conn.execute("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?)",
                           (entry.key_hash, entry.fingerprint, json.dumps(entry.response),
                            entry.sealed_token, entry.created_at.isoformat()))


def where_of(which: Appointments) -> tuple[str, tuple]:
    """The filter as SQL: counted statuses as the literal the partial index is written with."""
    given = {"hospital_id = ?": which.hospital_id, "appointment_date = ?": which.date and
             which.date.isoformat(), "appointment_time = ?": which.time,
             "patient_phone = ?": which.phone, "reference = ?": which.reference}
    where = [term for term, value in given.items() if value is not None]
    params = [value for value in given.values() if value is not None]
    if which.statuses == COUNTED_STATUSES:
        where.append(COUNTED)
    elif which.statuses != EveryStatusBut(()):
        negated = isinstance(which.statuses, EveryStatusBut)
        listed = which.statuses.excluded if negated else which.statuses
        where.append(f"status {'NOT ' * negated}IN ({', '.join('?' * len(listed))})")
        params += listed
    if which.unnumbered:
        where.append("serial IS NULL")
    if which.after:
        where.append("(appointment_date > ? OR (appointment_date = ? AND appointment_time > ?))")
        params += [which.after[0].isoformat(), which.after[0].isoformat(), which.after[1]]
    return " AND ".join(where) or "1", tuple(params)      # no field given: every row


def _of_day(where: str, hospital_id: str, day: date | None) -> tuple[str, tuple]:
    if day is None:
        return where, (hospital_id,)
    return f"{where} AND date = ?", (hospital_id, day.isoformat())


def slot_params(key: SlotKey) -> tuple:
    return key.hospital_id, key.date.isoformat(), key.time


def appointment_of(row: tuple) -> Appointment:
    (id_, hospital_id, hospital, day, time_, status, name, phone, email, doctor, notes,
     created, serial, reference) = row
    return Appointment(id_, hospital_id, hospital, date.fromisoformat(day), time_, status,
                       name, phone, email, doctor, notes, datetime.fromisoformat(created),
                       serial, reference)


def closure_of(row: tuple) -> Closure:
    id_, hospital_id, day, start, end, reason = row
    return Closure(id_, hospital_id, date.fromisoformat(day), reason, start, end)


def audit_entry_of(row: tuple) -> AuditEntry:
    at, actor, action, hospital_id, day, time_, appointment_id, before, after = row
    return AuditEntry(datetime.fromisoformat(at), actor, action,
                      SlotKey(hospital_id, date.fromisoformat(day), time_), appointment_id,
                      json.loads(before), json.loads(after))
