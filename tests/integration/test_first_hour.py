"""What a new user and a new operator meet first: CORS preflights, the two availability views
agreeing, and 404s that say where to turn. (FIXED_NOW: Wednesday 25 Nov 2026, 14:00 in Dhaka.)"""

from datetime import timedelta

import pytest

from app import create_app
from tests.support.bookings import GOOD, post
from tests.support.clock import FIXED_NOW

SLOT = "/api/appointments/availability/gomoti/{day}/{time}"
DAY = "/api/hospitals/gomoti/availability?date={day}"
PREFLIGHT = {"Origin": "https://frontend.example", "Access-Control-Request-Method": "POST"}


def test_preflight_advertises_only_the_methods_the_routes_accept_and_is_cached(client):
    response = client.options("/api/appointments", headers=PREFLIGHT)
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "POST", "PATCH", "PUT", "DELETE"}   # PUT, DELETE: /api/admin
    assert response.headers["Access-Control-Max-Age"] == "600"
    for missing in ("DELETE", "PUT"):
        assert client.open("/api/appointments/x", method=missing).status_code == 405


@pytest.mark.parametrize("day, time, status", [
    ("2026-11-27", "10:00", "closed"),      # a Friday
    ("2026-11-24", "10:00", "past"),
    ("2026-11-25", "10:00", "started"),
    ("2026-11-25", "16:30", "available"),
    ("2026-11-26", "10:00", "available"),
])
def test_slot_route_answers_200_with_the_status_the_day_route_shows(client, day, time, status):
    slot = client.get(SLOT.format(day=day, time=time))
    assert slot.status_code == 200
    assert slot.json["status"] == status
    assert slot.json["is_available"] is (status == "available")
    day_view = client.get(DAY.format(day=day))
    assert day_view.status_code == 200
    shown = {s["time"]: s["status"] for s in day_view.json["slots"]}
    assert shown.get(time, "closed") == status


def test_staff_read_the_true_count_of_a_past_slot(client, settings, repository):
    assert post(client, GOOD).status_code == 201
    two_days_later = create_app(settings, repository, now=lambda: FIXED_NOW + timedelta(days=2))
    slot = two_days_later.test_client().get(SLOT.format(day="2026-11-26", time="10:00")).json
    assert (slot["status"], slot["current_bookings"], slot["available_slots"]) == ("past", 1, 0)


def test_a_full_slot_says_full(client):
    for n in range(15):
        assert post(client, {**GOOD, "patient_phone": f"+88017000000{n:02d}"}).status_code == 201
    slot = client.get(SLOT.format(day="2026-11-26", time="10:00")).json
    assert (slot["status"], slot["current_bookings"], slot["available_slots"]) == ("full", 15, 0)


@pytest.mark.parametrize("url", [
    SLOT.format(day="2026-11-26", time="10:07"),        # not on the grid
    SLOT.format(day="2027-03-01", time="10:00"),        # beyond the 60-day horizon
    SLOT.format(day="2026-02-30", time="10:00"),        # no such day
])
def test_a_slot_outside_the_schedule_is_still_a_400(client, url):
    assert client.get(url).status_code == 400


def test_booking_rules_stay_where_bookings_are_made(client):
    friday = post(client, {**GOOD, "date": "2026-11-27"})
    assert (friday.status_code, friday.json["error"]) == (400, "Hospital closed on Fridays")
    assert post(client, {**GOOD, "date": "2026-11-25"}).status_code == 400   # started


def test_unknown_hospital_404_lists_the_ids_and_names_that_exist(client):
    response = client.get(SLOT.replace("gomoti", "City%20Hospital").format(day="2026-11-26",
                                                                           time="10:00"))
    assert response.status_code == 404
    assert {"id": "moon", "name": "Moon Hospital"} in response.json["hospitals"]


def test_lost_token_404_says_where_to_turn_without_revealing_the_appointment(client):
    appointment_id = post(client, GOOD).json["appointment"]["id"]
    wrong = {"Authorization": "Bearer not-the-token"}
    existing = client.get(f"/api/appointments/{appointment_id}", headers=wrong)
    missing = client.get("/api/appointments/0123456789abcdef", headers=wrong)
    no_token = client.get(f"/api/appointments/{appointment_id}")
    assert existing.status_code == missing.status_code == no_token.status_code == 404
    assert existing.json == missing.json == no_token.json
    assert "staff can find your appointment" in existing.json["help"]
    assert [(c["hospital_id"], c["name"]) for c in existing.json["contacts"]] == [
        ("gomoti", "Gomoti Hospital"), ("moon", "Moon Hospital"), ("al-sefa", "Al-Sefa Hospital")]
    assert all(c["contact"] for c in existing.json["contacts"])
