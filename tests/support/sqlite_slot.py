"""The one slot the SQLite engine's own tests book into, and numbered appointments for it."""

import uuid
from datetime import UTC, date, datetime

from app.domain.model import Appointment, Slot

SLOT = Slot("gomoti", "Gomoti Hospital", date(2026, 11, 26), "10:00", capacity=15)


def appointment(n: int, slot: Slot = SLOT) -> Appointment:
    return Appointment(uuid.uuid4().hex, slot.hospital_id, slot.hospital_name, slot.date,
                       slot.time, "booked", f"P{n}", f"+88017{n:08d}", None, None, None,
                       datetime.now(UTC))
