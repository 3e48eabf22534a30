"""A deleted or replaced SQLite file: no booking is confirmed into a file nobody will read,
and no worker serves a file of its own (issue 11), through gunicorn with 3 workers.

Before the fix: after the delete, 10 of 10 bookings answered 201 and all were gone after a
restart; after delete + kill -9 of one worker, 30 of 30 bookers of a 15-seat slot got 201.
"""

import os
import shutil
import signal
import time

import psutil
import pytest

from harness.server import start_server
from tests.support.load import availability, booking, open_day, storm

pytestmark = pytest.mark.e2e

DAY = open_day(6)


def bookers(time_, n, first=0):
    return [[booking("gomoti", DAY, time_, first + i)] for i in range(n)]


@pytest.fixture
def fresh_server(tmp_path):
    running = start_server(tmp_path, workers=3)
    yield running
    running.stop()


def workers(server, count: int = 3) -> set[int]:
    """The worker pids, once gunicorn runs `count` of them."""
    master = psutil.Process(server.process.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = {child.pid for child in master.children()}
        if len(pids) == count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not run {count} workers within 30 s")


def respawn_one_worker(server) -> None:
    """SIGKILL one worker and wait until gunicorn has replaced it."""
    old = workers(server)
    victim = min(old)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while victim in (now := workers(server)) or now <= old:
        assert time.monotonic() < deadline, "no worker was respawned within 30 s"
        time.sleep(0.1)
    time.sleep(1.0)     # the new worker builds its app


def test_bookings_after_the_file_is_deleted_are_refused_not_lost(fresh_server, tmp_path):
    before = storm(fresh_server.url, bookers("10:00", 5))
    assert before.count(201) == 5
    os.unlink(fresh_server.sqlite_path)
    after = storm(fresh_server.url, bookers("10:30", 10, first=100), timeout=15)
    fresh_server.stop()
    assert after.statuses == {503: 10}
    restarted = start_server(tmp_path, workers=3)
    try:
        kept = availability(restarted.url, "gomoti", DAY, "10:30")["current_bookings"]
    finally:
        restarted.stop()
    assert kept == after.count(201) == 0


def test_a_respawned_worker_never_serves_a_file_of_its_own(fresh_server):
    warm = storm(fresh_server.url, bookers("10:00", 24))   # every worker has connections open
    assert warm.count(201) == 15
    os.unlink(fresh_server.sqlite_path)
    respawn_one_worker(fresh_server)
    outcome = storm(fresh_server.url, bookers("11:00", 30), timeout=15)
    assert outcome.count(201) == 0, outcome.statuses
    assert outcome.statuses == {503: 30}
    assert not fresh_server.sqlite_path.exists()    # no worker created a fresh, empty file


def test_a_replaced_file_is_refused(fresh_server, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(fresh_server.sqlite_path, copy)
    os.replace(copy, fresh_server.sqlite_path)
    outcome = storm(fresh_server.url, bookers("11:30", 5), timeout=15)
    assert outcome.statuses == {503: 5}


def test_control_the_same_storm_on_an_intact_file_fills_the_slot_exactly(fresh_server):
    """The storms above can confirm bookings: on the intact file, 15 of 30 get a seat."""
    respawn_one_worker(fresh_server)
    outcome = storm(fresh_server.url, bookers("12:00", 30), timeout=15)
    assert outcome.statuses == {201: 15, 409: 15}
