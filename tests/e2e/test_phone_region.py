"""A booking's phone is read in its hospital's own `phone_region`, through the real server.

Every shipped hospital is in BD, so a fixed "BD" would pass every other test; here a hospital
configured in GB reads a local UK number as +44, where a BD hospital refuses the same spelling.
"""

import pytest
import requests

from tests.support.hospitals import (
    ABROAD,
    ABROAD_E164,
    ABROAD_LOCAL_PHONE,
    start_with_a_hospital_abroad,
)
from tests.support.load import booking, open_day

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_with_a_hospital_abroad(tmp_path_factory.mktemp("abroad"))
    yield running
    running.stop()


def book(url: str, hospital: str, phone: str) -> requests.Response:
    body = {**booking(hospital, open_day(3), "10:00", 1), "patient_phone": phone}
    return requests.post(url + "/api/appointments", json=body, timeout=10)


def test_a_local_number_is_read_in_the_hospitals_own_region(server):
    answer = book(server.url, ABROAD, ABROAD_LOCAL_PHONE)
    assert answer.status_code == 201, answer.text
    assert answer.json()["appointment"]["patient_phone"] == ABROAD_E164


def test_the_same_spelling_at_a_hospital_in_bangladesh_is_not_a_number(server):
    answer = book(server.url, "gomoti", ABROAD_LOCAL_PHONE)
    assert answer.status_code == 400
    assert "Give a BD number" in answer.json()["details"]["patient_phone"][0]


def test_the_hospitals_answer_says_each_hospitals_phone_region(server):
    hospitals = requests.get(server.url + "/api/hospitals", timeout=10).json()["hospitals"]
    regions = {h["id"]: h["phone_region"] for h in hospitals}
    assert regions == {"gomoti": "BD", "moon": "BD", "al-sefa": "BD", ABROAD: "GB"}
