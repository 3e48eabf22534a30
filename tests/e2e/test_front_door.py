"""The front door: the real nginx (config/nginx) in front of the real gunicorn.

Slow clients are held by nginx while patients keep booking; the same attack straight at
gunicorn is the control, and must stall it. nginx's own refusals answer JSON.
"""

import json
import socket

import pytest
import requests

from harness.server import start_server
from tests.support.echo_app import ECHO_APP
from tests.support.load import booking, open_day
from tests.support.nginx import nginx_binary, start_nginx
from tests.support.slow_clients import SlowClients, keep_booking

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx is not installed (make test installs Debian's nginx when run as root)")]

SLOT_TIMES = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]
BOOKING_TIMEOUT_S = 3.0


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("gunicorn"), workers=3,
                          TRUSTED_PROXY_HOPS=1, FORWARDED_ALLOW_IPS="127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, gunicorn):
    front = start_nginx(tmp_path_factory.mktemp("nginx"), gunicorn.url)
    yield front
    front.stop()


def booker(url: str, first_patient: int):
    """book(n): patient first_patient + n books a seat at al-sefa, spread over one day."""
    day = open_day(4)

    def book(n: int) -> None:
        body = booking("al-sefa", day, SLOT_TIMES[n % len(SLOT_TIMES)], first_patient + n)
        answer = requests.post(url + "/api/appointments", json=body, timeout=BOOKING_TIMEOUT_S)
        assert answer.status_code == 201, answer.text

    return book


@pytest.mark.parametrize("mode, seconds, patients", [("header", 20, 100_000),
                                                     ("body", 10, 200_000)])
def test_slow_clients_at_nginx_leave_bookings_answering_within_a_second(
        nginx, mode, seconds, patients):
    with SlowClients(nginx.url, count=200, mode=mode) as attack:
        timings = keep_booking(booker(nginx.url, patients), seconds)
    assert attack.opened >= 200
    assert timings.failures == []
    assert len(timings.latencies) >= seconds * 2
    assert timings.answered_within(1.0) == len(timings.latencies), sorted(timings.latencies)[-5:]


@pytest.mark.parametrize("mode, patients", [("header", 300_000), ("body", 400_000)])
def test_slow_clients_straight_at_gunicorn_stall_bookings_control(gunicorn, mode, patients):
    with SlowClients(gunicorn.url, count=200, mode=mode):
        timings = keep_booking(booker(gunicorn.url, patients), 8)
    assert timings.answered_within(1.0) <= len(timings.latencies + timings.failures) // 2
    assert timings.failures, "every gunicorn thread should be held by a slow client"


def raw_answer(url: str, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes no HTTP library would; read the answer until the server closes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


CLOSE = b"Host: booking\r\nConnection: close\r\n"
NGINX_REFUSALS = {
    400: b"NONSENSE\r\n\r\n",
    404: b"GET /_errors/400 HTTP/1.1\r\n" + CLOSE + b"\r\n",
    413: b"POST /api/appointments HTTP/1.1\r\n" + CLOSE + b"Content-Length: 70000\r\n\r\n"
         + b" " * 70000,
    414: b"GET /api/" + b"a" * 5000 + b" HTTP/1.1\r\n" + CLOSE + b"\r\n",
    431: b"GET /api/hospitals HTTP/1.1\r\n" + CLOSE + b"X-Big: " + b"a" * 5000 + b"\r\n\r\n",
}
CHUNKED_OVER_64K = (b"POST /api/appointments HTTP/1.1\r\n" + CLOSE
                    + b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                    + (b"8000\r\n" + b" " * 0x8000 + b"\r\n") * 3 + b"0\r\n\r\n")


@pytest.mark.parametrize("status", sorted(NGINX_REFUSALS))
def test_nginx_own_refusals_answer_json(nginx, status):
    code, headers, body = raw_answer(nginx.url, NGINX_REFUSALS[status])
    assert code == status
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(body)["error"]


def test_chunked_body_over_64k_is_refused_by_nginx(nginx):
    code, headers, body = raw_answer(nginx.url, CHUNKED_OVER_64K)
    assert (code, headers["Content-Type"]) == (413, "application/json")


def test_upstream_down_answers_json_502_with_retry_after(tmp_path):
    (tmp_path / "app").mkdir()
    server = start_server(tmp_path / "app")
    front = start_nginx(tmp_path / "nginx", server.url)
    try:
        server.stop()
        answer = requests.get(front.url + "/api/hospitals", timeout=10)
    finally:
        front.stop()
    assert answer.status_code == 502
    assert answer.json() == {"error": "Booking service unavailable, please retry"}
    assert answer.headers["Retry-After"] == "1"


def test_app_errors_pass_through_nginx_untouched(nginx):
    answer = requests.post(nginx.url + "/api/appointments", json={"hospital": "moon"},
                           timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == "Validation failed" and "details" in answer.json()


@pytest.mark.parametrize("hops, believed", [(1, "127.0.0.1"), (2, "203.0.113.9")])
def test_spoofed_forwarded_for_through_nginx_is_not_believed(tmp_path, hops, believed):
    """With one proxy (hops=1) the app sees the real client; hops=2 (wrong) is the control."""
    (tmp_path / "app").mkdir()
    server = start_server(tmp_path / "app", app=ECHO_APP, workers=1, TRUSTED_PROXY_HOPS=hops,
                          FORWARDED_ALLOW_IPS="127.0.0.1")
    front = start_nginx(tmp_path / "nginx", server.url)
    try:
        answer = requests.get(front.url + "/api/_test/client", timeout=10,
                              headers={"X-Forwarded-For": "203.0.113.9"})
    finally:
        front.stop()
        server.stop()
    assert answer.json()["remote_addr"] == believed
