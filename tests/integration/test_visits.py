"""Visit statuses through the app on each engine: staff only, counted toward capacity."""

from datetime import UTC, datetime

import pytest

from app import create_app
from app.config import Settings
from app.domain.errors import ConfigError
from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, SLOT_URL, book, booked, owner, patch

pytestmark = pytest.mark.every_engine
# 15:31 in Dhaka on the 26th: the 10:00 slot of GOOD has started.
AFTER_THE_SLOT = datetime(2026, 11, 26, 9, 31, tzinfo=UTC)


def visit(client, appointment_id, status, headers=ADMIN):
    return patch(client, appointment_id, {"status": status}, headers)


def test_staff_check_in_then_complete_and_the_seat_stays_counted(client):
    appointment_id, _ = owner(book(client))
    checked_in = visit(client, appointment_id, "checked_in")
    assert (checked_in.status_code, checked_in.json["appointment"]["status"]) == (200,
                                                                                 "checked_in")
    assert visit(client, appointment_id, "completed").json["appointment"]["status"] == "completed"
    assert booked(client) == 1


def test_a_patient_token_cannot_record_a_visit(client):
    appointment_id, headers = owner(book(client))
    refused = visit(client, appointment_id, "checked_in", headers)
    assert (refused.status_code, refused.json["error"]) == (401, "Authentication required")


def test_invalid_transition_is_409_with_the_current_status(client):
    appointment_id, _ = owner(book(client))
    refused = visit(client, appointment_id, "completed")
    assert refused.status_code == 409
    assert refused.json == {"error": "Cannot change status from booked to completed",
                            "current_status": "booked"}


def test_no_show_only_once_the_slot_has_started(client, settings, repository):
    appointment_id, _ = owner(book(client))
    early = visit(client, appointment_id, "no_show")
    assert (early.status_code, early.json) == (409, {
        "error": "A no-show can be recorded only once the slot has started",
        "current_status": "booked"})
    later = create_app(settings, repository, now=lambda: AFTER_THE_SLOT).test_client()
    assert visit(later, appointment_id, "no_show").json["appointment"]["status"] == "no_show"
    assert booked(client) == 1


def test_every_visit_status_counts_toward_capacity(client):
    statuses = ["checked_in", "completed", "booked"]
    for n, status in enumerate(statuses):
        appointment_id, _ = owner(book(client, {**GOOD, "patient_phone": f"+8801700000{n:03d}"}))
        if status != "booked":
            visit(client, appointment_id, "checked_in")
        if status == "completed":
            visit(client, appointment_id, "completed")
    assert booked(client) == 3
    assert client.get(SLOT_URL).json["available_slots"] == 12


def test_cancelled_is_final_and_a_visit_cannot_be_cancelled_by_the_patient(client):
    cancelled_id, cancelled_headers = owner(book(client))
    patch(client, cancelled_id, {"status": "cancelled"}, cancelled_headers)
    assert visit(client, cancelled_id, "checked_in").json["current_status"] == "cancelled"
    seen_id, seen_headers = owner(book(client, {**GOOD, "patient_phone": "+8801800000000"}))
    visit(client, seen_id, "checked_in")
    refused = patch(client, seen_id, {"status": "cancelled"}, seen_headers)
    assert (refused.status_code, refused.json) == (409, {
        "error": "Cannot change status from checked_in to cancelled",
        "current_status": "checked_in"})
    moved = patch(client, seen_id, {"date": "2026-11-26", "appointment_time": "11:00"},
                  seen_headers)
    assert (moved.status_code, moved.json) == (409, {
        "error": "Cannot change status from checked_in to rescheduled",
        "current_status": "checked_in"})
    into_the_past = patch(client, seen_id, {"date": "2026-11-24", "appointment_time": "11:00"},
                          seen_headers)           # the visit is refused before the new slot
    assert (into_the_past.status_code, into_the_past.json["current_status"]) == (409,
                                                                                 "checked_in")
    assert booked(client) == 1


def test_admin_list_filters_by_visit_status(client):
    appointment_id, _ = owner(book(client))
    visit(client, appointment_id, "checked_in")
    url = "/api/appointments?hospital=gomoti&date=2026-11-26&status=checked_in"
    assert [a["id"] for a in client.get(url, headers=ADMIN).json["items"]] == [appointment_id]


def test_admin_routes_answer_503_when_no_admin_key_is_configured(settings, repository):
    unconfigured = Settings.from_env(env={}, sqlite_path=settings.sqlite_path)
    client = create_app(unconfigured, repository).test_client()
    response = client.get("/api/appointments?hospital=gomoti&date=2026-11-26",
                          headers=ADMIN)
    assert (response.status_code, response.json) == (
        503, {"error": "Admin access is not configured on this server"})


def test_a_short_admin_key_stops_start_up_with_a_clear_message():
    with pytest.raises(ConfigError, match="ADMIN_API_KEY is 12 characters; it must have at "
                                          "least 32"):
        Settings.from_env(env={"ADMIN_API_KEY": "short-secret"})
