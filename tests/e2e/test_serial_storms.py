"""Serials under storms, through the real server (gunicorn, 3 workers) on each engine: the
serials a full slot gives out are exactly 1..capacity, a later booking is called later, and
concurrent moves into one slot get distinct serials. The control, the document's unguarded
insert, fails the same check."""

import pytest
import requests

from harness.server import start_server
from tests.support.admin_key import ADMIN, ADMIN_KEY
from tests.support.load import booking, open_day, race, storm

pytestmark = [pytest.mark.e2e, pytest.mark.every_engine]

COUNTED_SERIAL_APP = "harness.counted_serial_app:create_app()"


#: With staff access: a move storm needs a raised capacity.
SERVER_ENV = {"ADMIN_API_KEY": ADMIN_KEY}


@pytest.fixture(scope="module")
def counted_server(tmp_path_factory):
    """The control: serials from a count read before the booking transaction."""
    running = start_server(tmp_path_factory.mktemp("counted"), app=COUNTED_SERIAL_APP, workers=3)
    yield running
    running.stop()


def seated(outcome) -> list[dict]:
    return [b["appointment"] for b in outcome.bodies if "appointment" in b]


def numbered_one_to(appointments: list[dict], n: int) -> bool:
    """Exactly n seats, numbered 1..n, each with its own reference."""
    return (sorted(a["serial"] or 0 for a in appointments) == list(range(1, n + 1))
            and len({a["reference"] for a in appointments}) == n)


def storm_of_200_holds(url: str, day) -> bool:
    """200 bookers for a 15-seat slot: 15 answered 201 with serials 1..15, 185 409, no 5xx."""
    outcome = storm(url, [[booking("gomoti", day, "10:00", c)] for c in range(200)])
    return outcome.statuses == {201: 15, 409: 185} and numbered_one_to(seated(outcome), 15)


def test_200_bookers_for_15_seats_get_serials_1_to_15(server):
    assert storm_of_200_holds(server.url, open_day(3))


def test_control_serials_counted_before_the_transaction_repeat(counted_server):
    assert not storm_of_200_holds(counted_server.url, open_day(3))


def test_a_cancelled_serial_stays_a_gap_and_the_next_booking_is_called_later(server):
    day = open_day(4)
    answers = [requests.post(f"{server.url}/api/appointments", timeout=10,
                             json=booking("moon", day, "11:00", n)).json() for n in range(5)]
    third = next(a for a in answers if a["appointment"]["serial"] == 3)
    cancelled = requests.patch(f"{server.url}/api/appointments/{third['appointment']['id']}",
                               json={"status": "cancelled"}, timeout=10,
                               headers={"Authorization": f"Bearer {third['access_token']}"})
    assert cancelled.status_code == 200
    again = requests.post(f"{server.url}/api/appointments", timeout=10,
                          json=booking("moon", day, "11:00", 99)).json()
    assert again["appointment"]["serial"] == 6


def test_50_concurrent_moves_into_one_slot_get_distinct_serials(server):
    day = open_day(5)
    raised = requests.put(f"{server.url}/api/admin/capacity", headers=ADMIN, timeout=10, json={
        "hospital": "al-sefa", "date": day.isoformat(), "time": "12:00", "capacity": 60})
    assert raised.status_code == 200, raised.text
    movers = [requests.post(f"{server.url}/api/appointments", timeout=10, json=booking(
        "al-sefa", day, ("09:00", "09:30", "10:00")[n % 3], 300 + n)).json() for n in range(50)]
    outcome = race(server.url, [[{
        "method": "PATCH", "path": f"/api/appointments/{m['appointment']['id']}",
        "json": {"date": day.isoformat(), "appointment_time": "12:00"},
        "headers": {"Authorization": f"Bearer {m['access_token']}"}}] for m in movers])
    assert outcome.statuses == {200: 50}
    assert numbered_one_to(seated(outcome), 50)
