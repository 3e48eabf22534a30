"""gunicorn reached directly (`make run`): its own refusals answer JSON in the app's shape,
many header fields cost little, a bad chunked body is the client's 400, and a connection
whose body was refused is closed."""

import contextlib
import threading
import time

import pytest

from harness.server import start_server
from tests.support.raw_http import connect, raw_answer, read_answer, read_to_close

pytestmark = pytest.mark.e2e

STOCK_WORKER = "--worker-class gthread"    # command-line arguments beat the config file

HARDENED = {"cache-control": "no-store", "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer"}
CLOSE = b"Host: localhost\r\nConnection: close\r\n"
REFUSALS = {
    400: b"NONSENSE\r\n\r\n",
    414: b"GET /api/" + b"a" * 9000 + b" HTTP/1.1\r\n" + CLOSE + b"\r\n",
    431: b"GET /api/hospitals HTTP/1.1\r\n" + CLOSE + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n",
}
CHUNKED_POST = (b"POST /api/appointments HTTP/1.1\r\n" + CLOSE
                + b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
BAD_CHUNKS = {"not hex": b"zz\r\n{}\r\n0\r\n\r\n",
              "negative": b"-5\r\n{}\r\n0\r\n\r\n",
              "0x prefix": b"0x2\r\n{}\r\n0\r\n\r\n",
              "no CRLF after the data": b"2\r\n{}0\r\n\r\n"}


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("gunicorn-alone"), workers=3)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stock_gunicorn(tmp_path_factory):
    """Control: the same server with gunicorn's own gthread worker."""
    server = start_server(tmp_path_factory.mktemp("stock-gunicorn"), workers=1,
                          GUNICORN_CMD_ARGS=STOCK_WORKER)
    yield server
    server.stop()


def assert_json_refusal(answer, status: int) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json", answer
    assert {name: answer.headers.get(name) for name in HARDENED} == HARDENED
    assert isinstance(answer.json()["error"], str) and answer.json()["error"]


@pytest.mark.parametrize("status", sorted(REFUSALS))
def test_gunicorn_own_refusals_answer_json_in_the_apps_shape(gunicorn, status):
    assert_json_refusal(raw_answer(gunicorn.url, REFUSALS[status]), status)


@pytest.mark.parametrize("status", sorted(REFUSALS))
def test_gunicorn_own_refusals_are_html_with_its_stock_worker_control(stock_gunicorn, status):
    answer = raw_answer(stock_gunicorn.url, REFUSALS[status])
    assert answer.status == status
    assert answer.headers["content-type"].startswith("text/html")


def test_more_than_a_hundred_header_fields_are_refused(gunicorn):
    fields = b"".join(b"X-Field-%d: 1\r\n" % n for n in range(101))
    answer = raw_answer(gunicorn.url, b"GET /api/health HTTP/1.1\r\n" + CLOSE + fields + b"\r\n")
    assert_json_refusal(answer, 431)


def test_a_hundred_header_fields_are_served(gunicorn):
    """Control for the test above: the limit is where it says."""
    fields = b"".join(b"X-Field-%d: 1\r\n" % n for n in range(98))
    answer = raw_answer(gunicorn.url, b"GET /api/health HTTP/1.1\r\n" + CLOSE + fields + b"\r\n")
    assert answer.status == 200


def test_a_thousand_big_header_fields_are_refused_within_two_seconds(gunicorn):
    """The attack that cost 28 s of worker CPU with limit_request_fields = 4000."""
    fields = b"".join(b"X-Field-%d: " % n + b"a" * 8000 + b"\r\n" for n in range(1000))
    with connect(gunicorn.url, timeout=30) as sock:
        started = time.monotonic()
        threading.Thread(target=_send_ignoring_close, args=(sock, b"GET /api/health HTTP/1.1"
                         b"\r\n" + CLOSE + fields + b"\r\n"), daemon=True).start()
        answer = read_answer(sock)
        elapsed = time.monotonic() - started
    assert answer.status == 431
    assert elapsed < 2.0


def _send_ignoring_close(sock, data: bytes) -> None:
    with contextlib.suppress(OSError):    # the server refused and closed before the end
        sock.sendall(data)


@pytest.mark.parametrize("kind", sorted(BAD_CHUNKS))
def test_a_malformed_chunked_body_answers_400_json_without_a_traceback(gunicorn, kind):
    answer = raw_answer(gunicorn.url, CHUNKED_POST + BAD_CHUNKS[kind])
    assert_json_refusal(answer, 400)
    assert "Traceback" not in gunicorn.log_path.read_text(errors="replace")


def test_a_well_formed_chunked_body_reaches_the_app(gunicorn):
    """Control for the test above: chunked bodies as such are read (the app's 400 names fields)."""
    answer = raw_answer(gunicorn.url, CHUNKED_POST + b"2\r\n{}\r\n0\r\n\r\n")
    assert answer.status == 400 and "details" in answer.json()


def test_a_connection_whose_body_was_refused_413_is_closed(gunicorn):
    big = (b"POST /api/appointments HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n" + b" " * 70000)
    with connect(gunicorn.url) as sock:
        sock.sendall(big)
        answer = read_answer(sock)
        assert_json_refusal(answer, 413)
        assert answer.headers["connection"] == "close"
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert read_to_close(sock) == b""


def test_a_keep_alive_connection_serves_the_next_request(gunicorn):
    """Control for the test above: an answered request leaves the connection open."""
    with connect(gunicorn.url) as sock:
        for _ in range(2):
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            answer = read_answer(sock)
            assert answer.status == 200 and answer.headers["connection"] == "keep-alive"
