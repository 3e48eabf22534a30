"""The per-patient cap under a storm, through the real server, with its control."""

import pytest
import requests

from harness.server import start_server
from tests.support.load import booking, open_day, storm

pytestmark = [pytest.mark.e2e, pytest.mark.every_engine]

UNSERIALIZED_CAP_APP = "tests.support.unserialized_cap:create_app()"
LIMIT = 2      # max_active_per_patient of the shipped hospitals
PHONE_SPELLINGS = ["01811111111", "8801811111111", "+880 1811-111111", "+8801811111111"]
AT_THE_CAP = {"error": "Patient booking limit reached", "limit": LIMIT, "active": LIMIT}


def one_phone_in_ten_slots(day) -> list[list[dict]]:
    """Ten clients, one booking each, the same patient (in every spelling) in ten slots."""
    times = [f"{9 + n // 2:02d}:{30 * (n % 2):02d}" for n in range(10)]
    return [[{"hospital": "moon", "date": day.isoformat(), "appointment_time": time,
              "patient_name": "Bot", "patient_phone": PHONE_SPELLINGS[n % 4]}]
            for n, time in enumerate(times)]


def test_ten_simultaneous_bookings_by_one_phone_get_exactly_the_cap(server):
    outcome = storm(server.url, one_phone_in_ten_slots(open_day(7)))
    assert outcome.statuses == {201: LIMIT, 409: 10 - LIMIT}
    refusals = [b for b in outcome.bodies if "error" in b]
    assert all(b == {"error": "Patient booking limit reached", "limit": LIMIT, "active": LIMIT}
               for b in refusals)


@pytest.fixture(scope="module")
def unserialized_cap_server(tmp_path_factory, engine):
    if engine.name != "sqlite":
        pytest.skip("the control runs on SQLite")
    running = start_server(tmp_path_factory.mktemp("uncapped"), app=UNSERIALIZED_CAP_APP,
                           workers=3)
    yield running
    running.stop()


def test_control_without_the_patient_write_books_past_the_cap(unserialized_cap_server):
    outcome = storm(unserialized_cap_server.url, one_phone_in_ten_slots(open_day(7)))
    assert outcome.count(201) > LIMIT, outcome.statuses


def book_at(url, hospital, day, time) -> requests.Response:
    body = {**booking(hospital, day, time, 0), "patient_phone": "+8801822222222"}
    return requests.post(url + "/api/appointments", json=body, timeout=10)


def move_to(url, booked: dict, hospital, day, time) -> requests.Response:
    """The patient's own move, with the token their booking answered."""
    return requests.patch(
        f"{url}/api/appointments/{booked['appointment']['id']}",
        json={"hospital": hospital, "date": day.isoformat(), "appointment_time": time},
        headers={"Authorization": f"Bearer {booked['access_token']}"}, timeout=10)


def test_bookings_moved_into_another_hospital_count_toward_its_cap(server):
    """Booking at moon and moving to gomoti, round after round, once gave one phone any
    number of seats at gomoti: each move into another hospital is a new seat there."""
    day = open_day(12)
    moves = []
    for round_ in range(2):
        for n in range(LIMIT):
            time = f"{10 + round_}:{30 * n:02d}"
            booked = book_at(server.url, "moon", day, time)
            assert booked.status_code == 201, booked.text
            moves.append(move_to(server.url, booked.json(), "gomoti", day, time))
    assert [m.status_code for m in moves] == [200] * LIMIT + [409] * LIMIT
    assert all(m.json() == AT_THE_CAP for m in moves[LIMIT:])
    # gomoti holds exactly the cap for this phone: a booking there is refused with that count
    refused = book_at(server.url, "gomoti", day, "15:00")
    assert (refused.status_code, refused.json()) == (409, AT_THE_CAP)
