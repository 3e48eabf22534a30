"""What staff change while a hospital runs: closures, capacity overrides, and the audit
trail every state change leaves."""

from dataclasses import dataclass, field
from datetime import date, datetime

from app.domain.model import SlotKey

#: Who changed something: a patient (their token), staff (the admin key) or the admin CLI.
PATIENT, ADMIN, CLI = "patient", "admin", "cli"


@dataclass(frozen=True)
class Closure:
    """A hospital closed on `date`, the whole day or from `start` to `end` ("HH:MM")."""

    id: str
    hospital_id: str
    date: date
    reason: str
    start: str | None = None
    end: str | None = None

    def covers(self, time: str) -> bool:
        return self.start is None or self.start <= time < self.end


@dataclass(frozen=True)
class SlotRules:
    """What the store holds for a slot besides its appointments: a capacity in force other
    than the hospital's (None: the hospital's), and why it is closed (None: open)."""

    capacity: int | None = None
    closed: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and when (the service's clock)."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One state change: never names, phones or tokens, only ids, statuses, slots, reasons."""

    at: datetime
    actor: str
    action: str
    slot: SlotKey
    appointment_id: str | None = None
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


def change(by: Actor, action: str, slot: SlotKey, appointment_id: str | None = None,
           before: dict | None = None, after: dict | None = None) -> AuditEntry:
    return AuditEntry(by.at, by.kind, action, slot, appointment_id, before or {}, after or {})


def slot_label(key: SlotKey) -> str:
    """A slot as audit entries name it: "gomoti 2026-11-26 10:00"."""
    return f"{key.hospital_id} {key.date.isoformat()} {key.time}"
