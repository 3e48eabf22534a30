"""Ownership, cancel, reschedule, duplicates, idempotent retries and the admin list.

Through the Flask app on each storage engine (SQLite; MongoDB when a replica set is available).
"""

from datetime import UTC, datetime

import pytest

from app import create_app
from tests.support.admin_key import ADMIN, ADMIN_KEY
from tests.support.bookings import GOOD, SLOT_URL, book, booked, owner, patch

pytestmark = pytest.mark.every_engine


def key(n: int) -> dict:
    return {"Idempotency-Key": f"key-{n}-7c9e6679-7425-40de"}


def count(client, time):
    return client.get(f"/api/appointments/availability/gomoti/2026-11-26/{time}").json[
        "current_bookings"]


def test_token_is_long_random_and_only_its_hash_is_stored(client, store):
    response = book(client)
    token = response.json["access_token"]
    assert len(token) >= 22    # 32 random bytes, url-safe base64
    [stored] = store.token_hashes()
    assert stored and token not in stored


def test_owner_and_admin_can_read_others_cannot(client):
    appointment_id, headers = owner(book(client))
    other_id, other_headers = owner(book(client, {**GOOD, "patient_phone": "+8801800000000"}))
    assert client.get(f"/api/appointments/{appointment_id}", headers=headers).status_code == 200
    assert client.get(f"/api/appointments/{appointment_id}", headers=ADMIN).status_code == 200
    for refused in [{}, other_headers, {"Authorization": "Bearer wrong"},
                    {"Authorization": f"Basic {ADMIN_KEY}"}]:
        response = client.get(f"/api/appointments/{appointment_id}", headers=refused)
        assert (response.status_code, response.json["error"]) == (404, "Appointment not found")
    assert client.get("/api/appointments/nope", headers=ADMIN).status_code == 404


def test_cancel_frees_one_seat_and_twice_frees_none(client):
    appointment_id, headers = owner(book(client))
    assert booked(client) == 1
    first = patch(client, appointment_id, {"status": "cancelled"}, headers)
    assert (first.status_code, first.json["seat_freed"]) == (200, True)
    assert first.json["appointment"]["status"] == "cancelled"
    again = patch(client, appointment_id, {"status": "cancelled"}, headers)
    assert (again.status_code, again.json["seat_freed"]) == (200, False)
    assert booked(client) == 0


def test_cancel_without_the_token_changes_nothing(client):
    appointment_id, _ = owner(book(client))
    other_id, other_headers = owner(book(client, {**GOOD, "patient_phone": "+8801800000000"}))
    for refused in [{}, other_headers, {"Authorization": "Bearer not-the-admin"}]:
        assert patch(client, appointment_id, {"status": "cancelled"}, refused).status_code == 404
    assert booked(client) == 2


def test_reschedule_moves_one_seat(client):
    appointment_id, headers = owner(book(client))
    moved = patch(client, appointment_id, {"date": "2026-11-26", "appointment_time": "11:00"},
                  headers)
    assert moved.status_code == 200
    assert moved.json["appointment"]["appointment_time"] == "11:00"
    assert (count(client, "10:00"), count(client, "11:00")) == (0, 1)


def test_reschedule_to_another_hospital_by_name(client):
    appointment_id, headers = owner(book(client))
    moved = patch(client, appointment_id, {"hospital": "Moon Hospital", "date": "2026-11-26",
                                           "appointment_time": "10:00"}, headers)
    assert moved.json["appointment"]["hospital_id"] == "moon"
    assert count(client, "10:00") == 0


def test_reschedule_into_a_full_slot_is_409_and_nothing_moves(client, app):
    for n in range(15):
        book(client, {**GOOD, "appointment_time": "12:00", "patient_phone": f"+88019{n:08d}"})
    appointment_id, headers = owner(book(client))
    response = patch(client, appointment_id, {"date": "2026-11-26", "appointment_time": "12:00"},
                     headers)
    assert (response.status_code, response.json) == (409, {
        "error": "Slot is fully booked", "current_bookings": 15, "max_capacity": 15})
    assert (count(client, "10:00"), count(client, "12:00")) == (1, 15)


@pytest.mark.parametrize("change, status", [
    ({"date": "2026-11-27", "appointment_time": "10:00"}, 400),       # Friday
    ({"date": "2026-11-24", "appointment_time": "10:00"}, 400),       # past
    ({"date": "2026-11-26", "appointment_time": "10:20"}, 400),       # off the grid
    ({"date": "2026-11-26"}, 400),                                    # half a move
    ({"status": "booked"}, 400),
    ({"status": "cancelled", "date": "2026-11-26"}, 400),
])
def test_bad_changes_are_refused_and_nothing_moves(client, change, status):
    appointment_id, headers = owner(book(client))
    assert patch(client, appointment_id, change, headers).status_code == status
    assert count(client, "10:00") == 1


def test_cancelled_appointment_cannot_be_rescheduled(client):
    appointment_id, headers = owner(book(client))
    patch(client, appointment_id, {"status": "cancelled"}, headers)
    response = patch(client, appointment_id, {"date": "2026-11-26", "appointment_time": "11:00"},
                     headers)
    assert response.status_code == 409
    assert count(client, "11:00") == 0


def test_same_patient_twice_in_a_slot_is_409_but_another_slot_is_fine(client):
    assert book(client).status_code == 201
    again = book(client, {**GOOD, "patient_phone": "+880 1712-345678"})
    assert again.status_code == 409
    assert again.json == {"error": "Patient already booked for this slot"}
    assert book(client, {**GOOD, "appointment_time": "10:30"}).status_code == 201
    assert booked(client) == 1


def test_patient_may_rebook_a_slot_after_cancelling(client):
    appointment_id, headers = owner(book(client))
    patch(client, appointment_id, {"status": "cancelled"}, headers)
    assert book(client).status_code == 201


def test_idempotent_retry_replays_the_first_answer(client):
    first = book(client, **key(1))
    retry = book(client, **key(1))
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json == first.json
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert booked(client) == 1


def test_same_key_with_another_body_is_422_and_writes_nothing(client):
    book(client, **key(2))
    other = book(client, {**GOOD, "appointment_time": "11:00"}, **key(2))
    assert other.status_code == 422
    assert count(client, "11:00") == 0


def test_replay_survives_the_slot_filling_up(client):
    first = book(client, **key(3))
    for n in range(14):
        book(client, {**GOOD, "patient_phone": f"+88019{n:08d}"})
    assert book(client, **key(3)).json == first.json


def test_idempotency_keys_expire_after_24_hours(app, client, store):
    book(client, **key(4))
    store.age_idempotency_keys(datetime(2026, 11, 23, tzinfo=UTC))
    assert book(client, **key(4)).status_code == 409   # a new booking
    assert booked(client) == 1


@pytest.mark.parametrize("key", ["retry", "k" * 15, "k" * 256])
def test_short_or_huge_idempotency_keys_are_400_and_write_nothing(client, key):
    response = book(client, **{"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json["details"]
    assert booked(client) == 0


def test_empty_idempotency_key_counts_as_none(client):
    assert book(client, **{"Idempotency-Key": " "}).status_code == 201
    other = book(client, {**GOOD, "appointment_time": "11:00"}, **{"Idempotency-Key": ""})
    assert other.status_code == 201


def test_admin_lists_a_day_paginated(client):
    for n in range(5):
        book(client, {**GOOD, "patient_phone": f"+88019{n:08d}"})
    url = "/api/appointments?hospital=gomoti&date=2026-11-26&limit=2&offset=2"
    page = client.get(url, headers=ADMIN).json
    assert (page["total"], len(page["items"]), page["offset"]) == (5, 2, 2)
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer guess"}).status_code == 401


def test_admin_list_filters_by_status(client):
    appointment_id, headers = owner(book(client))
    book(client, {**GOOD, "patient_phone": "+8801800000000"})
    patch(client, appointment_id, {"status": "cancelled"}, headers)
    url = "/api/appointments?hospital=Gomoti Hospital&date=2026-11-26&status=cancelled"
    assert [a["id"] for a in client.get(url, headers=ADMIN).json["items"]] == [appointment_id]


@pytest.mark.parametrize("query", ["offset=99999999999999999999", "limit=0", "limit=201",
                                   "offset=-1"])
def test_admin_list_refuses_out_of_range_paging(client, query):
    url = f"/api/appointments?hospital=gomoti&date=2026-11-26&{query}"
    assert client.get(url, headers=ADMIN).status_code == 400


def test_public_answers_carry_no_patient_data(client):
    book(client)
    for url in [SLOT_URL, "/api/hospitals/gomoti/availability?date=2026-11-26", "/api/hospitals"]:
        assert "Rahim" not in client.get(url).get_data(as_text=True)


def test_retry_after_the_slot_started_still_replays(settings, repository):
    clock = [datetime(2026, 11, 25, 8, 0, tzinfo=UTC)]          # 14:00 in Dhaka
    client = create_app(settings, repository, now=lambda: clock[0]).test_client()
    body = {**GOOD, "date": "2026-11-25", "appointment_time": "16:30"}
    first = book(client, body, **key(7))
    clock[0] = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)        # 17:00: the slot has begun
    retry = book(client, body, **key(7))
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json == first.json
    assert book(client, body).status_code == 400               # without the key: too late
