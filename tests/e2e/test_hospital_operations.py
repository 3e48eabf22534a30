"""Hospital operations through the real server (gunicorn, 3 workers): visit statuses, the
admin key's configuration."""

import pytest
import requests

from harness.server import start_server
from tests.support.load import availability, booking, open_day

pytestmark = pytest.mark.e2e
ADMIN_KEY = "ops-e2e-admin-key-0123456789abcdef"
STAFF = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="module")
def staffed(tmp_path_factory):
    """The server with an admin key, as a hospital runs it."""
    running = start_server(tmp_path_factory.mktemp("staffed"), ADMIN_API_KEY=ADMIN_KEY)
    yield running
    running.stop()


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
