"""A patient's booking through the Flask test client: the body, the slot it lands in, and the
calls a patient makes (book, read the count, change their own appointment)."""

import json

GOOD = {"hospital": "Gomoti Hospital", "date": "2026-11-26", "appointment_time": "10:00",
        "patient_name": "Rahim Uddin", "patient_phone": "+8801712345678"}
SLOT_URL = "/api/appointments/availability/gomoti/2026-11-26/10:00"


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/appointments", data=data, content_type=content_type)


def booked(client):
    return client.get(SLOT_URL).json["current_bookings"]


def book(client, body=None, **headers):
    return client.post("/api/appointments", json=body or GOOD, headers=headers)


def owner(response):
    token = response.json["access_token"]
    return response.json["appointment"]["id"], {"Authorization": f"Bearer {token}"}


def patch(client, appointment_id, body, headers):
    return client.patch(f"/api/appointments/{appointment_id}", json=body, headers=headers)
