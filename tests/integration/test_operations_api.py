"""The staff routes under /api/admin through the app on each engine: closures, capacity
overrides, bulk cancel and the audit trail."""

import pytest

from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, SLOT_URL, book, owner, patch

pytestmark = pytest.mark.every_engine
DAY_URL = "/api/hospitals/gomoti/availability?date=2026-11-26"
STRIKE = {"hospital": "gomoti", "date": "2026-11-26", "reason": "Doctors' strike"}


def close(client, **change):
    return client.post("/api/admin/closures", json={**STRIKE, **change}, headers=ADMIN)


def capacity(client, **change):
    body = {"hospital": "gomoti", "date": "2026-11-26", **change}
    return client.put("/api/admin/capacity", json=body, headers=ADMIN)


def patient(n: int) -> dict:
    return {**GOOD, "patient_phone": f"+8801700000{n:03d}"}


def trail(client, **query):
    return client.get("/api/admin/audit", query_string=query, headers=ADMIN).json["entries"]


# -- closures -------------------------------------------------------------------------------------

def test_closing_an_afternoon_refuses_bookings_there_and_shows_it(client):
    added = close(client, start="14:00", end="16:00")
    assert added.status_code == 201
    assert added.json["active_bookings"] == 0
    closure = added.json["closure"]
    assert closure == {"id": closure["id"], "hospital_id": "gomoti", "date": "2026-11-26",
                       "start": "14:00", "end": "16:00", "reason": "Doctors' strike"}
    refused = client.post("/api/appointments", json={**GOOD, "appointment_time": "15:30"})
    assert (refused.status_code, refused.json) == (
        400, {"error": "Hospital closed on 2026-11-26: Doctors' strike"})
    slots = {s["time"]: s for s in client.get(DAY_URL).json["slots"]}
    assert (slots["15:30"]["status"], slots["15:30"]["closed_reason"]) == ("closed",
                                                                          "Doctors' strike")
    assert slots["16:00"]["status"] == "available"
    assert book(client).status_code == 201      # 10:00 stays open


def test_closing_a_day_with_bookings_counts_them_and_cancels_nothing(client):
    for n in range(3):
        book(client, patient(n))
    added = close(client)
    assert added.json["active_bookings"] == 3
    listed = client.get("/api/appointments?hospital=gomoti&date=2026-11-26&status=booked",
                        headers=ADMIN)
    assert listed.json["total"] == 3
    day = client.get(DAY_URL).json
    assert (day["is_open"], day["closed_reason"], day["slots"]) == (
        False, "Hospital closed on 2026-11-26: Doctors' strike", [])
    slot = client.get(SLOT_URL).json
    assert (slot["status"], slot["closed_reason"], slot["current_bookings"]) == (
        "closed", "Doctors' strike", 3)


def test_bulk_cancel_is_explicit_and_records_the_reason(client):
    appointment_id, headers = owner(book(client))
    closure_id = close(client).json["closure"]["id"]
    done = client.post(f"/api/admin/closures/{closure_id}/cancel-bookings", headers=ADMIN)
    assert (done.status_code, done.json["cancelled"]) == (200, 1)
    assert done.json["appointment_ids"] == [appointment_id]
    mine = client.get(f"/api/appointments/{appointment_id}", headers=headers).json
    assert mine["appointment"]["status"] == "cancelled"
    [*_, entry] = trail(client, appointment=appointment_id)
    assert (entry["action"], entry["actor"], entry["after"]) == (
        "bulk_cancel", "admin", {"reason": "Doctors' strike", "status": "cancelled"})


def test_removing_a_closure_reopens_its_slots(client):
    closure_id = close(client, start="10:00", end="10:30").json["closure"]["id"]
    listed = client.get("/api/admin/closures?hospital=gomoti", headers=ADMIN).json
    assert [c["id"] for c in listed["closures"]] == [closure_id]
    assert client.delete(f"/api/admin/closures/{closure_id}", headers=ADMIN).status_code == 200
    assert book(client).status_code == 201
    missing = client.delete(f"/api/admin/closures/{closure_id}", headers=ADMIN)
    assert (missing.status_code, missing.json) == (404, {"error": "Closure not found"})


def test_the_closures_and_overrides_of_one_date_leave_other_dates_out(client):
    close(client, start="14:00", end="16:00")
    close(client, date="2026-11-28", reason="Election")
    capacity(client, time="10:00", capacity=3)
    capacity(client, date="2026-11-28", time="10:00", capacity=4)
    closures = client.get("/api/admin/closures?hospital=gomoti&date=2026-11-28",
                          headers=ADMIN).json["closures"]
    assert [(c["date"], c["reason"]) for c in closures] == [("2026-11-28", "Election")]
    overrides = client.get("/api/admin/capacity?hospital=gomoti&date=2026-11-28",
                           headers=ADMIN).json["overrides"]
    assert overrides == [{"hospital_id": "gomoti", "date": "2026-11-28", "time": "10:00",
                          "capacity": 4}]
    slots = {s["time"]: s for s in client.get(DAY_URL).json["slots"]}
    assert (slots["10:00"]["max_capacity"], slots["11:00"]["status"],
            slots["14:00"]["status"]) == (3, "available", "closed")


def test_a_removed_closure_leaves_the_slots_another_closure_covers_closed(client):
    whole = close(client, start="10:00", end="11:00").json["closure"]["id"]
    later = close(client, start="10:30", end="11:00", reason="Flood").json["closure"]["id"]
    close(client, date="2026-11-28", reason="Election")       # another day, every slot
    client.delete(f"/api/admin/closures/{whole}", headers=ADMIN)
    assert book(client).status_code == 201                       # 10:00 reopened
    refused = book(client, {**GOOD, "appointment_time": "10:30"})
    assert refused.json == {"error": "Hospital closed on 2026-11-26: Flood"}
    [*_, reopen] = trail(client, hospital="gomoti", date="2026-11-26", time="10:30")
    assert (reopen["action"], reopen["before"], reopen["after"]) == (
        "reopen", {"closed": "Flood"}, {"closed": "Flood", "closure_id": later})


@pytest.mark.parametrize("change, details", [
    ({"start": "17:00", "end": "18:00"}, {"start": ["The time range covers no slot."]}),
    ({"date": "2026-11-24"}, {"date": ["Date is in the past."]}),
])
def test_a_closure_covering_no_slot_or_in_the_past_is_400_saying_why(client, change, details):
    refused = close(client, **change)
    assert (refused.status_code, refused.json) == (400, {"error": "Validation failed",
                                                         "details": details})


def test_today_can_still_be_closed_and_its_capacity_changed(client):
    assert close(client, date="2026-11-25", start="16:00", end="17:00").status_code == 201
    assert capacity(client, date="2026-11-25", time="16:30", capacity=3).status_code == 200


def test_rescheduling_into_a_closure_is_400(client):
    appointment_id, headers = owner(book(client))
    close(client, start="11:00", end="12:00")
    moved = patch(client, appointment_id, {"date": "2026-11-26", "appointment_time": "11:00"},
                  headers)
    assert moved.json == {"error": "Hospital closed on 2026-11-26: Doctors' strike"}


@pytest.mark.parametrize("change, field", [
    ({"start": "14:00"}, "_schema"), ({"start": "15:00", "end": "14:00"}, "_schema"),
    ({"start": "", "end": ""}, "start"),
    ({"reason": ""}, "reason"), ({"date": "2026-11-24"}, "date"),
    ({"start": "17:00", "end": "18:00"}, "start"), ({"hospital": "nowhere"}, None)])
def test_bad_closures_are_refused_and_write_nothing(client, change, field):
    refused = close(client, **change)
    assert refused.status_code in (400, 404)
    if field:
        assert field in refused.json["details"]
    assert client.get("/api/admin/closures?hospital=gomoti", headers=ADMIN).json == {
        "closures": []}


def test_fixed_closed_dates_from_the_config_refuse_with_their_reason(client):
    refused = client.post("/api/appointments", json={**GOOD, "date": "2026-12-16"})
    assert refused.json == {"error": "Hospital closed on 2026-12-16: Victory Day"}
    day = client.get("/api/hospitals/gomoti/availability?date=2026-12-16").json
    assert (day["is_open"], day["closed_reason"]) == (False,
                                                      "Hospital closed on 2026-12-16: Victory Day")
    slot = client.get("/api/appointments/availability/gomoti/2026-12-16/10:00").json
    assert (slot["status"], slot["is_available"]) == ("closed", False)
    friday = client.post("/api/appointments", json={**GOOD, "date": "2026-11-27"})
    assert friday.json == {"error": "Hospital closed on Fridays"}


# -- capacity overrides ---------------------------------------------------------------------------

def test_lowering_below_the_bookings_is_reported_shown_full_and_cancels_nothing(client):
    for n in range(4):
        book(client, patient(n))
    lowered = capacity(client, time="10:00", capacity=2)
    assert (lowered.status_code, lowered.json["capacity"]) == (200, 2)
    assert lowered.json["over_capacity"] == ["10:00"]
    [slot] = lowered.json["slots"]
    assert (slot["max_capacity"], slot["current_bookings"], slot["status"]) == (2, 4, "full")
    now = client.get(SLOT_URL).json
    assert (now["max_capacity"], now["current_bookings"], now["available_slots"]) == (2, 4, 0)
    refused = book(client, patient(9))
    assert refused.json == {"error": "Slot is fully booked", "current_bookings": 4,
                            "max_capacity": 2}


def test_raising_a_full_slot_lets_the_next_patient_book_past_the_hospitals_capacity(client):
    for n in range(15):
        book(client, patient(n))
    assert book(client, patient(15)).status_code == 409          # full at Gomoti's 15
    assert capacity(client, time="10:00", capacity=16).status_code == 200
    assert book(client, patient(15)).status_code == 201          # not refused by a stale read
    assert book(client, patient(16)).json == {"error": "Slot is fully booked",
                                               "current_bookings": 16, "max_capacity": 16}


def test_a_whole_day_override_sets_every_slot_and_null_restores_the_default(client):
    changed = capacity(client, capacity=5)
    assert len(changed.json["slots"]) == 16 and changed.json["over_capacity"] == []
    assert {s["max_capacity"] for s in client.get(DAY_URL).json["slots"]} == {5}
    listed = client.get("/api/admin/capacity?hospital=gomoti&date=2026-11-26",
                        headers=ADMIN).json["overrides"]
    assert len(listed) == 16 and listed[0] == {"hospital_id": "gomoti", "date": "2026-11-26",
                                               "time": "09:00", "capacity": 5}
    capacity(client, capacity=None)
    # (the day view is kept per worker for DAY_ANSWER_FRESH_S: ask the slot itself)
    assert client.get(SLOT_URL).json["max_capacity"] == 15


def test_a_capacity_for_a_time_off_the_grid_names_the_field(client):
    refused = capacity(client, time="10:10", capacity=3)
    assert (refused.status_code, refused.json) == (400, {
        "error": "Validation failed", "details": {"time": ["Not a slot of this hospital."]}})


@pytest.mark.parametrize("change", [{"capacity": -1}, {"capacity": "5"}, {"time": "10:10",
                                                                          "capacity": 3}, {},
                                    {"time": "", "capacity": 3}])
def test_bad_capacity_changes_are_400(client, change):
    assert capacity(client, **change).status_code == 400


# -- the audit trail, and who may use these routes -----------------------------------------------

def test_the_trail_of_an_appointment_and_of_a_slot(client):
    appointment_id, headers = owner(book(client))
    patch(client, appointment_id, {"date": "2026-11-26", "appointment_time": "11:00"}, headers)
    patch(client, appointment_id, {"status": "checked_in"}, ADMIN)
    assert [(e["actor"], e["action"]) for e in trail(client, appointment=appointment_id)] == [
        ("patient", "book"), ("patient", "reschedule"), ("admin", "status")]
    capacity(client, time="11:00", capacity=3)
    slot_trail = trail(client, hospital="gomoti", date="2026-11-26", time="11:00")
    assert [e["action"] for e in slot_trail] == ["reschedule", "status", "capacity"]
    assert "Rahim" not in str(slot_trail) and GOOD["patient_phone"] not in str(slot_trail)


def test_staff_changes_are_audited_as_admin_at_the_services_time(client):
    appointment_id, _ = owner(book(client))
    patch(client, appointment_id, {"date": "2026-11-26", "appointment_time": "11:00"}, ADMIN)
    patch(client, appointment_id, {"status": "cancelled"}, ADMIN)
    assert [(e["actor"], e["action"], e["at"]) for e in trail(client, appointment=appointment_id)
            ] == [("patient", "book", "2026-11-25T08:00:00+00:00"),
                  ("admin", "reschedule", "2026-11-25T08:00:00+00:00"),
                  ("admin", "cancel", "2026-11-25T08:00:00+00:00")]


def test_an_audit_entry_answers_when_who_what_where_and_the_change(client):
    appointment_id, _ = owner(book(client))
    assert trail(client, appointment=appointment_id) == [{
        "at": "2026-11-25T08:00:00+00:00", "actor": "patient", "action": "book",
        "hospital_id": "gomoti", "date": "2026-11-26", "time": "10:00",
        "appointment_id": appointment_id, "before": {}, "after": {"status": "booked"}}]


@pytest.mark.parametrize("method, url", [
    ("post", "/api/admin/closures"), ("get", "/api/admin/closures?hospital=gomoti"),
    ("delete", "/api/admin/closures/x"), ("post", "/api/admin/closures/x/cancel-bookings"),
    ("put", "/api/admin/capacity"), ("get", "/api/admin/capacity?hospital=gomoti"),
    ("get", "/api/admin/audit?appointment=x")])
def test_every_admin_route_needs_the_admin_key(client, method, url):
    for headers in ({}, {"Authorization": "Bearer not-the-admin-key-0123456789abcdef"}):
        refused = getattr(client, method)(url, json=STRIKE, headers=headers)
        assert (refused.status_code, refused.json) == (401, {"error": "Authentication required"})
