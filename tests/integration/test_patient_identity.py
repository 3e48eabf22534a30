"""One identity per phone: every spelling of a number is one patient when booking, in the admin
list, and once `flask normalize-phones` has rewritten what older versions stored."""

import uuid
from datetime import UTC, date, datetime

import pytest

from app.domain.model import Appointment, Slot
from app.service import writes
from tests.support.admin_key import ADMIN
from tests.support.bookings import GOOD, post

pytestmark = pytest.mark.every_engine

SPELLINGS = ["01811111111", "8801811111111", "+880 1811-111111", "+8801811111111"]
DAY = date(2026, 11, 26)


def admin_list(client, **filters):
    query = {"hospital": "gomoti", "date": DAY.isoformat(), **filters}
    return client.get("/api/appointments", query_string=query, headers=ADMIN)


@pytest.mark.parametrize("second", SPELLINGS)
def test_every_spelling_of_a_phone_is_the_same_patient_in_a_slot(client, second):
    assert post(client, {**GOOD, "patient_phone": "01811111111"}).status_code == 201
    again = post(client, {**GOOD, "patient_phone": second})
    assert again.status_code == 409
    assert again.json["error"] == "Patient already booked for this slot"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_admin_finds_a_patient_by_any_spelling_of_the_phone(client, spelling):
    post(client, {**GOOD, "patient_phone": "+8801811111111"})
    post(client, {**GOOD, "patient_phone": "+8801911111111"})
    found = admin_list(client, phone=spelling).json
    assert (found["total"], found["items"][0]["patient_phone"]) == (1, "+8801811111111")


def test_admin_search_by_an_impossible_phone_is_400_naming_the_parameter(client):
    response = admin_list(client, phone="12")
    assert response.status_code == 400
    assert "phone" in response.json["details"]


# -- normalizing what older versions stored --------------------------------------------------

def stored(repository, phone: str, time: str = "10:00") -> str:
    """An appointment written with `phone` as it was typed (before phones were parsed)."""
    target = Slot("gomoti", "Gomoti Hospital", DAY, time, 15)
    made = Appointment(uuid.uuid4().hex, "gomoti", "Gomoti Hospital", DAY, time, "booked",
                       "Legacy", phone, None, None, None, datetime(2026, 11, 20, tzinfo=UTC))
    writes.book(repository, target, made, "hash")
    return made.id


def normalize(app, *args):
    result = app.test_cli_runner().invoke(args=["normalize-phones", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.real_engines
def test_normalize_phones_rewrites_every_spelling_as_e164_in_batches(app, repository):
    ids = [stored(repository, phone, f"1{n}:00") for n, phone in enumerate(SPELLINGS)]
    output = normalize(app, "--batch-size", "3")
    assert "4 scanned, 3 normalized, 0 could not be read" in output
    assert {repository.get(i)[0].patient_phone for i in ids} == {"+8801811111111"}


@pytest.mark.real_engines
def test_normalize_phones_twice_changes_nothing_the_second_time(app, repository):
    stored(repository, "01811111111")
    normalize(app)
    assert "1 scanned, 0 normalized" in normalize(app)


@pytest.mark.real_engines
def test_normalize_phones_reports_what_it_cannot_read_and_keeps_it(app, repository):
    unreadable = stored(repository, "call me")
    output = normalize(app)
    assert f"could not be read: appointment {unreadable}" in output
    assert repository.get(unreadable)[0].patient_phone == "call me"


@pytest.mark.real_engines
def test_normalize_phones_leaves_a_second_seat_of_one_patient_for_a_person(app, repository):
    stored(repository, "+8801811111111")
    twin = stored(repository, "01811111111")
    output = normalize(app)
    assert f"left as duplicates: appointment {twin}" in output
    assert repository.get(twin)[0].patient_phone == "01811111111"


@pytest.mark.real_engines
def test_normalize_phones_reports_the_whole_store_across_batches(app, repository):
    unreadable = {stored(repository, "call me", "10:00"), stored(repository, "none", "10:30")}
    stored(repository, "01822222222", "11:00")
    twins = set()
    for time, phone in (("11:30", "1811111111"), ("12:00", "1833333333")):
        stored(repository, f"+880{phone}", time)
        twins.add(stored(repository, f"0{phone}", time))
    first, *listed = normalize(app, "--batch-size", "1").splitlines()
    assert first == ("phones: 7 scanned, 1 normalized, 2 could not be read, 2 left as they "
                     "would duplicate a patient in their slot")
    assert sorted(listed) == sorted([f"could not be read: appointment {i}" for i in unreadable]
                                    + [f"left as duplicates: appointment {i}" for i in twins])
