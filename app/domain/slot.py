"""The slot as an aggregate: one slot's state a change decides on, and every slot rule.

A unit of work loads it by writing the slot's record (its version + 1), the write that serializes
every writer of one slot; `rules` (capacity override, closure) come back from that write. The
count of seat-holding appointments and the patients holding them are read only when a rule
needs them (a closed slot is refused before anything is counted). The methods check the rules
and return the audit entry to store; `changed` holds the record's fields to write back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.domain.capacity import ensure_seat_free
from app.domain.errors import DuplicateBooking
from app.domain.model import Appointment, SlotKey
from app.domain.operations import Actor, AuditEntry, Closure, SlotRules, change, slot_label
from app.domain.schedule import capacity_in_force, ensure_slot_open


@dataclass
class SlotAggregate:
    key: SlotKey
    rules: SlotRules
    seats_taken: Callable[[], int]          #: appointments holding a seat, counted on demand
    has_patient: Callable[[str], bool]      #: a seat-holder with this phone, asked on demand
    #: The serial the record's write gave out, when loaded to take a seat (never reused: a
    #: refused change rolls the write back, a cancelled seat keeps its number as a gap).
    serial: int | None = None
    changed: dict = field(default_factory=dict)

    def book(self, appointment: Appointment, configured: int,
             by: Actor) -> tuple[Appointment, AuditEntry]:
        """A new seat for `appointment`, numbered (HospitalClosed, SlotFull, DuplicateBooking)."""
        seated = self._take_seat(appointment, configured)
        return seated, change(by, "book", self.key, appointment.id,
                              after={"status": appointment.status})

    def move_in(self, appointment: Appointment, source: SlotKey, configured: int,
                by: Actor) -> tuple[Appointment, AuditEntry]:
        """The seat a move takes here, under the same rules as a booking, and its serial."""
        seated = self._take_seat(appointment, configured)
        return seated, change(by, "reschedule", self.key, appointment.id,
                              {"slot": slot_label(source)}, {"slot": slot_label(self.key)})

    def close(self, reason: str | None, closure_id: str | None, by: Actor,
              action: str = "close") -> AuditEntry:
        before, self.rules = self.rules.closed, replace(self.rules, closed=reason)
        self.changed["closed"] = reason
        return change(by, action, self.key, before={"closed": before},
                      after={"closed": reason, "closure_id": closure_id})

    def reopen(self, still: Closure | None, by: Actor) -> AuditEntry:
        """Open again, unless `still` (another closure) covers the slot: then closed by it."""
        return self.close(still.reason if still else None, still.id if still else None, by,
                          "reopen")

    def set_capacity(self, capacity: int | None, by: Actor) -> AuditEntry:
        """A capacity in force other than the hospital's (None: back to it); nothing is
        cancelled, bookings over it stay."""
        before, self.rules = self.rules.capacity, replace(self.rules, capacity=capacity)
        self.changed["capacity"] = capacity
        return change(by, "capacity", self.key, before={"capacity": before},
                      after={"capacity": capacity})

    def _take_seat(self, appointment: Appointment, configured: int) -> Appointment:
        ensure_slot_open(self.key, self.rules)
        ensure_seat_free(self.seats_taken(), capacity_in_force(configured, self.rules))
        if self.has_patient(appointment.patient_phone):
            raise DuplicateBooking()
        return replace(appointment, serial=self.serial)


def status_change(appointment: Appointment, status: str,
                  entry: AuditEntry) -> tuple[Appointment, AuditEntry]:
    """`appointment` with `status`, and `entry` completed with the change it records."""
    return replace(appointment, status=status), replace(
        entry, appointment_id=appointment.id, before={"status": appointment.status},
        after={**entry.after, "status": status})
