"""Lifecycle races through the real server: freed seats, reschedules, idempotent retries.

Every race runs on each storage engine (SQLite; MongoDB when a replica set is available).
"""

import pytest
import requests

from tests.support.load import availability, booking, open_day, race, storm

pytestmark = [pytest.mark.e2e, pytest.mark.every_engine]


def book_one(url, body, **headers):
    response = requests.post(url + "/api/appointments", json=body, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(answer):
    return {"Authorization": f"Bearer {answer['access_token']}"}


def fill_slot(url, hospital, day, time, n, first=0):
    return [book_one(url, booking(hospital, day, time, first + i)) for i in range(n)]


def test_ten_bookers_race_for_a_freed_seat_exactly_one_wins(server):
    day = open_day(8)
    answers = fill_slot(server.url, "gomoti", day, "09:30", 15)
    freed = requests.patch(f"{server.url}/api/appointments/{answers[0]['appointment']['id']}",
                           json={"status": "cancelled"}, headers=bearer(answers[0]), timeout=10)
    assert freed.json()["seat_freed"] is True
    outcome = storm(server.url, [[booking("gomoti", day, "09:30", 100 + c)] for c in range(10)])
    assert outcome.statuses == {201: 1, 409: 9}
    assert availability(server.url, "gomoti", day, "09:30")["current_bookings"] == 15


def test_two_reschedules_race_into_the_last_seat_one_wins(server):
    day = open_day(8)
    fill_slot(server.url, "gomoti", day, "14:00", 14)
    movers = fill_slot(server.url, "gomoti", day, "15:00", 2, first=500)
    outcome = race(server.url, [[{
        "method": "PATCH", "path": f"/api/appointments/{m['appointment']['id']}",
        "json": {"date": day.isoformat(), "appointment_time": "14:00"}, "headers": bearer(m)}]
        for m in movers])
    assert outcome.statuses == {200: 1, 409: 1}
    assert availability(server.url, "gomoti", day, "14:00")["current_bookings"] == 15
    assert availability(server.url, "gomoti", day, "15:00")["current_bookings"] == 1


def test_eight_concurrent_retries_with_one_key_hold_one_seat(server):
    day = open_day(9)
    call = {"method": "POST", "path": "/api/appointments", "json": booking("moon", day, "10:00", 1),
            "headers": {"Idempotency-Key": "retry-storm-7c9e6679-7425"}}
    outcome = race(server.url, [[call] for _ in range(8)])
    assert set(outcome.statuses) <= {201, 409}
    assert outcome.count(201) >= 1
    ids = {b["appointment"]["id"] for b in outcome.bodies if "appointment" in b}
    assert len(ids) == 1
    assert availability(server.url, "moon", day, "10:00")["current_bookings"] == 1


def test_control_same_retries_without_a_key_are_refused_not_replayed(server):
    """Without the key, the client that lost its answer gets errors, not its appointment."""
    day = open_day(9)
    outcome = storm(server.url, [[booking("moon", day, "11:00", 1)] for _ in range(8)])
    assert outcome.statuses == {201: 1, 409: 7}
    assert availability(server.url, "moon", day, "11:00")["current_bookings"] == 1
