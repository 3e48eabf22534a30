"""Bad input answers a clear 4xx JSON error and writes nothing."""


import pytest

from app.version import VERSION
from app.wiring import booking_service
from tests.support.bookings import GOOD, booked, post


def test_text_plain_json_body_is_booked(client):
    response = post(client, GOOD, "text/plain;charset=UTF-8")
    assert response.status_code == 201
    assert response.json["success"] is True
    assert response.headers["Location"] == f"/api/appointments/{response.json['appointment']['id']}"
    assert booked(client) == 1


def test_unknown_fields_are_ignored(client):
    assert post(client, {**GOOD, "role": "admin", "status": "cancelled"}).status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"hospital": {"$ne": None}}, "hospital"),
    ({"patient_name": {"$gt": ""}}, "patient_name"),
    ({"patient_phone": ["+8801712345678"]}, "patient_phone"),
    ({"date": {"$ne": None}}, "date"),
    ({"appointment_time": 1000}, "appointment_time"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "26/11/2026"}, "date"),
    ({"date": "2026-11-24"}, "date"),
    ({"date": "2027-03-01"}, "date"),
    ({"appointment_time": "10:15"}, "appointment_time"),
    ({"appointment_time": "08:30"}, "appointment_time"),
    ({"appointment_time": "25:00"}, "appointment_time"),
    ({"patient_name": ""}, "patient_name"),
    ({"patient_name": "x" * 201}, "patient_name"),
    ({"patient_phone": "call me"}, "patient_phone"),
    ({"patient_phone": "+12"}, "patient_phone"),
    ({"patient_email": "not-an-email"}, "patient_email"),
    ({"notes": "n" * 1001}, "notes"),
    ({"hospital": None}, "hospital"),
    ({"patient_name": "\ud800"}, "patient_name"),          # a lone surrogate cannot be stored
    ({"notes": "ok \udfff"}, "notes"),
    ({"date": "20261126"}, "date"),                        # ISO basic form
    ({"date": "2026-W48-4"}, "date"),                      # ISO week date
    ({"date": "2026-11-26T00:00"}, "date"),
    ({"patient_name": "Rahim\x00Uddin"}, "patient_name"),   # NUL
    ({"patient_name": "Rahim\x07\x1b[2J"}, "patient_name"),  # BEL, ESC
    ({"patient_name": "\u202eniduU mihaR"}, "patient_name"),  # right-to-left override
    ({"patient_name": "\u200b\u200b"}, "patient_name"),      # zero-width spaces only
    ({"patient_name": "\u200dRahim"}, "patient_name"),       # a joiner joins nothing
    ({"patient_name": "   "}, "patient_name"),
    ({"doctor": "Dr\x00 Karim"}, "doctor"),
    ({"notes": "fine\x1b[31m"}, "notes"),
])
def test_invalid_field_is_400_naming_the_field_and_writes_nothing(client, change, field):
    response = post(client, {**GOOD, **change})
    assert response.status_code == 400
    assert response.json["error"] == "Validation failed"
    assert field in response.json["details"]
    assert booked(client) == 0


@pytest.mark.parametrize("name", [
    "\u09b0\u09b9\u09bf\u09ae \u0989\u09a6\u09cd\u09a6\u09bf\u09a8",   # Bangla conjunct
    "\u0995\u09cd\u200d\u09b7",           # ZWJ inside a Bangla word
    "\u09b0\u200c\u09cd\u09af",           # ZWNJ inside a Bangla word
])
def test_names_in_bangla_with_joiners_inside_are_booked(client, name):
    response = post(client, {**GOOD, "patient_name": name})
    assert response.status_code == 201
    assert response.json["appointment"]["patient_name"] == name


def test_notes_keep_line_breaks_and_blank_optional_fields_are_null(client):
    response = post(client, {**GOOD, "notes": "first line\nsecond", "doctor": "  "})
    assert response.status_code == 201
    assert response.json["appointment"]["notes"] == "first line\nsecond"
    assert response.json["appointment"]["doctor"] is None


@pytest.mark.parametrize("url", [
    "/api/appointments/availability/gomoti/20261126/10:00",
    "/api/hospitals/gomoti/availability?date=2026-W48-4",
])
def test_dates_in_urls_must_be_yyyy_mm_dd(client, url):
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("query", ["?limit=abc", "?limit=-1&hospital=gomoti", ""])
def test_admin_list_without_a_key_is_401_before_its_parameters_are_read(client, query):
    response = client.get("/api/appointments" + query)
    assert response.status_code == 401
    assert "details" not in response.json


@pytest.mark.parametrize("missing", ["hospital", "date", "appointment_time", "patient_name",
                                     "patient_phone"])
def test_missing_required_field_is_400(client, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    assert post(client, body).json["details"][missing] == ["Missing data for required field."]


def test_unknown_hospital_in_body_is_404_and_writes_nothing(client):
    response = post(client, {**GOOD, "hospital": "City Hospital"})
    assert (response.status_code, response.json["error"]) == (404, "Unknown hospital")
    assert response.json["hospital"] == "City Hospital"
    assert [h["id"] for h in response.json["hospitals"]] == ["gomoti", "moon", "al-sefa"]
    assert booked(client) == 0


@pytest.mark.parametrize("change, details", [
    ({"date": "2026-11-24"}, {"date": ["Date is in the past."]}),
    ({"date": "2027-01-25"}, {"date": ["Bookings open at most 60 days ahead."]}),
    # FIXED_NOW is 14:00 in Dhaka on the 25th: that slot has just started.
    ({"date": "2026-11-25", "appointment_time": "14:00"},
     {"appointment_time": ["This slot has already started."]}),
])
def test_a_day_or_slot_that_takes_no_booking_now_is_400_saying_why(client, change, details):
    response = post(client, {**GOOD, **change})
    assert (response.status_code, response.json) == (
        400, {"error": "Validation failed", "details": details})
    assert booked(client) == 0


def test_friday_is_400_with_the_documents_message(client):
    response = post(client, {**GOOD, "date": "2026-11-27"})
    assert (response.status_code, response.json) == (400, {"error": "Hospital closed on Fridays"})


@pytest.mark.parametrize("raw", ["{not json", "null", "[1, 2]", '"text"', "", b"\xff\xfe",
                                 "[" * 30_000])
def test_malformed_or_non_object_json_is_400(client, raw):
    response = post(client, raw)
    assert response.status_code == 400
    assert "error" in response.json
    assert booked(client) == 0


def test_other_content_types_are_415(client):
    response = post(client, "hospital=gomoti", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert booked(client) == 0


def test_body_over_64_kib_is_413(client):
    response = post(client, {**GOOD, "notes": "n" * 70_000})
    assert response.status_code == 413
    assert "error" in response.json
    assert booked(client) == 0


def test_unknown_route_is_404_json_and_wrong_method_405_json(client):
    assert client.get("/api/nothing").json["error"]
    response = client.delete("/api/appointments")
    assert response.status_code == 405
    assert response.json["error"]


def test_availability_refusals_name_the_field_and_why(client):
    off_grid = client.get("/api/appointments/availability/gomoti/2026-11-26/10:07")
    assert off_grid.json == {"error": "Validation failed", "details": {"time": [
        "Must be a slot start between 09:00 and 16:30 every 30 minutes."]}}
    assert client.get("/api/hospitals/gomoti/availability?date=2027-01-24").status_code == 200
    beyond = client.get("/api/hospitals/gomoti/availability?date=2027-01-25")
    assert (beyond.status_code, beyond.json) == (400, {"error": "Validation failed", "details": {
        "date": ["Bookings open at most 60 days ahead."]}})


@pytest.mark.parametrize("url, status", [
    ("/api/appointments/availability/gomoti/2026-13-01/10:00", 400),
    ("/api/appointments/availability/gomoti/2026-11-26/10:07", 400),
    ("/api/appointments/availability/gomoti/2026-11-26/ten", 400),
    ("/api/appointments/availability/City%20Hospital/2026-11-26/10:00", 404),
    ("/api/hospitals/gomoti/availability?date=tomorrow", 400),
    ("/api/hospitals/gomoti/availability", 400),
    ("/api/hospitals/nowhere/availability?date=2026-11-26", 404),
])
def test_bad_availability_requests(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json["error"]


def test_cors_preflight_allows_the_frontend(client):
    response = client.options("/api/appointments", headers={
        "Origin": "http://frontend.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://frontend.example"
    assert "idempotency-key" in response.headers["Access-Control-Allow-Headers"].lower()


def test_unexpected_error_is_500_json_without_the_message_in_logs(app, client, caplog):
    def explode(command):
        raise RuntimeError(f"cannot book {command.patient_name}")

    with app.app_context():
        booking_service().book = explode
    response = post(client, GOOD)
    assert (response.status_code, response.json) == (500, {"error": "Internal server error"})
    assert "RuntimeError" in caplog.text
    assert "Rahim" not in caplog.text


def test_health_says_the_process_answers_and_ready_that_the_store_takes_writes(
        client, repository):
    assert (client.get("/api/ready").status_code, client.get("/api/ready").json) == (
        200, {"status": "ready"})
    repository.close()
    repository._path.unlink()
    repository._path.mkdir()     # a directory where the database file was: cannot open
    response = client.get("/api/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json["reason"]         # "replaced", or "cannot take a write now: ..."
    assert (client.get("/api/health").status_code, client.get("/api/health").json) == (
        200, {"status": "ok", "version": VERSION})


@pytest.mark.parametrize("damage, why", [
    (lambda path: path.unlink(), "the database file {path} was deleted"),
])
def test_ready_says_why_the_sqlite_store_takes_no_write(client, repository, damage, why):
    damage(repository._path)
    response = client.get("/api/ready")
    assert (response.status_code, response.json) == (503, {
        "error": "Booking store not ready", "reason": why.format(path=repository._path)})


@pytest.mark.parametrize("mode", [0o444, 0o555])        # chmod a-w, of a+x too
def test_ready_and_a_booking_agree_on_a_store_without_write_bits(client, repository, mode):
    """Issue 27: as root (whom the mode does not stop) ready said 503 "read-only" while the
    bookings were stored. Ready now writes as a booking does, so both answer alike."""
    repository._path.chmod(mode)
    ready, booking = client.get("/api/ready"), post(client, GOOD)
    assert (ready.status_code, booking.status_code) in {(200, 201), (503, 503)}, ready.json


def test_day_availability_marks_slots_already_started_today(client):
    # FIXED_NOW is 14:00 in Dhaka on the 25th.
    slots = client.get("/api/hospitals/gomoti/availability?date=2026-11-25").json["slots"]
    by_time = {s["time"]: s for s in slots}
    assert by_time["14:00"]["status"] == "started"
    assert by_time["14:00"]["is_available"] is False
    assert by_time["14:30"]["status"] == "available"
