"""Exact answers the frontend and staff rely on, beyond the status code."""

import fcntl
import os
from datetime import timedelta

from app.service.booking import utc_now
from tests.integration.test_api_validation import GOOD, post


def test_unknown_hospital_is_named_in_the_404(client):
    response = post(client, {**GOOD, "hospital": "City Hospital"})
    assert (response.status_code, response.json) == (
        404, {"error": "Unknown hospital", "hospital": "City Hospital"})


def test_off_grid_time_names_the_first_and_last_slot_and_the_step(client):
    response = post(client, {**GOOD, "appointment_time": "10:15"})
    assert response.json["details"] == {"appointment_time": [
        "Must be a slot start between 09:00 and 16:30 every 30 minutes."]}


def test_closed_day_is_answered_without_asking_the_store(client, repository, monkeypatch):
    def store_down(*args):
        raise AssertionError("a closed day needs no count")

    monkeypatch.setattr(repository, "day_counts", store_down)
    response = client.get("/api/hospitals/gomoti/availability?date=2026-11-27")   # a Friday
    assert (response.status_code, response.json) == (200, {
        "hospital_id": "gomoti", "date": "2026-11-27", "is_open": False, "slots": []})


def test_open_day_names_the_hospital_and_counts_zero_where_nobody_booked(client):
    post(client, GOOD)
    answer = client.get("/api/hospitals/gomoti/availability?date=2026-11-26").json
    assert (answer["hospital_id"], answer["date"], answer["is_open"]) == (
        "gomoti", "2026-11-26", True)
    by_time = {s["time"]: s for s in answer["slots"]}
    assert (by_time["10:00"]["current_bookings"], by_time["11:00"]["current_bookings"]) == (1, 0)


def test_the_services_own_clock_is_utc():
    assert utc_now().utcoffset() == timedelta(0)


def test_a_write_gate_held_past_the_timeout_is_503_and_logged_with_its_cause(client, settings,
                                                                           caplog):
    holder = os.open(f"{settings.sqlite_path}.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)           # another process holding the write gate
    try:
        response = post(client, GOOD)
    finally:
        os.close(holder)
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    [logged] = [r for r in caplog.records if r.getMessage() == "store unavailable"]
    assert (logged.cause, logged.cause_message) == (
        "builtins.TimeoutError", f"write gate not free within {settings.store_timeout_s} s")
