"""Logs of the real server: one line per request and per decision, the cause of a store
failure, and never a patient's name, phone, email, notes or token."""

import fcntl
import json
import os

import pytest
import requests

from harness.server import start_server
from tests.support.load import booking, open_day

pytestmark = pytest.mark.e2e

ADMIN = "admin-key-for-log-tests-0123456789"
SENTINEL = {"patient_name": "Zebulon Sentinelpatient", "patient_phone": "+8801999777555",
            "patient_email": "zebulon.sentinel@example.org", "notes": "sentinel-notes-xyzzy"}


def json_lines(server) -> list[dict]:
    return [json.loads(line) for line in server.log_path.read_text().splitlines()
            if line.startswith("{")]


@pytest.fixture(scope="module")
def json_logged(tmp_path_factory):
    """A server logging JSON at DEBUG with gunicorn's access log on: the most it can say."""
    server = start_server(tmp_path_factory.mktemp("logs"), LOG_LEVEL="DEBUG", LOG_FORMAT="json",
                          ACCESS_LOG="-", ADMIN_API_KEY=ADMIN)
    yield server
    server.stop()


def patient_journey(url: str) -> list[str]:
    """Book, read, reschedule, book twice, search as staff, cancel: the secrets it handled."""
    day = open_day(2)
    body = {**booking("gomoti", day, "15:00", 0), **SENTINEL}
    booked = requests.post(url + "/api/appointments", json=body, timeout=10).json()
    token, appointment_id = booked["access_token"], booked["appointment"]["id"]
    mine = {"Authorization": f"Bearer {token}"}
    item = f"{url}/api/appointments/{appointment_id}"
    assert requests.get(item, headers=mine, timeout=10).status_code == 200
    moved = {"date": day.isoformat(), "appointment_time": "15:30"}
    assert requests.patch(item, json=moved, headers=mine, timeout=10).status_code == 200
    assert requests.post(url + "/api/appointments", json={**body, "appointment_time": "15:30"},
                         timeout=10).status_code == 409
    staff = {"Authorization": f"Bearer {ADMIN}"}
    assert requests.get(url + "/api/appointments", headers=staff, timeout=10,
                        params={"hospital": "gomoti", "date": day.isoformat()}).ok
    assert requests.patch(item, json={"status": "cancelled"}, headers=mine, timeout=10).ok
    return [*SENTINEL.values(), SENTINEL["patient_phone"].lstrip("+"), "Zebulon", token, ADMIN]


def test_logs_never_hold_a_sentinel_patients_data_or_tokens(json_logged):
    secrets = patient_journey(json_logged.url)
    log = json_logged.log_path.read_text()
    assert '"outcome": "booked"' in log and '"outcome": "cancelled"' in log  # the lines exist
    for secret in secrets:
        assert secret not in log, secret


def test_every_line_is_json_gunicorns_own_included(json_logged):
    requests.get(json_logged.url + "/api/hospitals", timeout=10)
    lines = json_logged.log_path.read_text().splitlines()
    parsed = [json.loads(line) for line in lines]   # raises on any line that is not JSON
    assert {"gunicorn.error", "gunicorn.access", "app.request"} <= {p["logger"] for p in parsed}


def test_each_request_logs_one_line_with_the_id_it_echoes(json_logged):
    answer = requests.get(json_logged.url + "/api/hospitals/moon/availability",
                          params={"date": open_day(2).isoformat()},
                          headers={"X-Request-ID": "trace-42.a"}, timeout=10)
    assert answer.headers["X-Request-ID"] == "trace-42.a"
    lines = [line for line in json_lines(json_logged) if line.get("request_id") == "trace-42.a"]
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("GET", "/api/hospitals/<hospital>/availability", 200)]
    assert lines[0]["latency_ms"] >= 0


def test_a_request_without_a_usable_id_gets_a_new_one(json_logged):
    answer = requests.get(json_logged.url + "/api/hospitals",
                          headers={"X-Request-ID": "no spaces or \u00e9 allowed"}, timeout=10)
    assert len(answer.headers["X-Request-ID"]) == 32


def test_a_booking_decision_logs_outcome_hospital_slot_latency_and_retries(json_logged):
    day = open_day(3)
    requests.post(json_logged.url + "/api/appointments", json=booking("moon", day, "11:00", 5),
                  headers={"X-Request-ID": "decision-1"}, timeout=10)
    decision = next(line for line in json_lines(json_logged)
                    if line.get("request_id") == "decision-1" and line.get("action"))
    assert decision["outcome"] == "booked" and decision["hospital"] == "moon"
    assert decision["slot"] == f"{day.isoformat()} 11:00"
    assert decision["retries"] == 0 and decision["latency_ms"] > 0


def test_key_value_lines_by_default(tmp_path):
    server = start_server(tmp_path, workers=1, LOG_LEVEL="INFO")
    try:
        requests.get(server.url + "/api/hospitals", headers={"X-Request-ID": "kv-1"}, timeout=10)
    finally:
        server.stop()
    log = server.log_path.read_text()
    line = next(line for line in log.splitlines() if "kv-1" in line)
    assert "route=/api/hospitals status=200" in line and "request_id=kv-1" in line
    assert "level=INFO logger=gunicorn.error msg=\"Booting worker" in log


def test_a_store_failure_logs_its_cause(tmp_path):
    server = start_server(tmp_path, workers=1, STORE_TIMEOUT_S="0.3")
    fd = os.open(f"{server.sqlite_path}.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)   # another writer holds the write gate
        answer = requests.post(server.url + "/api/appointments",
                               json={**booking("gomoti", open_day(2), "10:00", 1), **SENTINEL},
                               timeout=10)
    finally:
        os.close(fd)
        server.stop()
    assert answer.status_code == 503
    log = server.log_path.read_text()
    assert "cause=builtins.TimeoutError" in log and "write gate not free within 0.3 s" in log
    assert "outcome=store_unavailable" in log and "Zebulon" not in log
