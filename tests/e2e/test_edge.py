"""Every answer is hardened, and X-Forwarded-For is believed only from the configured proxy."""

import socket

import pytest
import requests

from harness.server import start_server
from tests.support.echo_app import ECHO_APP
from tests.support.load import booking, open_day

pytestmark = pytest.mark.e2e

HARDENED = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"}
SPOOFED = "203.0.113.9"


def hardening_of(response) -> dict:
    return {name: response.headers.get(name) for name in HARDENED}


def raw_answer(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(65536)


def test_every_kind_of_api_answer_is_hardened(server):
    url, day = server.url, open_day(3)
    answers = [
        requests.get(url + "/api/hospitals", timeout=10),                          # 200
        requests.post(url + "/api/appointments", timeout=10,                       # 201
                      json=booking("moon", day, "11:00", 1)),
        requests.post(url + "/api/appointments", json={"hospital": "moon"}, timeout=10),  # 400
        requests.get(url + "/api/appointments/nope", timeout=10),                  # 401/404
        requests.get(url + "/api/no-such-route", timeout=10),                      # 404
        requests.delete(url + "/api/hospitals", timeout=10),                       # 405
        requests.options(url + "/api/appointments", timeout=10, headers={          # preflight
            "Origin": "https://frontend.example", "Access-Control-Request-Method": "POST"}),
    ]
    assert [a.status_code for a in answers][:3] == [200, 201, 400]
    for answer in answers:
        assert hardening_of(answer) == HARDENED, (answer.status_code, answer.url)


@pytest.fixture
def stock_gunicorn(tmp_path):
    """gunicorn's own gthread worker (command-line arguments beat config/gunicorn.conf.py)."""
    running = start_server(tmp_path, workers=1, GUNICORN_CMD_ARGS="--worker-class gthread")
    yield running
    running.stop()


def test_gunicorn_own_refusals_are_not_hardened_control(stock_gunicorn):
    """Control: an answer that never reached the app lacks the headers, so the check can fail
    (gunicorn's stock worker; the project's answers its refusals hardened, in JSON)."""
    answer = raw_answer(stock_gunicorn.url, b"GET /api/hospitals HTTP/1.1\r\nHost x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"nosniff" not in answer and b"no-store" not in answer


def client_address(url: str, forwarded_for: str) -> str:
    answer = requests.get(url + "/api/_test/client", timeout=10,
                          headers={"X-Forwarded-For": forwarded_for})
    return answer.json()["remote_addr"]


@pytest.fixture
def echo_server(tmp_path):
    servers = []

    def start(**env):
        workdir = tmp_path / f"echo-{len(servers)}"
        workdir.mkdir()
        servers.append(start_server(workdir, app=ECHO_APP, workers=1, **env))
        return servers[-1]

    yield start
    for running in servers:
        running.stop()


def test_forwarded_for_from_the_configured_proxy_is_believed(echo_server):
    """Also the control of the two tests below: the echo can show a forwarded address."""
    server = echo_server(TRUSTED_PROXY_HOPS=1, FORWARDED_ALLOW_IPS="127.0.0.1")
    assert client_address(server.url, SPOOFED) == SPOOFED


def test_forwarded_for_from_any_other_peer_is_ignored(echo_server):
    server = echo_server(TRUSTED_PROXY_HOPS=1, FORWARDED_ALLOW_IPS="192.0.2.1,10.0.0.0/8")
    assert client_address(server.url, SPOOFED) == "127.0.0.1"


def test_forwarded_for_is_ignored_by_default(echo_server):
    server = echo_server()
    assert client_address(server.url, SPOOFED) == "127.0.0.1"
