"""/api/ready says 503 with a reason whenever a booking could not be written now, through
gunicorn with 3 workers; /api/health only says the process answers.

Before: /api/health answered 200 in each of these states while bookings failed.
"""

import fcntl
import os
import re
import subprocess
import time

import pytest
import requests

from app.version import VERSION
from harness.server import start_server
from tests.support.doc_examples import documents
from tests.support.load import booking, open_day

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
    assert probe(server, "/api/health")[:2] == (200, {"status": "ok", "version": VERSION})


def test_ready_and_bookings_agree_when_the_file_loses_its_write_bits(server):
    """Issue 27: as root (whom the mode does not stop) ready said 503 "read-only" while the
    bookings were stored. Ready now writes as a booking does: whoever runs the server, the
    two answer alike."""
    os.chmod(server.sqlite_path, 0o444)
    ready = [probe(server)[0] for _ in range(6)]
    booked = [requests.post(server.url + "/api/appointments", timeout=10,
                            json=booking("moon", open_day(4), "10:30", n)).status_code
              for n in range(6)]
    assert {(r, b) for r, b in zip(ready, booked, strict=True)} <= {(200, 201), (503, 503)}


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MiB tmpfs for the store (root only: mounting is how a full disk is made honestly)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root): the full-disk test needs one")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk) -> None:
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:         # ENOSPC: the disk is full
            pass


def test_not_ready_on_a_full_disk_while_bookings_fail_and_ready_again_once_freed(tmp_path,
                                                                                tiny_disk):
    """Issue 27: on a full disk 90 of 90 bookings answered 503 while /api/ready said 200."""
    server = start_server(tmp_path, workers=2, SQLITE_PATH=str(tiny_disk / "booking.sqlite3"))
    try:
        day = open_day(4)
        assert requests.post(server.url + "/api/appointments", timeout=10,
                             json=booking("gomoti", day, "09:00", 1)).status_code == 201
        fill(tiny_disk)
        booked = [requests.post(server.url + "/api/appointments", timeout=10,
                                json=booking("gomoti", day, "09:30", n)).status_code
                  for n in range(10)]
        full = [probe(server) for _ in range(6)]
        (tiny_disk / "filler").unlink()
        freed = probe(server)[:2]
        after = requests.post(server.url + "/api/appointments", timeout=10,
                              json=booking("gomoti", day, "10:00", 2)).status_code
    finally:
        server.stop()
    assert booked == [503] * 10                         # the fault is real
    assert [status for status, _, _ in full] == [503] * 6
    assert all("full" in body["reason"] and took < 3 for _, body, took in full), full
    assert (freed, after) == ((200, {"status": "ready"}), 201)       # the control


def test_health_answers_what_the_readme_says_it_answers(server):
    """Issue 27: with the store file deleted /api/health answered 200 where the README said
    503. Health is liveness (this process answers), the README says so everywhere, and
    readiness is /api/ready."""
    os.unlink(server.sqlite_path)
    assert probe(server, "/api/health")[:2] == (200, {"status": "ok", "version": VERSION})
    assert probe(server, "/api/ready")[0] == 503
    readme = "\n".join(path.read_text() for path in documents())     # README and docs/
    says_503 = re.compile(r"/api/health`[^.|]*503")      # within one sentence or cell
    assert "/api/health` | liveness: 200" in readme
    assert not [line for line in readme.splitlines() if says_503.search(line)]


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
