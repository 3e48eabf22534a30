"""Through the real server: every class of bad input is a 4xx that writes nothing."""

import fcntl
import json
import os

import pytest
import requests

from tests.support.load import availability, booking, open_day

pytestmark = pytest.mark.e2e

DAY = open_day(7)
GOOD = booking("gomoti", DAY, "13:00", 1)
BAD_BODIES = [
    ("object instead of string", json.dumps({**GOOD, "hospital": {"$ne": None}}), 400),
    ("impossible date", json.dumps({**GOOD, "date": "2026-02-30"}), 400),
    ("past date", json.dumps({**GOOD, "date": "2020-01-01"}), 400),
    ("beyond horizon", json.dumps({**GOOD, "date": open_day(90).isoformat()}), 400),
    ("off the grid", json.dumps({**GOOD, "appointment_time": "13:10"}), 400),
    ("outside hours", json.dumps({**GOOD, "appointment_time": "17:00"}), 400),
    ("empty name", json.dumps({**GOOD, "patient_name": ""}), 400),
    ("bad phone", json.dumps({**GOOD, "patient_phone": "12"}), 400),
    ("bad email", json.dumps({**GOOD, "patient_email": "x@"}), 400),
    ("long notes", json.dumps({**GOOD, "notes": "n" * 1001}), 400),
    ("malformed JSON", "{", 400),
    ("null", "null", 400),
    ("array", json.dumps([GOOD]), 400),
    ("too large", json.dumps({**GOOD, "notes": "n" * 70_000}), 413),
    ("unknown hospital", json.dumps({**GOOD, "hospital": "Nowhere"}), 404),
]


@pytest.mark.parametrize("name, body, status", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_body_is_refused_and_writes_nothing(server, name, body, status):
    before = availability(server.url, "gomoti", DAY, "13:00")["current_bookings"]
    response = requests.post(server.url + "/api/appointments", data=body,
                             headers={"Content-Type": "text/plain;charset=UTF-8"}, timeout=10)
    assert response.status_code == status
    assert response.json()["error"]
    assert availability(server.url, "gomoti", DAY, "13:00")["current_bookings"] == before


def test_form_post_is_415(server):
    response = requests.post(server.url + "/api/appointments", data={"hospital": "gomoti"},
                             timeout=10)
    assert response.status_code == 415


def test_friday_is_refused_with_the_documents_message(server):
    friday = open_day(1)
    while friday.weekday() != 4:
        friday = friday.fromordinal(friday.toordinal() + 1)
    response = requests.post(server.url + "/api/appointments",
                             json=booking("moon", friday, "10:00", 1), timeout=10)
    assert (response.status_code, response.json()) == (400, {"error": "Hospital closed on Fridays"})


def test_locked_store_answers_503_with_retry_after_and_writes_nothing(server):
    holder = os.open(f"{server.sqlite_path}.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        response = requests.post(server.url + "/api/appointments", json=GOOD, timeout=30)
    finally:
        os.close(holder)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]
    assert availability(server.url, "gomoti", DAY, "13:00")["current_bookings"] == 0


def _chunks(body: str, size: int = 4096):
    data = body.encode()
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_chunked_body_over_64_kib_is_413_and_writes_nothing(server):
    """Before: the body was cut at 64 KiB and the booking kept (201)."""
    # Valid JSON in the first 64 KiB, then padding: cut at the limit, it parses and books.
    over = json.dumps(booking("gomoti", DAY, "13:30", 2)) + " " * 70_000
    response = requests.post(server.url + "/api/appointments", data=_chunks(over),
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]
    assert availability(server.url, "gomoti", DAY, "13:30")["current_bookings"] == 0


def test_chunked_body_under_the_limit_is_booked(server):
    """The control: the same route, chunked, within the limit."""
    body = json.dumps({**booking("gomoti", DAY, "13:30", 3), "notes": "n" * 900})
    response = requests.post(server.url + "/api/appointments", data=_chunks(body, 256),
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 201
