"""The document's scenarios and storms against the real server, each with its control.

Every scenario runs on each storage engine (SQLite; MongoDB when a replica set is available);
the control against the document's unguarded insert runs on SQLite.
"""

import pytest

from tests.support.load import availability, booking, open_day, storm

pytestmark = [pytest.mark.e2e, pytest.mark.every_engine]


def clients(hospital, day, time, n_clients, attempts=1, first=0):
    return [[booking(hospital, day, time, first + c * attempts + a) for a in range(attempts)]
            for c in range(n_clients)]


def fill(url, hospital, day, time, n, first=0):
    outcome = storm(url, clients(hospital, day, time, 1, attempts=n, first=first))
    assert outcome.count(201) == n, outcome.statuses


def test_document_scenario_fifteen_then_five_more(server):
    day = open_day(3)
    fill(server.url, "Gomoti Hospital", day, "09:00", 15)
    outcome = storm(server.url, clients("Gomoti Hospital", day, "09:00", 5, first=100))
    assert outcome.statuses == {409: 5}
    assert all(b == {"error": "Slot is fully booked", "current_bookings": 15,
                     "max_capacity": 15} for b in outcome.bodies)


def test_last_seat_goes_to_exactly_one_of_thirty(server):
    day = open_day(4)
    fill(server.url, "moon", day, "10:00", 19)
    outcome = storm(server.url, clients("moon", day, "10:00", 30, first=100))
    assert outcome.statuses == {201: 1, 409: 29}
    assert availability(server.url, "moon", day, "10:00")["current_bookings"] == 20


def test_storm_of_256_attempts_fills_25_seats_exactly(server):
    day = open_day(5)
    outcome = storm(server.url, clients("al-sefa", day, "11:00", 64, attempts=4))
    assert outcome.count(201) == 25
    assert outcome.count(409) == 256 - 25
    assert outcome.server_errors() == 0
    after = availability(server.url, "al-sefa", day, "11:00")
    assert (after["current_bookings"], after["available_slots"], after["status"]) == (25, 0, "full")


def test_legacy_overbooked_slot_tells_the_truth_and_refuses(server, server_store):
    """19 appointments the old app left in a 15-seat slot (on Mongo: its documents' shape)."""
    day = open_day(6)
    server_store.write_legacy("gomoti", "Gomoti Hospital", day, "12:00", 19)
    slot = availability(server.url, "gomoti", day, "12:00")
    assert slot == {"hospital_id": "gomoti", "date": day.isoformat(), "time": "12:00",
                    "max_capacity": 15, "current_bookings": 19, "available_slots": 0,
                    "is_available": False, "status": "full"}
    outcome = storm(server.url, clients("gomoti", day, "12:00", 1))
    assert outcome.bodies == [{"error": "Slot is fully booked", "current_bookings": 19,
                               "max_capacity": 15}]


def test_control_unguarded_insert_overbooks(naive_server):
    """The same last-seat storm against the document's original route must overbook."""
    day = open_day(4)
    fill(naive_server.url, "moon", day, "10:00", 19)
    outcome = storm(naive_server.url, clients("moon", day, "10:00", 30, first=100))
    assert outcome.count(201) > 1
    assert availability(naive_server.url, "moon", day, "10:00")["current_bookings"] > 20
