"""README promises a reader could break without another test noticing.

Each test pins one sentence of the README at its edges: the Idempotency-Key fingerprint covers
every field of the body, a phone is one patient in any spelling and an impossible one is
refused, and a PATCH body is a cancel or a move, never both. Through the Flask app on each
storage engine.
"""

import pytest

from app.api.schemas import BookingSchema
from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, booked, post

pytestmark = pytest.mark.every_engine

KEY = {"Idempotency-Key": "promise-5b1e2c9a-0f3d-4a7e"}
FULL = {**GOOD, "patient_email": "rahim@example.com", "doctor": "Dr. Karim",
        "notes": "First visit"}
# One valid change per field of the body; each must make the same key a different request.
CHANGED = {
    "hospital": "Moon Hospital",
    "date": "2026-11-28",
    "appointment_time": "11:00",
    "patient_name": "Karima Begum",
    "patient_phone": "+8801812345678",
    "patient_email": "karima@example.com",
    "doctor": "Dr. Hasan",
    "notes": "Follow-up",
}


def keyed(client, body):
    return client.post("/api/appointments", json=body, headers=KEY)


def admin_total(client, hospital="gomoti", date="2026-11-26"):
    url = f"/api/appointments?hospital={hospital}&date={date}"
    return client.get(url, headers=ADMIN).json["total"]


def test_the_change_table_names_every_field_of_the_booking_body():
    assert set(CHANGED) == set(FULL) == set(BookingSchema().fields)


@pytest.mark.parametrize("field", CHANGED)
def test_same_key_with_one_field_changed_is_422_and_books_nothing(client, field):
    first = keyed(client, FULL)
    assert first.status_code == 201, first.json
    other = keyed(client, {**FULL, field: CHANGED[field]})
    assert other.status_code == 422, (field, other.json)
    assert admin_total(client) == 1
    assert admin_total(client, "moon") == admin_total(client, date="2026-11-28") == 0


@pytest.mark.parametrize("field", ["patient_email", "doctor", "notes"])
def test_same_key_with_an_optional_field_added_is_422(client, field):
    assert keyed(client, GOOD).status_code == 201
    assert keyed(client, {**GOOD, field: CHANGED[field]}).status_code == 422
    assert admin_total(client) == 1


def test_same_key_and_same_body_still_replays(client):
    first = keyed(client, FULL)
    assert keyed(client, dict(reversed(FULL.items()))).json == first.json
    assert admin_total(client) == 1


@pytest.mark.parametrize("phone", ["123456", "1234567", "+880 171", "+1234567890123456",
                                   "+880 1712 3456 7890 1", "0171234567", "+15551234567"])
def test_impossible_phone_is_400_with_an_example_and_writes_nothing(client, phone):
    response = post(client, {**GOOD, "patient_phone": phone})
    assert response.status_code == 400
    assert response.json["details"]["patient_phone"] == [
        "Not a valid phone number. Give a BD number such as 01812-345678, or any number with "
        "its country code, such as +8801812345678."]
    assert booked(client) == 0


@pytest.mark.parametrize("phone, stored", [
    ("01712345678", "+8801712345678"),
    ("8801712345678", "+8801712345678"),
    ("+880 1712-345678", "+8801712345678"),
    ("+1 202-555-0123", "+12025550123"),
])
def test_phone_is_booked_as_e164(client, phone, stored):
    response = post(client, {**GOOD, "patient_phone": phone})
    assert response.status_code == 201, response.json
    assert response.json["appointment"]["patient_phone"] == stored


@pytest.mark.parametrize("move", [
    {"hospital": "Moon Hospital"},
    {"date": "2026-11-28"},
    {"appointment_time": "11:00"},
    {"hospital": "Moon Hospital", "date": "2026-11-28", "appointment_time": "11:00"},
])
def test_patch_mixing_cancel_and_move_is_400_and_changes_nothing(client, move):
    created = post(client, GOOD).json
    url = f"/api/appointments/{created['appointment']['id']}"
    owner = {"Authorization": f"Bearer {created['access_token']}"}
    response = client.patch(url, json={"status": "cancelled", **move}, headers=owner)
    assert response.status_code == 400
    assert response.json["error"] == "Validation failed"
    assert client.get(url, headers=owner).json["appointment"] == created["appointment"]
    assert booked(client) == 1
