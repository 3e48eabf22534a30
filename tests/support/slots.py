"""Slots and appointments handed straight to a repository (no service, no HTTP): the contract
suites' vocabulary."""

import uuid
from datetime import UTC, date, datetime, timedelta

from app.domain.model import Appointment, Slot
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
    made = appointment(target, n)
    assert writes.book(repository, target, made, token_hash) is None
    return made
