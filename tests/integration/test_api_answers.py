"""Exact answers the frontend and staff rely on, beyond the status code."""

import fcntl
import os
import time
from datetime import timedelta

from app import create_app
from app.service.booking import utc_now
from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, post
from tests.support.clock import FIXED_NOW


def test_unknown_hospital_is_named_in_the_404(client):
    response = post(client, {**GOOD, "hospital": "City Hospital"})
    assert (response.status_code, response.json) == (
        404, {"error": "Unknown hospital", "hospital": "City Hospital", "hospitals": [
            {"id": "gomoti", "name": "Gomoti Hospital"}, {"id": "moon", "name": "Moon Hospital"},
            {"id": "al-sefa", "name": "Al-Sefa Hospital"}]})


def test_the_hospitals_answer_adds_each_name_in_bangla_and_keeps_the_fields_it_had(client):
    [gomoti, *_] = client.get("/api/hospitals").json["hospitals"]
    assert set(gomoti) == {"id", "name", "name_bn", "max_per_slot", "phone_region", "schedule"}
    assert (gomoti["name"], gomoti["name_bn"]) == ("Gomoti Hospital", "গোমতী হাসপাতাল")


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
        "hospital_id": "gomoti", "date": "2026-11-27", "is_open": False,
        "closed_reason": "Hospital closed on Fridays", "slots": []})


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


def test_slot_availability_names_its_hospital_day_and_time(client):
    post(client, GOOD)
    answer = client.get("/api/appointments/availability/Gomoti%20Hospital/2026-11-26/10:00")
    assert answer.json == {"hospital_id": "gomoti", "date": "2026-11-26", "time": "10:00",
                           "max_capacity": 15, "current_bookings": 1, "available_slots": 14,
                           "is_available": True, "status": "available"}


def test_admin_list_filters_by_time_and_echoes_its_paging(client):
    for n, slot_time in enumerate(["10:00", "10:00", "11:00"]):
        post(client, {**GOOD, "appointment_time": slot_time, "patient_phone": f"+88019{n:08d}"})
    url = "/api/appointments?hospital=gomoti&date=2026-11-26&time=10:00&limit=1&offset=1"
    page = client.get(url, headers=ADMIN).json
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)
    assert [a["appointment_time"] for a in page["items"]] == ["10:00"]


def test_without_a_given_repository_the_app_books_into_the_configured_file(settings):
    client = create_app(settings, now=lambda: FIXED_NOW).test_client()
    assert post(client, GOOD).status_code == 201
    assert settings.sqlite_path.exists()
    holder = os.open(f"{settings.sqlite_path}.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        assert post(client, {**GOOD, "appointment_time": "11:00"}).status_code == 503
    finally:
        os.close(holder)
    assert time.monotonic() - started < 4 * settings.store_timeout_s   # the configured bound


def test_optional_fields_are_kept_and_read_back_by_the_owner(client):
    body = {**GOOD, "patient_email": "rahim@example.com", "doctor": "Dr. Karim",
            "notes": "First visit"}
    created = post(client, body).json
    read = client.get(f"/api/appointments/{created['appointment']['id']}",
                      headers={"Authorization": f"Bearer {created['access_token']}"}).json
    assert (read["appointment"]["patient_email"], read["appointment"]["doctor"],
            read["appointment"]["notes"]) == ("rahim@example.com", "Dr. Karim", "First visit")


def test_a_move_to_another_day_answers_the_new_day(client):
    created = post(client, GOOD).json
    moved = client.patch(f"/api/appointments/{created['appointment']['id']}",
                         json={"date": "2026-11-28", "appointment_time": "11:00"},
                         headers={"Authorization": f"Bearer {created['access_token']}"})
    assert (moved.json["appointment"]["date"], moved.json["appointment"]["appointment_time"]) == (
        "2026-11-28", "11:00")
