"""Repository.slot_census (what check-store reads), once per engine, and check-store's verdict
on it through the service with the shipped hospitals.

Engines differ on one point by design: a slot row that does not account for appointments
(`unrecorded`) exists only where the engine keeps slot rows and the appointments are its own,
so that check is proven per engine (tests/integration/test_sqlite_backup.py, mongomock).
"""

from datetime import UTC, datetime

import pytest

from app.config import Settings
from app.config.hospitals import load_hospitals
from app.domain.model import SlotCensus, SlotKey
from app.domain.operations import Actor
from app.service import BookingService, writes
from tests.support.slots import DAY, book, slot

pytestmark = [pytest.mark.every_engine, pytest.mark.real_engines]


def census_of(repository) -> dict[SlotKey, SlotCensus]:
    return {c.key: c for c in repository.slot_census()}


def service_on(repository) -> BookingService:
    return BookingService(load_hospitals(Settings().hospitals_config), repository)


def test_census_of_an_empty_store_is_empty(repository):
    assert repository.slot_census() == []


def test_census_counts_seats_after_bookings_cancels_and_moves(repository):
    kept = [book(repository, slot("10:00"), n) for n in range(3)]
    writes.cancel(repository, kept[0].id)
    moved = book(repository, slot("11:00"), 10)
    writes.reschedule(repository, moved.id, slot("12:00"))
    census = census_of(repository)
    assert census[slot("10:00").key] == SlotCensus(slot("10:00").key, "Gomoti Hospital", 2)
    assert census[slot("12:00").key] == SlotCensus(slot("12:00").key, "Gomoti Hospital", 1)
    assert census.get(slot("11:00").key, SlotCensus(slot("11:00").key, "", 0)).counted == 0


def test_census_reports_the_legacy_19_in_a_15_seat_slot(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "12:00", 19)
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "12:00", 2, status="cancelled")
    found = census_of(repository)[slot("12:00").key]
    assert (found.hospital_name, found.counted, found.same_patient) == ("Gomoti Hospital", 19, ())


def test_census_lists_one_patient_holding_several_seats_by_appointment_id(repository, store):
    store.write_same_patient("gomoti", "Gomoti Hospital", DAY, "13:00", 3)
    found = census_of(repository)[slot("13:00").key]
    [ids] = found.same_patient
    assert len(ids) == 3 and found.counted == 3


def test_check_store_finds_nothing_in_a_store_written_by_bookings(repository):
    for n in range(3):
        book(repository, slot("10:00", capacity=3), n)
    report = service_on(repository).check_store()
    assert report.clean and (report.slots, report.seats_taken) == (1, 3)


def test_check_store_reports_over_capacity_and_the_same_patient(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "12:00", 19)
    store.write_same_patient("moon", "Moon Hospital", DAY, "10:00", 2)
    report = service_on(repository).check_store()
    lines = {(f.check, f.key.time) for f in report.findings}
    assert {("over capacity", "12:00"), ("same patient", "10:00")} <= lines
    over, = [f for f in report.findings if f.check == "over capacity"]
    assert over.detail == "19 seats taken, capacity 15"
    assert repository.slot_count(slot("12:00").key) == 19      # reported, never "fixed"


def test_check_store_judges_over_capacity_by_the_capacity_in_force(repository):
    for n in range(4):
        book(repository, slot("10:00"), n)
        book(repository, slot("11:00"), 10 + n)
    staff = Actor("admin", datetime(2026, 11, 25, tzinfo=UTC))
    writes.set_capacity(repository, [slot("10:00").key], 3, staff)   # below its 4 bookings
    writes.set_capacity(repository, [slot("11:00").key], 0, staff)     # no seat at all
    report = service_on(repository).check_store()
    assert sorted((f.key.time, f.detail) for f in report.findings) == [
        ("10:00", "4 seats taken, capacity 3"), ("11:00", "4 seats taken, capacity 0")]
    writes.set_capacity(repository, [slot("10:00").key, slot("11:00").key], 20, staff)
    assert service_on(repository).check_store().clean


def test_check_store_accepts_a_slot_raised_above_the_configured_capacity(repository, store):
    store.write_legacy("gomoti", "Gomoti Hospital", DAY, "12:00", 19)
    staff = Actor("admin", datetime(2026, 11, 25, tzinfo=UTC))
    writes.set_capacity(repository, [slot("12:00").key], 20, staff)
    report = service_on(repository).check_store()
    assert "over capacity" not in {f.check for f in report.findings}
