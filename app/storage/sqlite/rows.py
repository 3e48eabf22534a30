"""Rows to domain values and back, and the statements both the reads and the unit of work use."""

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from app.domain.errors import (
    DuplicateBooking,
    StoreUnavailable,
)
from app.domain.model import (
    BOOKED,
    Appointment,
    AppointmentQuery,
    IdempotencyEntry,
    SlotCensus,
    SlotKey,
)
from app.domain.operations import AuditEntry, Closure
from app.storage.sqlite.schema import CLOSURE_COLUMNS, COLUMNS, COUNTED


def day_closures(conn: sqlite3.Connection, hospital_id: str, day: date | None
                  ) -> list[Closure]:
    where, params = "hospital_id = ?", (hospital_id,)
    if day is not None:
        where, params = where + " AND date = ?", (hospital_id, day.isoformat())
    rows = conn.execute(f"SELECT {CLOSURE_COLUMNS} FROM closures WHERE {where} "
                        "ORDER BY date, coalesce(start, ''), id", params).fetchall()
    return [closure_of(row) for row in rows]


def insert_appointment(conn: sqlite3.Connection, a: Appointment, token_hash: str) -> None:
    conn.execute(
        f"INSERT INTO appointments ({COLUMNS}, token_hash) VALUES ({', '.join('?' * 13)})",
        (a.id, a.hospital_id, a.hospital, a.date.isoformat(), a.appointment_time, a.status,
         a.patient_name, a.patient_phone, a.patient_email, a.doctor, a.notes,
         a.created_at.isoformat(), token_hash))


def find_entry(conn: sqlite3.Connection, key_hash: str,
                since: datetime) -> IdempotencyEntry | None:
    row = conn.execute("SELECT fingerprint, response, sealed_token, created_at "
                       "FROM idempotency_keys WHERE key_hash = ? AND created_at >= ?",
                       (key_hash, since.isoformat())).fetchone()
    if row is None:
        return None
    return IdempotencyEntry(key_hash, row[0], json.loads(row[1]), row[2],
                            datetime.fromisoformat(row[3]))




def slot_params(key: SlotKey) -> tuple:
    return key.hospital_id, key.date.isoformat(), key.time


def appointment_of(row: tuple) -> Appointment:
    (id_, hospital_id, hospital, day, time_, status, name, phone, email, doctor, notes,
     created) = row
    return Appointment(id_, hospital_id, hospital, date.fromisoformat(day), time_, status,
                       name, phone, email, doctor, notes, datetime.fromisoformat(created))


def census_of(slots: list[tuple], same_patient: list[tuple]) -> list[SlotCensus]:
    shared: dict[tuple, list[tuple[str, ...]]] = {}
    for hospital_id, day, time_, ids in same_patient:
        shared.setdefault((hospital_id, day, time_), []).append(tuple(sorted(ids.split(" "))))
    return [SlotCensus(SlotKey(hospital_id, date.fromisoformat(day), time_), name, counted,
                       tuple(sorted(shared.get((hospital_id, day, time_), []))),
                       max(0, stored - writes))
            for hospital_id, day, time_, name, counted, stored, writes in slots]


def closure_of(row: tuple) -> Closure:
    id_, hospital_id, day, start, end, reason = row
    return Closure(id_, hospital_id, date.fromisoformat(day), reason, start, end)


def audit_entry_of(row: tuple) -> AuditEntry:
    at, actor, action, hospital_id, day, time_, appointment_id, before, after = row
    return AuditEntry(datetime.fromisoformat(at), actor, action,
                      SlotKey(hospital_id, date.fromisoformat(day), time_), appointment_id,
                      json.loads(before), json.loads(after))


def search_filter(query: AppointmentQuery) -> tuple[str, tuple]:
    where, params = ["hospital_id = ?", "appointment_date = ?"], [query.hospital_id,
                                                                  query.date.isoformat()]
    if query.time:
        where.append("appointment_time = ?")
        params.append(query.time)
    if query.status == BOOKED:   # what the count counts: COUNTED_STATUSES
        where.append(COUNTED)
    elif query.status:
        where.append("status = ?")
        params.append(query.status)
    if query.phone:
        where.append("patient_phone = ?")
        params.append(query.phone)
    return " AND ".join(where), tuple(params)



@contextmanager
def store_errors() -> Iterator[None]:
    """Storage failures the caller can retry become StoreUnavailable (503), never a 500."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "appointments_one_per_patient" in str(exc) or "patient_phone" in str(exc):
            raise DuplicateBooking() from exc
        raise StoreUnavailable() from exc
    except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
        raise StoreUnavailable() from exc
