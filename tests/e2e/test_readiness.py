"""/api/ready says 503 with a reason whenever a booking could not be written now, through
gunicorn with 3 workers; /api/health only says the process answers.

Before: /api/health answered 200 in each of these states while bookings failed.
"""

import fcntl
import os
import time

import pytest
import requests

from harness.server import start_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path):
    running = start_server(tmp_path, workers=3)
    yield running
    running.stop()


def probe(server, route: str = "/api/ready") -> tuple[int, dict, float]:
    started = time.monotonic()
    response = requests.get(server.url + route, timeout=10)
    return response.status_code, response.json(), time.monotonic() - started


def test_ready_when_the_store_takes_writes(server):
    assert probe(server)[:2] == (200, {"status": "ready"})


def test_not_ready_when_the_file_was_deleted(server):
    os.unlink(server.sqlite_path)
    status, body, _ = probe(server)
    assert (status, body["error"]) == (503, "Booking store not ready")
    assert "deleted" in body["reason"]
    assert probe(server, "/api/health")[:2] == (200, {"status": "ok"})


def test_not_ready_when_the_file_is_read_only(server):
    os.chmod(server.sqlite_path, 0o444)
    status, body, _ = probe(server)
    assert status == 503
    assert "read-only" in body["reason"]


def test_not_ready_within_a_bound_while_another_process_holds_the_write_lock(server):
    holder = os.open(f"{server.sqlite_path}.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        status, body, took = probe(server)
    finally:
        os.close(holder)
    assert status == 503
    assert "write" in body["reason"]
    assert took < 3.0
    assert probe(server)[0] == 200     # and ready again once the lock is free
