"""Host and redirects, straight at gunicorn and through the real nginx: a Host outside
ALLOWED_HOSTS is refused in JSON, slash redirects point at a path of this server (never at
the Host the client named) and answer JSON, and raw bytes in a path are refused in JSON."""

import pytest

from harness.server import start_server
from tests.support.load import open_day
from tests.support.nginx import nginx_binary, start_nginx
from tests.support.raw_http import Answer, raw_answer

pytestmark = pytest.mark.e2e

needs_nginx = pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx is not installed (make test installs Debian's nginx when run as root)")


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hosts"), workers=3)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, gunicorn):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (make test installs Debian's nginx when run as root)")
    front = start_nginx(tmp_path_factory.mktemp("hosts-nginx"), gunicorn.url)
    yield front
    front.stop()


@pytest.fixture(params=["gunicorn", "nginx"])
def door(request):
    """The URL of the server as a client meets it: gunicorn alone, or behind nginx."""
    return request.getfixturevalue(request.param).url


def get(url: str, path: bytes, host: bytes) -> Answer:
    return raw_answer(url, b"GET " + path + b" HTTP/1.1\r\nHost: " + host
                      + b"\r\nConnection: close\r\n\r\n")


def assert_json(answer: Answer, status: int) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json", answer
    assert answer.json()["error"]


def test_a_host_outside_allowed_hosts_is_refused_in_json(door):
    assert_json(get(door, b"/api/hospitals", b"evil.example"), 400)


def test_a_double_slash_redirect_to_another_host_is_refused_in_json(door):
    assert_json(get(door, b"//api//hospitals", b"evil.example"), 400)


def test_a_kept_day_answer_is_not_served_to_a_host_outside_the_list(gunicorn):
    """Day answers are kept per process ahead of Flask (app.api.day_answers); the Host check
    comes first. The 200 asked just before, by an allowed Host, is the control."""
    path = f"/api/hospitals/moon/availability?date={open_day(2)}".encode()
    answers = [get(gunicorn.url, path, host).status
               for host in (b"localhost", b"evil.example", b"localhost", b"evil.example")]
    assert answers == [200, 400, 200, 400]


@pytest.mark.parametrize("host", [b"localhost", b"127.0.0.1", b"localhost:8000"])
def test_the_listen_address_and_localhost_are_allowed_hosts_control(door, host):
    assert get(door, b"/api/hospitals", host).status == 200


@pytest.mark.parametrize("path, location", [(b"//api//hospitals?x=1", "/api/hospitals?x=1"),
                                            (b"/api/docs", "/api/docs/"),
                                            (b"///api/docs", "/api/docs/")])
def test_slash_redirects_are_relative_and_json(door, path, location):
    answer = get(door, path, b"localhost")
    assert answer.status == 308, answer
    assert answer.headers["location"] == location
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["location"] == location


def test_raw_utf8_bytes_in_the_path_are_refused_in_json(door):
    assert_json(get(door, "/api/hospitals/ঢাকা".encode(), b"localhost"), 400)


def test_allowed_hosts_names_the_public_host(tmp_path):
    server = start_server(tmp_path, workers=1,
                          ALLOWED_HOSTS="booking.example, .hospital.example, 127.0.0.1")
    try:
        answers = {host: get(server.url, b"/api/hospitals", host).status
                   for host in (b"booking.example", b"kiosk.hospital.example", b"localhost")}
    finally:
        server.stop()
    assert answers == {b"booking.example": 200, b"kiosk.hospital.example": 200,
                       b"localhost": 400}
