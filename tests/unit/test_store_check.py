"""check-store's rules (app.domain.store_check), on census values: no store needed."""

from datetime import date

from app.domain.model import SlotCensus, SlotKey
from app.domain.store_check import check_slot, check_store

KEY = SlotKey("gomoti", date(2026, 11, 26), "12:00")


def census(counted=3, same_patient=(), unrecorded=0, key=KEY) -> SlotCensus:
    return SlotCensus(key, "Gomoti Hospital", counted, same_patient, unrecorded)


def test_a_slot_within_capacity_with_its_rows_in_line_has_no_finding():
    assert check_slot(census(counted=15), capacity=15) == []


def test_the_legacy_19_in_a_15_seat_slot_is_one_line_naming_the_slot_and_counts():
    [finding] = check_slot(census(counted=19), capacity=15)
    assert finding.line() == ("over capacity    Gomoti Hospital 2026-11-26 12:00: "
                              "19 seats taken, capacity 15")


def test_one_patient_in_several_seats_lists_the_appointment_ids():
    [finding] = check_slot(census(same_patient=(("a1", "a2"),)), capacity=15)
    assert (finding.check, finding.detail) == (
        "same patient", "one phone number holds several seats: appointments a1, a2")


def test_several_patients_in_several_seats_are_listed_group_by_group():
    [finding] = check_slot(census(same_patient=(("a1", "a2"), ("b1", "b2", "b3"))), capacity=15)
    assert finding.detail == ("one phone number holds several seats: appointments "
                              "a1, a2; b1, b2, b3")


def test_appointments_outside_the_transaction_are_a_slot_row_finding():
    [finding] = check_slot(census(unrecorded=2), capacity=15)
    assert (finding.check, finding.detail) == (
        "slot row", "2 appointment(s) not recorded by the slot's row "
        "(written outside the booking transaction)")


def test_an_unknown_hospital_is_reported_once_and_not_as_over_capacity():
    checks = [f.check for f in check_slot(census(counted=40), capacity=None)]
    assert checks == ["unknown hospital"]
    assert check_slot(census(counted=0), capacity=None) == []


def test_the_capacity_comes_from_the_caller_so_an_override_changes_the_verdict():
    slots = [census(counted=5)]
    assert check_store(slots, lambda key: 15).clean
    report = check_store(slots, lambda key: 4)        # e.g. a doctor away: 4 seats
    assert (report.clean, report.slots, report.seats_taken) == (False, 1, 5)
