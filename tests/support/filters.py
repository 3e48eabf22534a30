"""The domain's appointment filters (app.domain.selection) as each engine must translate them:
one filter of each kind, and the check that an engine finds, pages and counts exactly what the
filter's `matches` says, in the order every engine lists."""

from dataclasses import replace

from app.domain.policy import COUNTED_STATUSES
from app.domain.selection import Appointments
from app.domain.selection import listed as by_serial
from tests.support.slots import CAP, DAY, patient_booking, slot

TEN = slot().key
PATIENT = patient_booking(slot()).patient_phone
STRANGER = "+8801999999999"     # the one filter that matches nothing
REFERENCE = "K7QM3XD2"          # one appointment's, in the stores the filters are tried on
FILTERS = {
    "hospital": Appointments("gomoti"),
    "day": Appointments("gomoti", DAY),
    "seated": Appointments.seated_in(TEN),
    "seated patient": Appointments.seated_in(TEN, PATIENT),
    "seated stranger": Appointments.seated_in(TEN, STRANGER),
    "awaiting visit": Appointments.awaiting_visit(TEN),
    "upcoming": Appointments.upcoming("gomoti", PATIENT, CAP),
    "one status": Appointments("gomoti", DAY, statuses=("no_show",)),
    "two statuses": Appointments("gomoti", DAY, statuses=("checked_in", "no_show")),
    "after": Appointments("gomoti", after=(DAY, "10:00")),
    "unnumbered": Appointments("gomoti", statuses=COUNTED_STATUSES, unnumbered=True),
    "reference, any hospital": Appointments(None, reference=REFERENCE),
}


def listed(a) -> tuple:
    """The engines' order (app.domain.selection.listed); the old app's documents (no
    hospital_id, no created_at stored) first among the unnumbered of a time, where MongoDB
    sorts a missing field."""
    return *by_serial(a)[:3], bool(a.hospital_id), a.created_at, a.id


def found_as_matched(store, which: Appointments) -> list[str]:
    """Check `store` (a Store) against `which.matches` over everything it holds; the ids."""
    everything = sorted((a for hospital in ("gomoti", "moon")
                         for a in store.find(Appointments(hospital))), key=listed)
    expected = [a.id for a in everything
                if which.matches(replace(a, hospital_id=store.slot_key_of(a).hospital_id))]
    assert [a.id for a in store.find(which)] == expected
    assert [a.id for a in store.find(which, 2, 1)] == expected[1:3]
    assert (store.count(which), store.exists(which)) == (len(expected), bool(expected))
    assert bool(expected) == (which.phone != STRANGER)      # no check of an empty list
    return expected
