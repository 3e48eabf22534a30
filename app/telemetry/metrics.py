"""Prometheus metrics: what operators watch, recorded where each thing happens.

Under gunicorn, config/gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before any worker
imports this module, so every worker writes its samples to that directory and a scrape of
any worker reads them all (see app.telemetry.multiprocess). Without it (tests, `flask run`)
the metrics live in this process.
"""

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from app.telemetry.multiprocess import ENV, locked

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds", "Time to answer a request, by route pattern.",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS)
BOOKINGS = Counter(
    "booking_decisions_total", "Answers to booking requests, by outcome and hospital.",
    ["outcome", "hospital"])
CHANGES = Counter(
    "appointment_changes_total", "Appointments cancelled or rescheduled, by hospital.",
    ["change", "hospital"])
STORE_WAIT = Histogram(
    "store_wait_seconds", "Time a write waited for its turn: the SQLite write gate, or "
    "MongoDB transaction attempts lost to conflicts.", ["engine"], buckets=LATENCY_BUCKETS)
DAY_ANSWERS_FROM_MEMORY = Counter(
    "day_availability_answers_from_memory_total", "Polls of a day's availability answered "
    "from a worker's copy at most DAY_ANSWER_FRESH_S old, without a request through the app "
    "(not in http_request_duration_seconds), by status (200, 304, or 429 past the read limit).",
    ["status"])
STORE_RETRIES = Counter(
    "store_transaction_retries_total", "Write transactions run again after a conflict "
    "(MongoDB WriteConflict / commit retries).", ["engine"])


@dataclass
class StoreEffort:
    """What the store cost one request: seconds waited and transaction retries."""

    wait_s: float = 0.0
    retries: int = 0


_effort: ContextVar[StoreEffort | None] = ContextVar("store_effort", default=None)


@contextmanager
def measured_store_effort() -> Iterator[StoreEffort]:
    """Collects the store's waits and retries made by the calls inside the block."""
    effort = StoreEffort()
    token = _effort.set(effort)
    try:
        yield effort
    finally:
        _effort.reset(token)


def record_store_wait(engine: str, seconds: float) -> None:
    STORE_WAIT.labels(engine).observe(seconds)
    effort = _effort.get()
    if effort is not None:
        effort.wait_s += seconds


def record_store_retry(engine: str) -> None:
    STORE_RETRIES.labels(engine).inc()
    effort = _effort.get()
    if effort is not None:
        effort.retries += 1


class SeatsLeftCollector:
    """booking_seats_left{hospital, date}: seats still bookable per hospital and day.

    Read from the store at scrape time (one grouped query per hospital and day), so it is
    the truth, not a sum of events that a restart would forget.
    """

    def __init__(self, seats_left: Callable[[], Iterator[tuple[str, str, int]]]):
        self._seats_left = seats_left

    def collect(self):
        family = GaugeMetricFamily("booking_seats_left", "Seats still bookable, per hospital "
                                   "and day (today and the next days).", labels=["hospital",
                                                                                 "date"])
        for hospital, day, seats in self._seats_left():
            family.add_metric([hospital, day], seats)
        yield family


def exposition(*collectors) -> tuple[bytes, str]:
    """The text format of every worker's samples plus `collectors`, and its content type."""
    scraped = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        scraped.register(collector)
    return _samples() + generate_latest(scraped), CONTENT_TYPE_PLAIN_0_0_4


def _samples() -> bytes:
    path = os.environ.get(ENV)
    if not path:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path)
    with locked(Path(path), fcntl.LOCK_SH):
        return generate_latest(registry)
