"""/metrics on the real server: counters equal what a storm's clients saw, across workers and
worker restarts; the scrape stays cheap; nobody without the operator's key reads it."""

import os
import signal
import time
from datetime import timedelta

import psutil
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from harness.server import start_server
from tests.support.load import booking, open_day, race

pytestmark = pytest.mark.e2e

KEY = "metrics-key-for-tests-0123456789"
SCRAPE = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def metered(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("metrics")
    running = start_server(workdir, workers=3, METRICS_KEY=KEY,
                           PROMETHEUS_MULTIPROC_DIR=workdir / "prometheus")
    running.metrics_dir = workdir / "prometheus"
    yield running
    running.stop()


def scrape(server) -> dict:
    """Every sample of /metrics as {(name, sorted label pairs): value}."""
    answer = requests.get(server.url + "/metrics", headers=SCRAPE, timeout=10)
    assert answer.status_code == 200, answer.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def next_friday():
    day = open_day(2)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def test_booking_counters_equal_what_a_storm_of_clients_saw(metered):
    day = open_day(3)
    calls = [[{"method": "POST", "path": "/api/appointments",
               "json": booking("gomoti", day, "10:00", n)}] for n in range(40)]
    calls += [[{"method": "POST", "path": "/api/appointments",
                "json": booking("gomoti", next_friday(), "10:00", 100 + n)}] for n in range(3)]
    calls += [[{"method": "POST", "path": "/api/appointments", "json": {"hospital": "gomoti"}}]
              for _ in range(2)]
    seen = race(metered.url, calls)
    samples = scrape(metered)

    assert (seen.count(201), seen.count(409), seen.count(400)) == (15, 25, 5)
    # Control: several workers served the storm, so no one process's own counters could
    # have matched the clients; only the shared directory adds them up.
    assert len(list(metered.metrics_dir.glob("counter_[0-9]*.db"))) >= 2
    assert value(samples, "booking_decisions_total", outcome="booked", hospital="gomoti") == 15
    assert value(samples, "booking_decisions_total", outcome="full", hospital="gomoti") == 25
    assert value(samples, "booking_decisions_total", outcome="closed", hospital="gomoti") == 3
    assert value(samples, "booking_decisions_total", outcome="rejected", hospital="-") == 2
    for status, count in [("201", 15), ("409", 25), ("400", 5)]:
        assert value(samples, "http_request_duration_seconds_count", method="POST",
                     route="/api/appointments", status=status) == count
    # One wait per booking that reached the write gate: the 15 booked ones at least, never
    # more than the 40 that asked; refusals a read already saw full skip the gate.
    assert 15 <= value(samples, "store_wait_seconds_count", engine="sqlite") <= 40


def test_seats_left_gauge_tells_the_days_truth(metered):
    day = open_day(4)
    race(metered.url, [[{"method": "POST", "path": "/api/appointments",
                         "json": booking("moon", day, t, n)}] for n, t in
                       enumerate(["09:00", "09:00", "11:30", "14:00"])])
    slots = requests.get(f"{metered.url}/api/hospitals/moon/availability",
                         params={"date": day.isoformat()}, timeout=10).json()["slots"]
    seats = value(scrape(metered), "booking_seats_left", hospital="moon", date=day.isoformat())
    assert seats == sum(s["available_slots"] for s in slots) == len(slots) * 20 - 4


def test_counters_survive_worker_restarts_and_dead_workers_files_are_folded(metered):
    before = scrape(metered)
    day = open_day(5)
    for round_ in range(4):
        answer = requests.post(metered.url + "/api/appointments",
                               json=booking("al-sefa", day, "10:00", round_), timeout=10)
        assert answer.status_code == 201
        restart_workers(metered)
    after = scrape(metered)
    booked = ("booking_decisions_total", (("hospital", "al-sefa"), ("outcome", "booked")))
    assert after[booked] - before.get(booked, 0) == 4
    files = [p.name for p in metered.metrics_dir.glob("*.db")]
    # 3 live workers x (counter, histogram) + one archive per type: not 2 per worker ever run.
    assert len(files) <= 3 * 2 + 2, files


def test_metrics_need_the_operators_key(metered, tmp_path):
    assert requests.get(metered.url + "/metrics", timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer not-the-key"}
    assert requests.get(metered.url + "/metrics", headers=wrong, timeout=10).status_code == 401


def test_a_short_metrics_key_stops_start_up_naming_the_problem(tmp_path):
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, workers=1, METRICS_KEY="guessable").stop()    # if it started
    assert "METRICS_KEY is 9 characters; it must have at least 32" in str(caught.value)


def test_metrics_are_not_served_without_a_key(tmp_path):
    server = start_server(tmp_path, workers=1)
    try:
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 404
    finally:
        server.stop()


def restart_workers(server, timeout: float = 30.0) -> None:
    """SIGKILL every worker and wait until gunicorn has replaced them all and they answer."""
    master = psutil.Process(server.process.pid)
    old = {child.pid for child in master.children()}
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = {child.pid for child in master.children()} - old
        if len(fresh) == len(old) and _answers(server):
            return
        time.sleep(0.1)
    raise AssertionError(f"workers not replaced in {timeout}s:\n{server.log_tail()}")


def _answers(server) -> bool:
    try:
        return requests.get(server.url + "/api/hospitals", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_make_runs_setup_counts_across_workers_and_keeps_the_access_log_off(tmp_path,
                                                                            monkeypatch):
    """As `make run` starts it: no PROMETHEUS_MULTIPROC_DIR and no ACCESS_LOG given.

    Control: were prometheus_client imported before gunicorn's config sets the directory, every
    worker would count in its own memory and a scrape would hold no booking counter at all."""
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.delenv("ACCESS_LOG", raising=False)
    server = start_server(tmp_path, workers=3, METRICS_KEY=KEY, LOG_LEVEL="INFO")
    try:
        seen = race(server.url, [[{"method": "POST", "path": "/api/appointments",
                                   "json": booking("moon", open_day(4), "11:00", n)}]
                                 for n in range(12)])
        samples = scrape(server)
    finally:
        server.stop()
    assert seen.count(201) == 12
    assert value(samples, "booking_decisions_total", outcome="booked", hospital="moon") == 12
    assert "gunicorn.access" not in server.log_path.read_text()
