"""check-store's rules: what a consistent store holds, applied slot by slot to the census the
storage engines report (SlotCensus). Pure: each slot's capacity arrives as a value.

Checks, per slot; a finding names the slot and appointment ids, never a patient:
- `over capacity`: more appointments hold a seat (COUNTED_STATUSES) than the slot's capacity.
  The old app's 19 in a 15-seat slot is reported; nothing is ever changed.
- `same patient`: one phone number holds two or more seats of the slot.
- `slot row`: appointments this API wrote into the slot that the slot's row/document does not
  account for, i.e. written outside the booking transaction.
- `unknown hospital`: appointments for a hospital the configuration does not know, so their
  capacity cannot be checked.
A new check is a function (census, capacity) -> detail or None, added to CHECKS; a different
capacity (an override) is the caller's `capacity` value.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.domain.model import SlotCensus, SlotKey


@dataclass(frozen=True)
class Finding:
    check: str
    key: SlotKey
    hospital_name: str
    detail: str

    def line(self) -> str:
        return (f"{self.check:<16} {self.hospital_name} {self.key.date.isoformat()} "
                f"{self.key.time}: {self.detail}")


@dataclass(frozen=True)
class StoreReport:
    slots: int
    seats_taken: int
    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings


def _over_capacity(census: SlotCensus, capacity: int | None) -> str | None:
    if capacity is None or census.counted <= capacity:
        return None
    return f"{census.counted} seats taken, capacity {capacity}"


def _same_patient(census: SlotCensus, capacity: int | None) -> str | None:
    if not census.same_patient:
        return None
    groups = "; ".join(", ".join(ids) for ids in census.same_patient)
    return f"one phone number holds several seats: appointments {groups}"


def _slot_row(census: SlotCensus, capacity: int | None) -> str | None:
    if not census.unrecorded:
        return None
    return (f"{census.unrecorded} appointment(s) not recorded by the slot's row "
            "(written outside the booking transaction)")


def _unknown_hospital(census: SlotCensus, capacity: int | None) -> str | None:
    if capacity is not None or not census.counted:
        return None
    return f"{census.counted} seats taken at a hospital the configuration does not know"


CHECKS: dict[str, Callable[[SlotCensus, int | None], str | None]] = {
    "over capacity": _over_capacity,
    "same patient": _same_patient,
    "slot row": _slot_row,
    "unknown hospital": _unknown_hospital,
}


def check_slot(census: SlotCensus, capacity: int | None) -> list[Finding]:
    """Every check's finding for one slot; `capacity` None means an unknown hospital."""
    details = ((name, check(census, capacity)) for name, check in CHECKS.items())
    return [Finding(name, census.key, census.hospital_name, detail)
            for name, detail in details if detail]


def check_store(census: Iterable[SlotCensus],
                capacity_of: Callable[[SlotKey], int | None]) -> StoreReport:
    slots, seats, findings = 0, 0, []
    for slot in census:
        slots, seats = slots + 1, seats + slot.counted
        findings += check_slot(slot, capacity_of(slot.key))
    return StoreReport(slots, seats, tuple(findings))
