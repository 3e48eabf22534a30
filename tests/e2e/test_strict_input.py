"""Strict input through the real server (gunicorn, 3 workers): times and dates read by full
match with one set of field types on the public and the staff routes, capacity overrides only
where bookings can happen, names that are names, phones without letters (issue 27, findings 8
and 9). Every refusal is a 400 naming its field that writes nothing; beside each, the control
that the same route takes the well-formed value."""

from datetime import timedelta

import pytest
import requests

from harness.server import start_server
from tests.support.load import availability, booking, open_day

pytestmark = pytest.mark.e2e

ADMIN_KEY = "strict-input-e2e-admin-key-0123456789"
STAFF = {"Authorization": f"Bearer {ADMIN_KEY}"}
DAY = open_day(10)
FRIDAY = 4


@pytest.fixture(scope="module")
def staffed(tmp_path_factory):
    """The server with an admin key, as a hospital runs it."""
    running = start_server(tmp_path_factory.mktemp("strict"), ADMIN_API_KEY=ADMIN_KEY)
    yield running
    running.stop()


def staff(server, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, server.url + path, headers=STAFF, timeout=10, **kwargs)


def refused_naming(response: requests.Response, field: str) -> bool:
    body = response.json()
    return response.status_code == 400 and field in body.get("details", {})


def book(server, time: str, n: int, **changed) -> requests.Response:
    """POST a booking of patient `n` at DAY `time`, with `changed` fields."""
    body = {**booking("gomoti", DAY, time, n), **changed}
    return requests.post(server.url + "/api/appointments", json=body, timeout=10)


def refused_and_nothing_booked(server, answer: requests.Response, field: str, time: str) -> bool:
    seats_taken = availability(server.url, "gomoti", DAY, time)["current_bookings"]
    return refused_naming(answer, field) and seats_taken == 0


def closures_on(server, day) -> list:
    answer = staff(server, "GET", f"/api/admin/closures?hospital=gomoti&date={day.isoformat()}")
    return answer.json()["closures"]


def overrides_on(server, day) -> list:
    answer = staff(server, "GET", f"/api/admin/capacity?hospital=gomoti&date={day.isoformat()}")
    return answer.json()["overrides"]


# -- finding 8: times and dates by full match -------------------------------------------------

def test_a_closure_time_with_a_trailing_newline_is_refused_and_stores_nothing(staffed):
    """Before: 201, stored as "10:00\\n", and then 10:00 stayed bookable while 10:30 closed."""
    closure = {"hospital": "gomoti", "date": DAY.isoformat(), "start": "10:00\n",
               "end": "11:00", "reason": "Power cut"}
    answer = staff(staffed, "POST", "/api/admin/closures", json=closure)
    assert refused_naming(answer, "start"), answer.text
    assert closures_on(staffed, DAY) == []
    assert availability(staffed.url, "gomoti", DAY, "10:30")["status"] == "available"


def test_the_same_closure_written_exactly_closes_its_slots(staffed):
    day = open_day(11)
    closure = {"hospital": "gomoti", "date": day.isoformat(), "start": "10:00", "end": "11:00",
               "reason": "Power cut"}
    assert staff(staffed, "POST", "/api/admin/closures", json=closure).status_code == 201
    assert availability(staffed.url, "gomoti", day, "10:00")["status"] == "closed"
    assert availability(staffed.url, "gomoti", day, "11:00")["status"] == "available"


def compact(day) -> str:
    return day.strftime("%Y%m%d")


def iso_week(day) -> str:
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}-{weekday}"


NOT_YYYY_MM_DD = [compact, iso_week]
STAFF_DATE_CALLS = [
    ("POST", "/api/admin/closures", lambda d: {"json": {
        "hospital": "gomoti", "date": d, "reason": "Power cut"}}),
    ("PUT", "/api/admin/capacity", lambda d: {"json": {
        "hospital": "gomoti", "date": d, "time": "10:00", "capacity": 3}}),
    ("GET", "/api/admin/closures", lambda d: {"params": {"hospital": "gomoti", "date": d}}),
    ("GET", "/api/admin/capacity", lambda d: {"params": {"hospital": "gomoti", "date": d}}),
    ("GET", "/api/admin/audit", lambda d: {"params": {"hospital": "gomoti", "date": d,
                                                      "time": "10:00"}}),
]


@pytest.mark.parametrize("spelling", NOT_YYYY_MM_DD, ids=["YYYYMMDD", "YYYY-Www-D"])
@pytest.mark.parametrize("method, path, request_of", STAFF_DATE_CALLS,
                         ids=[f"{m} {p}" for m, p, _ in STAFF_DATE_CALLS])
def test_staff_routes_take_dates_only_as_yyyy_mm_dd(staffed, spelling, method, path, request_of):
    """Before: 20261230 and 2026-W53-2 were read as dates (201/200) by every staff route."""
    day = open_day(12)
    answer = staff(staffed, method, path, **request_of(spelling(day)))
    assert refused_naming(answer, "date"), answer.text
    assert closures_on(staffed, day) == [] and overrides_on(staffed, day) == []


@pytest.mark.parametrize("method, path, request_of", STAFF_DATE_CALLS,
                         ids=[f"{m} {p}" for m, p, _ in STAFF_DATE_CALLS])
def test_staff_routes_take_the_same_date_written_yyyy_mm_dd(staffed, method, path, request_of):
    answer = staff(staffed, method, path, **request_of(open_day(13).isoformat()))
    assert answer.status_code in (200, 201), answer.text


def test_a_booking_time_with_a_trailing_newline_is_refused(staffed):
    answer = book(staffed, "13:00", 1, appointment_time="13:00\n")
    assert refused_and_nothing_booked(staffed, answer, "appointment_time", "13:00"), answer.text


def next_friday(day):
    while day.weekday() != FRIDAY:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("day", [next_friday(open_day(3)), open_day(1).replace(year=2099)],
                         ids=["a Friday (closed)", "2099 (beyond the horizon)"])
def test_capacity_is_not_overridden_where_nobody_can_book(staffed, day):
    """Before: 200, and the override was stored."""
    answer = staff(staffed, "PUT", "/api/admin/capacity", json={
        "hospital": "gomoti", "date": day.isoformat(), "capacity": 3})
    assert refused_naming(answer, "date"), answer.text
    assert overrides_on(staffed, day) == []


def test_capacity_is_overridden_on_an_open_day_within_the_horizon(staffed):
    day = open_day(14)
    answer = staff(staffed, "PUT", "/api/admin/capacity", json={
        "hospital": "gomoti", "date": day.isoformat(), "time": "10:00", "capacity": 3})
    assert answer.status_code == 200, answer.text
    assert [o["capacity"] for o in overrides_on(staffed, day)] == [3]


# -- finding 9: names that are names, phones without letters ----------------------------------

NOT_NAMES = {
    "line separator": "Rahim\u2028Uddin",
    "paragraph separator": "Rahim\u2029Uddin",
    "only Hangul fillers": "\u3164\u3164\u3164",
    "only blank Braille": "\u2800\u2800\u2800",
    "150 marks on one letter": "R" + "\u0301" * 150 + "ahim",
    "private use": "Rahim\ue000",
    "unassigned": "Rahim\u0378",
    "noncharacter": "Rahim\ufdd0",
    "100 ZWNJs": "Ra" + "\u200c" * 100 + "him",
}
NAMES = ["মোহাম্মদ রহিম", "শ্রাবন্তী", "Zoe\u0308 O'Neil", "Nguye\u0302\u0303n Văn An"]


@pytest.mark.parametrize("name", NOT_NAMES.values(), ids=NOT_NAMES.keys())
def test_a_name_that_is_not_a_name_is_refused_and_stores_nothing(staffed, name):
    """Before: 201, stored and shown (blank or broken) on the staff board."""
    answer = book(staffed, "14:00", 2, patient_name=name)
    assert refused_and_nothing_booked(staffed, answer, "patient_name", "14:00"), answer.text


@pytest.mark.parametrize("n, name", list(enumerate(NAMES, start=3)), ids=NAMES)
def test_real_names_in_bangla_and_with_accents_are_booked(staffed, n, name):
    answer = book(staffed, "14:30", n, patient_name=name)
    assert answer.status_code == 201, answer.text
    assert answer.json()["appointment"]["patient_name"] == name


def test_a_phone_with_letters_is_refused_not_read_as_digits(staffed):
    """Before: 201, stored as +8801712223334 (phonenumbers reads letters as keypad digits)."""
    answer = book(staffed, "15:00", 1, patient_phone="+880171ABCDEFG")
    assert refused_and_nothing_booked(staffed, answer, "patient_phone", "15:00"), answer.text


def test_the_same_phone_in_digits_is_booked(staffed):
    answer = book(staffed, "15:30", 1, patient_phone="+8801712223334")
    assert answer.status_code == 201, answer.text
