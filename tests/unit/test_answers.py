"""The answer schemas dump exactly what the frontend reads: the same keys in the same order
(app.json does not sort them), optional keys left out rather than null."""

import json
from datetime import UTC, date, datetime

from app.api import answers
from app.domain.capacity import DayAvailability, SlotAvailability
from app.domain.model import Appointment, SlotKey
from app.service.results import Booked, Cancelled, CapacitySet

APPOINTMENT = Appointment("a1", "gomoti", "Gomoti Hospital", date(2026, 11, 26), "10:00",
                          "booked", "Rahim Uddin", "+8801712345678", None, None, "first visit",
                          datetime(2026, 11, 20, 3, 4, 5, 123, tzinfo=UTC))
OPEN_SLOT = SlotAvailability("gomoti", date(2026, 11, 26), "10:00", 15, 3)
CLOSED_SLOT = SlotAvailability("gomoti", date(2026, 11, 26), "10:30", 2, 3, "closed", "Power cut")
APPOINTMENT_JSON = (
    '{"id": "a1", "hospital_id": "gomoti", "hospital": "Gomoti Hospital", "date": "2026-11-26", '
    '"appointment_time": "10:00", "status": "booked", "patient_name": "Rahim Uddin", '
    '"patient_phone": "+8801712345678", "patient_email": null, "doctor": null, '
    '"notes": "first visit", "created_at": "2026-11-20T03:04:05.000123+00:00", '
    '"serial": null, "reference": null}')


def text(schema, value) -> str:
    return json.dumps(schema().dump(value))


def test_a_booking_answers_success_the_appointment_then_its_token():
    assert text(answers.Booked, Booked(APPOINTMENT, "tok")) == (
        f'{{"success": true, "appointment": {APPOINTMENT_JSON}, "access_token": "tok"}}')


def test_only_a_cancel_says_whether_a_seat_was_freed():
    assert text(answers.Changed, Cancelled(APPOINTMENT, False)) == (
        f'{{"success": true, "appointment": {APPOINTMENT_JSON}, "seat_freed": false}}')
    assert text(answers.Changed, {"appointment": APPOINTMENT}) == (
        f'{{"success": true, "appointment": {APPOINTMENT_JSON}}}')


def test_a_slot_names_itself_before_its_seats_and_says_why_only_when_closed():
    assert text(answers.SlotAvailability, OPEN_SLOT) == (
        '{"hospital_id": "gomoti", "date": "2026-11-26", "time": "10:00", "max_capacity": 15, '
        '"current_bookings": 3, "available_slots": 12, "is_available": true, '
        '"status": "available"}')
    assert text(answers.DaySlot, CLOSED_SLOT) == (
        '{"time": "10:30", "max_capacity": 2, "current_bookings": 3, "available_slots": 0, '
        '"is_available": false, "status": "closed", "closed_reason": "Power cut"}')


def test_a_closed_day_gives_its_reason_before_its_empty_slots():
    closed = DayAvailability("gomoti", date(2026, 11, 27), False, (), "Hospital closed on Fridays")
    assert text(answers.DayAvailability, closed) == (
        '{"hospital_id": "gomoti", "date": "2026-11-27", "is_open": false, '
        '"closed_reason": "Hospital closed on Fridays", "slots": []}')


def test_a_capacity_change_lists_the_slots_left_over_capacity():
    dumped = answers.CapacitySet().dump(CapacitySet(2, (OPEN_SLOT, CLOSED_SLOT)))
    assert list(dumped) == ["capacity", "slots", "over_capacity"]
    assert list(dumped["slots"][0])[:2] == ["date", "time"]
    assert dumped["over_capacity"] == ["10:30"]


def test_overrides_and_bulk_cancels_are_dumped_from_what_the_service_returns():
    key = SlotKey("gomoti", date(2026, 11, 26), "10:00")
    assert answers.OverrideList().dump({"overrides": [(key, 3)]}) == {"overrides": [
        {"hospital_id": "gomoti", "date": "2026-11-26", "time": "10:00", "capacity": 3}]}
    assert text(answers.BulkCancelled, {"closure_id": "c1", "appointments": [APPOINTMENT]}) == (
        '{"closure_id": "c1", "cancelled": 1, "appointment_ids": ["a1"]}')
