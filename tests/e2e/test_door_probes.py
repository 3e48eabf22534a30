"""The attacker's probes at both doors as users start them: `make run`'s own address (gunicorn
alone) and `make run-public`'s (nginx in front of the socket). Every refusal is JSON; slow
clients stall gunicorn alone (the development server, and the control) but not the front door."""

import pytest
import requests

from tests.support.load import booking, open_day
from tests.support.make_targets import launch_make, wait_serving
from tests.support.nginx import nginx_binary
from tests.support.raw_http import raw_answer
from tests.support.slow_clients import SlowClients, keep_booking

pytestmark = pytest.mark.e2e

CLOSE = b"Host: 127.0.0.1\r\nConnection: close\r\n"
MANY_FIELDS = (b"GET /api/health HTTP/1.1\r\n" + CLOSE
               + b"".join(b"X-Field-%d: 1\r\n" % n for n in range(200)) + b"\r\n")
CHUNKED = (b"POST /api/appointments HTTP/1.1\r\n" + CLOSE
           + b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
PROBES = {
    "200 header fields": (MANY_FIELDS, 431),
    "chunk size zz": (CHUNKED + b"zz\r\n{}\r\n0\r\n\r\n", 400),
    "chunk size -5": (CHUNKED + b"-5\r\n{}\r\n0\r\n\r\n", 400),
    "chunked body over 64 KiB": (CHUNKED + (b"8000\r\n" + b" " * 0x8000 + b"\r\n") * 3
                                 + b"0\r\n\r\n", 413),
}
SLOTS = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]


@pytest.fixture(scope="module", params=["run", "run-public"])
def door(request, tmp_path_factory):
    if request.param == "run-public" and nginx_binary() is None:
        pytest.skip("nginx is not installed (make test installs Debian's nginx when run as root)")
    server = wait_serving(launch_make(request.param, tmp_path_factory.mktemp(request.param)))
    server.target = request.param
    yield server
    server.stop()


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_every_probe_is_refused_in_json(door, probe):
    request, status = PROBES[probe]
    answer = raw_answer(door.url, request)
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"]
    assert "Traceback" not in door.log()


def test_slow_headers_stall_gunicorn_alone_but_not_the_front_door(door):
    """`make run` is the control: its threads are held by the slow clients."""
    day, first = open_day(6), 50_000 if door.target == "run" else 60_000

    def book(n):
        body = booking("al-sefa", day, SLOTS[n % len(SLOTS)], first + n)
        answer = requests.post(door.url + "/api/appointments", json=body, timeout=3)
        assert answer.status_code == 201, answer.text

    with SlowClients(door.url, count=200, mode="header"):
        timings = keep_booking(book, 8)
    answered = timings.answered_within(1.0)
    if door.target == "run":
        assert timings.failures and answered <= len(timings.latencies + timings.failures) // 2
    else:
        assert timings.failures == [] and answered == len(timings.latencies) >= 16
