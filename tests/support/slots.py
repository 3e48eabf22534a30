"""Slots and appointments handed straight to a repository (no service, no HTTP): the
vocabulary of the use cases' tests (tests/unit) and of the engines' contract (tests/contract)."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from app.domain.model import Appointment, IdempotencyEntry, PatientCap, Slot, SlotKey
from app.domain.operations import Actor, Closure
from app.service import writes

DAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def slot(time="10:00", capacity=15, hospital=("gomoti", "Gomoti Hospital"), day=DAY) -> Slot:
    return Slot(hospital[0], hospital[1], day, time, capacity)


def appointment(target: Slot, n: int, created_at: datetime = NOW) -> Appointment:
    return Appointment(uuid.uuid4().hex, target.hospital_id, target.hospital_name, target.date,
                       target.time, "booked", f"Patient {n}", f"+88017{n:08d}", None, None, None,
                       created_at + timedelta(seconds=n))


def book(repository, target: Slot, n: int, token_hash: str = "hash") -> Appointment:
    """Book patient `n` into `target`; the appointment as stored (with its serial)."""
    made = appointment(target, n)
    stored = writes.book(repository, target, made, token_hash)
    assert stored == replace(made, serial=stored.serial) and stored.serial >= 1
    return stored


GOMOTI_DAY = ("gomoti", DAY)


STAFF = Actor("admin", NOW)


def entry(key: str, fingerprint: str = "f1", created_at: datetime = NOW) -> IdempotencyEntry:
    return IdempotencyEntry(key_hash=f"key-{key}", fingerprint=fingerprint,
                            response={"id": key}, sealed_token="00ff", created_at=created_at)


VISIT_PATHS = {"checked_in": [("booked", "checked_in")],
               "completed": [("booked", "checked_in"), ("checked_in", "completed")],
               "no_show": [("booked", "no_show")]}


CAP = PatientCap(limit=2, today=DAY, now="09:45")   # 09:30 on DAY has started, 10:00 has not


def patient_booking(target: Slot, phone: str = "+8801811111111") -> Appointment:
    return replace(appointment(target, 0), id=uuid.uuid4().hex, patient_phone=phone)


AT_MOON = slot("11:00", hospital=("moon", "Moon Hospital"))


def at_the_cap_at_gomoti_and_booked_at_moon(repository) -> Appointment:
    """The patient holds the cap's two seats at gomoti; their booking at moon."""
    for time in ("10:00", "10:30"):
        writes.book(repository, slot(time), patient_booking(slot(time)), "h", cap=CAP)
    mover = patient_booking(AT_MOON)
    writes.book(repository, AT_MOON, mover, "h", cap=CAP)
    return mover


def closure(start=None, end=None, reason="Doctors' strike", closure_id="c1") -> Closure:
    return Closure(closure_id, "gomoti", DAY, reason, start, end)


def keys(*times) -> list[SlotKey]:
    return [SlotKey("gomoti", DAY, t) for t in times]


def actions(entries) -> list[tuple]:
    return [(e.actor, e.action, e.before, e.after) for e in entries]

