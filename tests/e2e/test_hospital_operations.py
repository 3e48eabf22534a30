"""Hospital operations through the real server (gunicorn, 3 workers): visit statuses,
closures and capacity changes seen by every worker at once, the capacity-override storm with
its control, the audit trail (an entry per action, none for a rolled-back change), the admin
key's configuration."""

import sqlite3
import time

import pytest
import requests

from app.config import Settings
from harness.server import start_server
from tests.support.load import Outcome, availability, booking, open_day, race, slot_url

pytestmark = pytest.mark.e2e
ADMIN_KEY = "ops-e2e-admin-key-0123456789abcdef"
STAFF = {"Authorization": f"Bearer {ADMIN_KEY}"}


# Workers: enough that a per-process cache would show; fresh connections spread over them.
FRESH_READS = 30
DAY_ANSWER_FRESH_S = Settings().day_answer_fresh_s
STALE_APP = "harness.stale_capacity_app:create_app()"


@pytest.fixture(scope="module")
def staffed(tmp_path_factory):
    """The server with an admin key, as a hospital runs it."""
    running = start_server(tmp_path_factory.mktemp("staffed"), ADMIN_API_KEY=ADMIN_KEY)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def stale_server(tmp_path_factory):
    """The control: capacity read before the booking transaction."""
    running = start_server(tmp_path_factory.mktemp("stale"), app=STALE_APP,
                           ADMIN_API_KEY=ADMIN_KEY)
    yield running
    running.stop()


def admin(url, method, path, **kwargs):
    return requests.request(method, url + path, headers=STAFF, timeout=10, **kwargs)


def fresh_reads(url: str) -> list[dict]:
    """GET `url` on a new connection each time (so every worker answers some)."""
    return [requests.get(url, headers={"Connection": "close"}, timeout=10).json()
            for _ in range(FRESH_READS)]


def book(url, body) -> str:
    answer = requests.post(url + "/api/appointments", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["appointment"]["id"]


def change(url, appointment_id, body, headers=STAFF):
    return requests.patch(f"{url}/api/appointments/{appointment_id}", json=body,
                          headers=headers, timeout=10)


def test_visit_statuses_hold_their_seats(staffed):
    day = open_day(3)
    ids = [book(staffed.url, booking("gomoti", day, "09:30", n)) for n in range(15)]
    for appointment_id in ids[:10]:
        assert change(staffed.url, appointment_id, {"status": "checked_in"}).status_code == 200
    for appointment_id in ids[:5]:
        assert change(staffed.url, appointment_id, {"status": "completed"}).status_code == 200
    slot = availability(staffed.url, "gomoti", day, "09:30")
    assert (slot["current_bookings"], slot["status"]) == (15, "full")
    refused = requests.post(staffed.url + "/api/appointments",
                            json=booking("gomoti", day, "09:30", 99), timeout=10)
    assert (refused.status_code, refused.json()["current_bookings"]) == (409, 15)
    again = change(staffed.url, ids[0], {"status": "checked_in"})
    assert again.json() == {"error": "Cannot change status from completed to checked_in",
                            "current_status": "completed"}


def test_unset_admin_key_answers_503_saying_so(server):
    url = f"{server.url}/api/appointments?hospital=gomoti&date={open_day(3).isoformat()}"
    answer = requests.get(url, headers=STAFF, timeout=10)
    assert (answer.status_code, answer.json()) == (
        503, {"error": "Admin access is not configured on this server"})


def test_a_short_admin_key_stops_start_up_naming_the_problem(tmp_path):
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, ADMIN_API_KEY="too-short")
    assert "ADMIN_API_KEY is 9 characters; it must have at least 32" in str(caught.value)


# -- closures and capacity: every worker at once -------------------------------------------------

def test_a_closure_is_seen_by_every_worker_at_once(staffed):
    """Bookings are refused by the next request on every worker (the transaction reads the
    store); the day view that pages poll follows within DAY_ANSWER_FRESH_S (a worker's copy)."""
    day = open_day(4)
    day_url = f"{staffed.url}/api/hospitals/moon/availability?date={day.isoformat()}"
    assert all(d["is_open"] for d in fresh_reads(day_url))     # every worker has read the day
    added = admin(staffed.url, "POST", "/api/admin/closures",
                  json={"hospital": "moon", "date": day.isoformat(), "reason": "Water cut"})
    assert added.status_code == 201
    refusals = [requests.post(staffed.url + "/api/appointments", timeout=10,
                              json=booking("moon", day, "10:00", n),
                              headers={"Connection": "close"}).json()
                for n in range(FRESH_READS)]
    assert refusals == [{"error": f"Hospital closed on {day.isoformat()}: Water cut"}] * len(
        refusals)
    time.sleep(DAY_ANSWER_FRESH_S + 0.1)
    assert {d["closed_reason"] for d in fresh_reads(day_url)} == {
        f"Hospital closed on {day.isoformat()}: Water cut"}


def test_a_capacity_change_is_seen_by_every_worker_at_once(staffed):
    day = open_day(4)
    url = slot_url(staffed.url, "gomoti", day, "11:00")
    assert {s["max_capacity"] for s in fresh_reads(url)} == {15}
    admin(staffed.url, "PUT", "/api/admin/capacity",
          json={"hospital": "gomoti", "date": day.isoformat(), "time": "11:00", "capacity": 4})
    assert {s["max_capacity"] for s in fresh_reads(url)} == {4}


# -- the capacity-override storm -----------------------------------------------------------------

RAISED_TO, LOWERED_TO, CLIENTS, ATTEMPTS = 200, 5, 30, 4


def override_storm(url: str, day) -> tuple[list[dict], Outcome]:
    """Staff raise an al-sefa slot to 200 seats; 30 clients then book it 4 times each while
    one more client books once and then lowers it to 5. Returns the slot's audit trail (in
    commit order) and every answer."""
    slot = {"hospital": "al-sefa", "date": day.isoformat(), "time": "12:00"}
    admin(url, "PUT", "/api/admin/capacity", json={**slot, "capacity": RAISED_TO})
    lowering = [{"method": "POST", "path": "/api/appointments",
                 "json": booking("al-sefa", day, "12:00", 999)},
                {"method": "PUT", "path": "/api/admin/capacity", "headers": STAFF,
                 "json": {**slot, "capacity": LOWERED_TO}}]
    bookers = [[{"method": "POST", "path": "/api/appointments",
                 "json": booking("al-sefa", day, "12:00", c * ATTEMPTS + a)}
                for a in range(ATTEMPTS)] for c in range(CLIENTS)]
    outcome = race(url, [lowering, *bookers])
    assert outcome.server_errors() == 0, outcome.statuses
    trail = admin(url, "GET", "/api/admin/audit", params=slot)
    return trail.json()["entries"], outcome


def booked_before_lowering(trail: list[dict]) -> int:
    lowered = next(i for i, e in enumerate(trail) if e["after"].get("capacity") == LOWERED_TO)
    return sum(e["action"] == "book" for e in trail[:lowered])


def over_capacity_commits(trail: list[dict]) -> int:
    """Bookings that committed while the slot already held the capacity then in force."""
    capacity, count, over = None, 0, 0
    for entry in trail:
        if entry["action"] == "capacity":
            capacity = entry["after"]["capacity"]
        elif entry["action"] == "book":
            over += count >= capacity
            count += 1
    return over


def test_lowering_capacity_during_a_storm_never_overbooks_the_capacity_in_force(staffed):
    day = open_day(5)
    trail, outcome = override_storm(staffed.url, day)
    before = booked_before_lowering(trail)
    assert outcome.count(409) > 0        # bookers were still trying after the lowering
    assert over_capacity_commits(trail) == 0
    slot = availability(staffed.url, "al-sefa", day, "12:00")
    assert slot["current_bookings"] == max(LOWERED_TO, before) == outcome.count(201)
    assert outcome.count(200) == 1          # the lowering's answer
    assert (slot["max_capacity"], slot["status"]) == (LOWERED_TO, "full")


def test_control_capacity_read_before_the_transaction_overbooks(stale_server):
    day = open_day(5)
    trail, outcome = override_storm(stale_server.url, day)
    assert over_capacity_commits(trail) > 0
    assert availability(stale_server.url, "al-sefa", day, "12:00")["current_bookings"] > max(
        LOWERED_TO, booked_before_lowering(trail))


# -- the audit trail -----------------------------------------------------------------------------

def test_every_action_leaves_one_audit_entry_with_no_patient_data(staffed):
    day = open_day(6)
    body = booking("gomoti", day, "13:00", 501)
    answer = requests.post(staffed.url + "/api/appointments", json=body, timeout=10).json()
    appointment_id, token = answer["appointment"]["id"], answer["access_token"]
    patient = {"Authorization": f"Bearer {token}"}
    change(staffed.url, appointment_id, {"date": day.isoformat(), "appointment_time": "13:30"},
           patient)
    change(staffed.url, appointment_id, {"status": "checked_in"})
    other = book(staffed.url, booking("gomoti", day, "13:30", 502))
    change(staffed.url, other, {"status": "cancelled"})
    admin(staffed.url, "PUT", "/api/admin/capacity",
          json={"hospital": "gomoti", "date": day.isoformat(), "time": "13:30", "capacity": 9})
    third = book(staffed.url, booking("gomoti", day, "13:30", 503))
    closure = admin(staffed.url, "POST", "/api/admin/closures", json={
        "hospital": "gomoti", "date": day.isoformat(), "reason": "Strike", "start": "13:30",
        "end": "14:00"}).json()["closure"]["id"]
    admin(staffed.url, "POST", f"/api/admin/closures/{closure}/cancel-bookings")
    admin(staffed.url, "DELETE", f"/api/admin/closures/{closure}")
    trail = admin(staffed.url, "GET", "/api/admin/audit", params={
        "hospital": "gomoti", "date": day.isoformat(), "time": "13:30"}).json()["entries"]
    assert [(e["actor"], e["action"], e["appointment_id"]) for e in trail] == [
        ("patient", "reschedule", appointment_id), ("admin", "status", appointment_id),
        ("patient", "book", other), ("admin", "cancel", other), ("admin", "capacity", None),
        ("patient", "book", third), ("admin", "close", None), ("admin", "bulk_cancel", third),
        ("admin", "reopen", None)]
    mine = admin(staffed.url, "GET", "/api/admin/audit", params={"appointment": appointment_id})
    assert [e["action"] for e in mine.json()["entries"]] == ["book", "reschedule", "status"]
    for secret in (body["patient_name"], body["patient_phone"], token):
        assert secret not in str(trail) + mine.text


def test_a_rolled_back_booking_leaves_no_audit_entry(staffed):
    """A failure after the entry was written (the Idempotency-Key's row refused by a planted
    trigger) rolls the booking and its entry back together."""
    day = open_day(6)
    with sqlite3.connect(staffed.sqlite_path) as conn:
        conn.execute("CREATE TRIGGER refuse_keys BEFORE INSERT ON idempotency_keys "
                     "BEGIN SELECT RAISE(ABORT, 'planted failure'); END")
    try:
        failed = requests.post(staffed.url + "/api/appointments", timeout=10,
                               json=booking("gomoti", day, "15:00", 601),
                               headers={"Idempotency-Key": "rollback-test-0123456789"})
    finally:
        with sqlite3.connect(staffed.sqlite_path) as conn:
            conn.execute("DROP TRIGGER refuse_keys")
    assert failed.status_code == 503
    query = {"hospital": "gomoti", "date": day.isoformat(), "time": "15:00"}
    assert admin(staffed.url, "GET", "/api/admin/audit", params=query).json() == {"entries": []}
    assert availability(staffed.url, "gomoti", day, "15:00")["current_bookings"] == 0
    book(staffed.url, booking("gomoti", day, "15:00", 602))          # and the store still works
    assert len(admin(staffed.url, "GET", "/api/admin/audit", params=query).json()["entries"]) == 1
